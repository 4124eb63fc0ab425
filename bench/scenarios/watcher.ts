/**
 * The watcher's memory and CPU at 5,000 pods: `benchWatcher` (bench/watcher.ts) runs the compiled watcher in a
 * child process against the API fake and Azurite; plus a 1-pod baseline, so the per-pod cost is visible next to
 * the fixed cost of a Node process with its SDKs.
 */
import { benchWatcher } from "../watcher.js";
import type { ScenarioContext, ScenarioResult } from "../common.js";

export async function runWatcher(ctx: ScenarioContext): Promise<ScenarioResult> {
  const pods = ctx.quick ? 500 : 5000;
  const burst = ctx.quick ? 100 : 1000;
  const baseline = await benchWatcher({ pods: 1, burst: 1, idleSeconds: 3 });
  ctx.progress(`watcher: baseline (1 pod) RSS ${baseline.peakRssMiB} MiB`);
  const result = await benchWatcher({ pods, burst, idleSeconds: ctx.quick ? 3 : 10 });
  ctx.progress(`watcher: ${pods} pods, peak RSS ${result.peakRssMiB} MiB, start-up CPU ${result.startup.cpuSeconds} s`);
  return { ...result, baseline };
}
