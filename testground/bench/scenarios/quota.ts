/**
 * Quota burst in real time, with ACI's create rate scaled down in proportion: N pods bound at once against
 * Q creates per window W (default 10 per 30 s, i.e. ACI's 100 per 5 min with the window ÷10 and the quota
 * ÷10). Everything the bridge does runs in real time and as shipped (host time ×1, status periods, repair
 * interval, jitter, host.json); only the simulator's clock runs ×10 so that its 5-minute sliding window lasts
 * 30 s — and every other simulator duration is multiplied back by 10 (lifecycle timings, ARM token-bucket
 * refill) so they stay real, and Retry-After is divided by 10 on its way back (testground/bench/common.ts proxy).
 * So the figures do not depend on machine load the way a ×30 run did (docs/benchmarks.md, "quota").
 *
 * Reports: all Running, none Failed, the 429s provoked, deferrals, and
 * - `utilisation` = creates accepted ÷ creates the quota allowed from the first create to the last accepted
 *   one (Q at once, then Q per W: Q × (1 + span / W));
 * - the slot delay: for the i-th accepted create (i ≥ Q) the time between its slot opening (create i−Q + W)
 *   and its use — the bridge's pacing (deferral rounding, jitter, queue hop) in one figure.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { REALISTIC_TIMING, startLocalStack } from "../../local/stack.js";
import type { AciSimulatorTiming } from "../../sim/aci/index.js";
import {
  BENCH_NAMESPACE,
  benchPod,
  eventCounter,
  freePort,
  machineLoad,
  percentile,
  RAISED_REGION_QUOTAS,
  round,
  scaledClock,
  startAzuriteProcess,
  startRetryAfterProxy,
  waitUntil,
  type ScenarioContext,
  type ScenarioResult,
} from "../common.js";

/** The simulator's clock factor: its 5-minute create window lasts 300 s ÷ this. */
export const QUOTA_WINDOW_SCALE = 10;
/** Creates per (scaled) window: ACI's 100 per 5 min ÷ 10. */
export const QUOTA_CREATES_PER_WINDOW = 10;
const FIVE_MIN_MS = 5 * 60_000;

/** A simulator duration that must stay real while its clock runs ×k. */
function realTiming(k: number): Partial<AciSimulatorTiming> {
  return Object.fromEntries(Object.entries(REALISTIC_TIMING).map(([key, ms]) => [key, ms * k]));
}

export async function runQuota(ctx: ScenarioContext): Promise<ScenarioResult> {
  const k = QUOTA_WINDOW_SCALE;
  const q = QUOTA_CREATES_PER_WINDOW;
  const windowMs = FIVE_MIN_MS / k;
  const n = ctx.quick ? 2 * q : 4 * q;
  const { now } = scaledClock(k);
  const events = eventCounter();
  const simPort = await freePort();
  const proxy = await startRetryAfterProxy(() => `http://127.0.0.1:${simPort}`, k);
  const azurite = await startAzuriteProcess();
  const stack = await startLocalStack({
    storageConnectionString: azurite.connectionString,
    ports: { aci: simPort },
    simulator: {
      now,
      timing: realTiming(k),
      // ARM's buckets as in Azure, in real seconds: refill ÷ k on a clock ×k.
      throttling: {
        reads: { burst: 250, refillPerSecond: 25 / k },
        writes: { burst: 200, refillPerSecond: 10 / k },
        deletes: { burst: 200, refillPerSecond: 10 / k },
      },
      quotas: { ...RAISED_REGION_QUOTAS, createsPer5Min: q, createsPerHour: 1_000_000 },
    },
    settings: { ARM_ENDPOINT: proxy.endpoint },
    hostLog: events.onLine,
  });
  try {
    await stack.registerNode();
    stack.kube!.createNamespace(BENCH_NAMESPACE);
    const aci = stack.aci!;
    const callsFrom = aci.calls.length;
    const t0 = Date.now();
    for (let i = 0; i < n; i++) stack.kube!.createPod(benchPod(`quota-${i}`), { nodeName: stack.node.name });
    ctx.progress(`quota: ${n} pods bound; ${q} creates per ${windowMs / 1000} s window, all in real time`);
    // The last window opens after ceil(n/q) − 1 windows; then Pending + Creating.
    const minimumS = ((Math.ceil(n / q) - 1) * windowMs) / 1000;
    let lastReport = 0;
    const done = await waitUntil(
      () => {
        const pods = stack.kube!.list<V1Pod>("pods", BENCH_NAMESPACE);
        const running = pods.filter((p) => p.status?.phase === "Running").length;
        if (Date.now() - lastReport > 10_000) {
          lastReport = Date.now();
          ctx.progress(`quota: ${running}/${n} Running after ${round((Date.now() - t0) / 1000)} s`);
        }
        return running >= n ? true : undefined;
      },
      (minimumS * 2 + 60) * 1000,
      500,
    );
    const seconds = (Date.now() - t0) / 1000;
    const calls = aci.calls.slice(callsFrom);
    const puts = calls.filter((c) => c.method === "PUT");
    const accepted = puts
      .filter((c) => c.status >= 200 && c.status < 300)
      .map((c) => c.at)
      .sort((a, b) => a - b);
    // Simulator times are on its ×k clock: back to real ms.
    const realAccepted = accepted.map((at) => (at - (accepted[0] ?? at)) / k);
    const spanMs = realAccepted[realAccepted.length - 1] ?? 0;
    const allowed = q * (1 + spanMs / windowMs);
    const slotDelaysS: number[] = [];
    for (let i = q; i < realAccepted.length; i++) {
      slotDelaysS.push(((realAccepted[i] ?? 0) - ((realAccepted[i - q] ?? 0) + windowMs)) / 1000);
    }
    const pods = stack.kube!.list<V1Pod>("pods", BENCH_NAMESPACE);
    const running = pods.filter((p) => p.status?.phase === "Running").length;
    const failed = pods.filter((p) => p.status?.phase === "Failed").length;
    const result = {
      pods: n,
      createsPerWindow: q,
      windowSeconds: windowMs / 1000,
      allRunning: done === true,
      running,
      failed,
      seconds: round(seconds, 1),
      minimumSeconds: minimumS,
      createsAccepted: accepted.length,
      createsAllowed: round(allowed, 1),
      utilisation: round(accepted.length / allowed, 3),
      slotDelayS: {
        p50: round(percentile(slotDelaysS, 50), 2),
        p90: round(percentile(slotDelaysS, 90), 2),
        max: round(Math.max(...slotDelaysS, 0), 2),
      },
      puts: puts.length,
      put429: puts.filter((c) => c.status === 429).length,
      read429: calls.filter((c) => c.kind === "read" && c.status === 429).length,
      total429: calls.filter((c) => c.status === 429).length,
      deferrals: events.counts.get("cg.create.deferred") ?? 0,
      throttledDeferrals: events.counts.get("arm.throttled") ?? 0,
      reads: calls.filter((c) => c.kind === "read").length,
      retryAfterRewritten: proxy.rewritten,
      events: Object.fromEntries(events.counts),
      invocations: stack.host.stats.invocations,
      load: machineLoad(),
    };
    ctx.progress(
      `quota: all Running ${result.allRunning} in ${result.seconds} s (minimum ${minimumS} s); utilisation ${result.utilisation}; ` +
        `slot delay p50 ${result.slotDelayS.p50} s; ${result.put429} PUT 429s, ${result.deferrals} deferrals`,
    );
    return result;
  } finally {
    await stack.stop();
    await azurite.close();
    await proxy.close();
  }
}
