/**
 * Runs ONE benchmark scenario in this process and prints its result as the last stdout line (JSON); progress
 * goes to stderr. `testground/bench/main.ts` starts one child per scenario because the local stack can start only once per
 * process (the Functions build their runtime once from process.env, as in Azure).
 *
 * Run: node dist/testground/bench/scenario.js <anchor|burst|burst-realistic|steady|tick|lease|quota|watcher|kubelet> [--quick]
 */
import { runAnchor } from "./scenarios/anchor.js";
import { runBurst, runBurstRealistic } from "./scenarios/burst.js";
import { runKubelet } from "./scenarios/kubelet.js";
import { runLease } from "./scenarios/lease.js";
import { runQuota } from "./scenarios/quota.js";
import { runSteady } from "./scenarios/steady.js";
import { runTick } from "./scenarios/tick.js";
import { runWatcher } from "./scenarios/watcher.js";
import type { ScenarioContext, ScenarioResult } from "./common.js";

export const SCENARIOS: Record<string, (ctx: ScenarioContext) => Promise<ScenarioResult>> = {
  anchor: runAnchor,
  "burst-realistic": runBurstRealistic,
  burst: runBurst,
  steady: runSteady,
  tick: runTick,
  lease: runLease,
  quota: runQuota,
  watcher: runWatcher,
  kubelet: runKubelet,
};

async function main(): Promise<void> {
  const [name, ...rest] = process.argv.slice(2);
  const run = name ? SCENARIOS[name] : undefined;
  if (!run) {
    process.stderr.write(`usage: scenario.js <${Object.keys(SCENARIOS).join("|")}> [--quick]\n`);
    process.exit(2);
  }
  const ctx: ScenarioContext = {
    quick: rest.includes("--quick"),
    progress: (line) => process.stderr.write(`${line}\n`),
  };
  const started = Date.now();
  const result = await run(ctx);
  process.stdout.write(
    `${JSON.stringify({ scenario: name, seconds: (Date.now() - started) / 1000, ...result })}\n`,
  );
  // Stray sockets and timers of the stopped stack must not keep the child alive.
  process.exit(0);
}

if (require.main === module) {
  // Exit (running 'exit' handlers, which stop helper processes) when the parent or a user stops the scenario.
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => process.exit(130));
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
