/**
 * `npm run chaos [-- --seed N] [--quick] [--json]`: the chaos convergence run (docs/chaos.md).
 * Progress goes to stdout (stderr with --json); with --json the last stdout line is one JSON object.
 * Exits 1 naming every failed check, 2 on a usage or start-up error.
 */
import { createRng, hashSeed } from "./prng.js";
import { FULL_PROFILE, QUICK_PROFILE, runChaos, type ChaosResult } from "./run.js";

interface Args {
  seed: number;
  quick: boolean;
  json: boolean;
}

const USAGE = "usage: node dist/testground/chaos/main.js [--seed N] [--quick] [--json]";

export function parseArgs(argv: string[]): Args {
  const args: Args = { seed: 1, quick: false, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") args.quick = true;
    else if (a === "--json") args.json = true;
    else if (a === "--seed" || a?.startsWith("--seed=")) {
      const raw = a === "--seed" ? argv[++i] : a.slice("--seed=".length);
      const n = Number(raw);
      if (!Number.isInteger(n) || n < 0 || n > 0xffffffff)
        throw new Error(`--seed needs an integer, got ${raw}`);
      args.seed = n;
    } else if (a === "--help" || a === "-h") throw new Error(USAGE);
    else throw new Error(`unknown argument ${a}\n${USAGE}`);
  }
  return args;
}

function summary(r: ChaosResult): string[] {
  const c = r.checks;
  const mark = (ok: boolean) => (ok ? "ok  " : "FAIL");
  return [
    "",
    `chaos ${r.mode}, seed ${r.seed}: ${r.pass ? "PASS" : `FAIL (${r.failed.join(", ")})`}`,
    `  ${mark(c.lost === 0)} lost              ${c.lost}`,
    `  ${mark(c.orphans === 0)} orphans           ${c.orphans}`,
    `  ${mark(c.duplicates === 0)} duplicates        ${c.duplicates}`,
    `  ${mark(c.wronglyFailed === 0)} wronglyFailed     ${c.wronglyFailed}`,
    `  ${mark(c.foreignTouched === 0)} foreignTouched    ${c.foreignTouched}`,
    `  ${mark(c.secretLeaks === 0)} secretLeaks       ${c.secretLeaks}`,
    `  ${mark(c.stuckTerminating === 0)} stuckTerminating  ${c.stuckTerminating}`,
    `  ${mark(c.maxPutsPerPodLifecycle <= c.putsPerPodLifecycleLimit)} maxPutsPerPodLifecycle  ${c.maxPutsPerPodLifecycle} (limit ${c.putsPerPodLifecycleLimit})`,
    `  ${mark(c.maxLeaseRenewGapS !== null && c.maxLeaseRenewGapS <= c.leaseRenewGapLimitS)} maxLeaseRenewGapS  ${c.maxLeaseRenewGapS ?? "never"} (limit ${c.leaseRenewGapLimitS} = lease duration / time scale, outage excluded)`,
    `  ${mark(c.podsWithoutStatusChainAfterOutage === 0)} podsWithoutStatusChainAfterOutage  ${c.podsWithoutStatusChainAfterOutage}`,
    `  ${mark(c.convergedWithinS !== null && c.convergedWithinS <= c.convergenceLimitS)} convergedWithinS  ${c.convergedWithinS ?? "never"} (limit ${c.convergenceLimitS} = 2 repair periods)`,
    `  creates after the outage (pods with no group when it ended; not a status chain): ${JSON.stringify(r.observations.createsAfterOutage)}`,
    `  topology: ${JSON.stringify(r.topology)}`,
    `  faults injected: ${r.faults
      .filter((f) => f.count > 0)
      .map((f) => `${f.kind}=${f.count}`)
      .join(" ")}`,
    ...r.faults
      .filter((f) => !f.available || f.count === 0)
      .map(
        (f) =>
          `  fault ${f.kind}: ${f.available ? "not injected" : "not available"}${f.note ? ` (${f.note})` : ""}`,
      ),
    `  workload: ${JSON.stringify(r.workload)}`,
    `  injected: ${JSON.stringify(r.injected)}`,
    `  host: ${JSON.stringify(r.host)}; total ${r.timings.totalS} s (chaos ${r.timings.chaosS} s)`,
    ...Object.entries(r.details)
      .filter(([, v]) => Array.isArray(v) && v.length > 0)
      .map(([k, v]) => `  ${k}: ${JSON.stringify(v).slice(0, 2000)}`),
  ];
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  // The Kubernetes API fake draws its fault coin from Math.random: make that seeded too.
  const mathRng = createRng(hashSeed(args.seed, "Math.random"));
  Math.random = mathRng.next;
  const out = (line: string) => (args.json ? process.stderr : process.stdout).write(`${line}\n`);
  const result = await runChaos({
    seed: args.seed,
    profile: args.quick ? QUICK_PROFILE : FULL_PROFILE,
    rng: createRng(args.seed),
    progress: out,
  });
  for (const line of summary(result)) out(line);
  if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  return result.pass ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(
        `chaos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(2);
    },
  );
}
