/**
 * The watcher's memory and CPU at 5,000 realistic pods (testground/bench/realisticPod.ts: ≈ 8 KiB of JSON each, managedFields,
 * annotations, three containers): `benchWatcher` (testground/bench/watcher.ts) runs the compiled watcher in a
 * child process against the API fake and Azurite. Three runs: 5,000 pods with the V8 flags the Helm chart sets
 * (`NODE_OPTIONS="--max-old-space-size=<watcher.maxHeapMiB> --max-semi-space-size=1"`, read from the chart's
 * values.yaml: the headline figure, as deployed), a 1-pod baseline with the same flags (the fixed cost of the
 * process), and 5,000 pods with Node's defaults (what the flags save).
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { repoPath } from "../../local/stack.js";
import { benchWatcher } from "../watcher.js";
import { machineLoad, type ScenarioContext, type ScenarioResult } from "../common.js";

/** The chart's NODE_OPTIONS for the watcher (charts/aci-bridge-watcher/templates/deployment.yaml). */
export function chartNodeOptions(): string {
  const values = parse(readFileSync(repoPath("charts", "aci-bridge-watcher", "values.yaml"), "utf8")) as {
    watcher?: { maxHeapMiB?: number };
  };
  const heap = Number(values.watcher?.maxHeapMiB ?? 64);
  return `--max-old-space-size=${heap} --max-semi-space-size=1`;
}

export async function runWatcher(ctx: ScenarioContext): Promise<ScenarioResult> {
  const pods = ctx.quick ? 200 : 5000;
  const burst = ctx.quick ? 100 : 1000;
  const idleSeconds = ctx.quick ? 2 : 10;
  const nodeOptions = chartNodeOptions();
  const result = await benchWatcher({ pods, burst, idleSeconds, nodeOptions, realistic: true });
  ctx.progress(
    `watcher: ${pods} realistic pods (${result.podJsonBytes} B of JSON each; ${nodeOptions}), peak RSS ${result.peakRssMiB} MiB, start-up CPU ${result.startup.cpuSeconds} s`,
  );
  const baseline = await benchWatcher({ pods: 1, burst: 1, idleSeconds: 3, nodeOptions });
  ctx.progress(`watcher: baseline (1 pod) RSS ${baseline.peakRssMiB} MiB`);
  const defaults = await benchWatcher({ pods, burst, idleSeconds, realistic: true });
  ctx.progress(
    `watcher: ${pods} pods with Node's default heap settings, peak RSS ${defaults.peakRssMiB} MiB`,
  );
  return {
    ...result,
    realisticPods: true,
    nodeOptions,
    baseline,
    nodeDefaults: defaults,
    load: machineLoad(),
  };
}
