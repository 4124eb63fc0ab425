/**
 * Quota burst, time-scaled ×30: 1,000 pods bound at once against ACI's create rate of 100 per 5 minutes per
 * region (the simulator's default). All must reach Running eventually, none be marked Failed, and the bridge
 * should pace itself (ADR 0002: per-instance throttle gate + re-enqueue with Retry-After) rather than hammer ARM:
 * the 429s it provoked are counted.
 *
 * Scaling: the simulator's clock ×30 (quota windows, lifecycle, ARM token buckets), host time ×30, the fast status
 * period ÷30 (then 1 s, the queue's visibility granularity), Retry-After ÷30 on its way back to the bridge
 * (bench/common.ts proxy, which keeps "wait inline" vs "defer" as the real bridge would decide). The slow period
 * and the repair stay at their real 60 s (see the settings below). The hourly cap (300 creates/h) is lifted: with it, 1,000 creates
 * need 3 h 20 min of quota windows — pure waiting that says nothing more about pacing.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { REALISTIC_TIMING, startLocalStack } from "../../local/stack.js";
import {
  BENCH_NAMESPACE,
  benchPod,
  eventCounter,
  freePort,
  RAISED_REGION_QUOTAS,
  round,
  scaledClock,
  startAzuriteProcess,
  startRetryAfterProxy,
  waitUntil,
  type ScenarioContext,
  type ScenarioResult,
} from "../common.js";

export const QUOTA_SCALE = 30;
const CREATES_PER_5_MIN = 100;

export async function runQuota(ctx: ScenarioContext): Promise<ScenarioResult> {
  const k = QUOTA_SCALE;
  const n = ctx.quick ? 150 : 1000;
  const { now } = scaledClock(k);
  const events = eventCounter();
  const simPort = await freePort();
  const proxy = await startRetryAfterProxy(() => `http://127.0.0.1:${simPort}`, k);
  const azurite = await startAzuriteProcess();
  const stack = await startLocalStack({
    storageConnectionString: azurite.connectionString,
    ports: { aci: simPort },
    timeScale: k,
    simulator: {
      now,
      timing: REALISTIC_TIMING,
      quotas: { ...RAISED_REGION_QUOTAS, createsPer5Min: CREATES_PER_5_MIN, createsPerHour: 1_000_000 },
    },
    settings: {
      ACI_STATUS_FAST_SECONDS: String(3 / k),
      // Not scaled: 1,000 running pods checked every 2 s would ask 500 messages/s of the local queue emulator;
      // the slow period and the repair do not take part in creating.
      ACI_STATUS_SLOW_SECONDS: "60",
      ACI_REPAIR_INTERVAL_SECONDS: "60",
      ARM_ENDPOINT: proxy.endpoint,
    },
    kubeFake: { historyLimit: 20 * n },
    hostLog: events.onLine,
  });
  try {
    await stack.registerNode();
    stack.kube!.createNamespace(BENCH_NAMESPACE);
    const aci = stack.aci!;
    const callsFrom = aci.calls.length;
    const t0 = Date.now();
    const simStart = now();
    for (let i = 0; i < n; i++) stack.kube!.createPod(benchPod(`quota-${i}`), { nodeName: stack.node.name });
    ctx.progress(`quota: ${n} pods bound (time ×${k}; ${CREATES_PER_5_MIN} creates per 5 simulated min)`);
    // Theoretical minimum: the last window opens after ceil(n/100) − 1 windows of 5 minutes.
    const minSimMin = (Math.ceil(n / CREATES_PER_5_MIN) - 1) * 5;
    let lastReport = 0;
    let failed = 0;
    const done = await waitUntil(
      () => {
        const pods = stack.kube!.list<V1Pod>("pods", BENCH_NAMESPACE);
        const running = pods.filter((p) => p.status?.phase === "Running").length;
        failed = pods.filter((p) => p.status?.phase === "Failed").length;
        if (Date.now() - lastReport > 10_000) {
          lastReport = Date.now();
          ctx.progress(
            `quota: ${running}/${n} Running after ${round((now() - simStart) / 60_000, 1)} simulated min`,
          );
        }
        return running >= n ? true : undefined;
      },
      ((minSimMin * 2 + 10) * 60_000) / k,
      1_000,
    );
    const simMinutes = (now() - simStart) / 60_000;
    const calls = aci.calls.slice(callsFrom);
    const puts = calls.filter((c) => c.method === "PUT");
    const pods = stack.kube!.list<V1Pod>("pods", BENCH_NAMESPACE);
    ctx.progress(
      `quota: done=${done === true} in ${round(simMinutes, 1)} simulated min; ${puts.filter((c) => c.status === 429).length} PUT 429s`,
    );
    return {
      scale: k,
      pods: n,
      allRunning: done === true,
      running: pods.filter((p) => p.status?.phase === "Running").length,
      failed: pods.filter((p) => p.status?.phase === "Failed").length || failed,
      realSeconds: round((Date.now() - t0) / 1000, 1),
      simulatedMinutes: round(simMinutes, 1),
      minimumSimulatedMinutes: minSimMin,
      puts: puts.length,
      putsAccepted: puts.filter((c) => c.status >= 200 && c.status < 300).length,
      put429: puts.filter((c) => c.status === 429).length,
      read429: calls.filter((c) => c.kind === "read" && c.status === 429).length,
      total429: calls.filter((c) => c.status === 429).length,
      reads: calls.filter((c) => c.kind === "read").length,
      retryAfterRewritten: proxy.rewritten,
      events: Object.fromEntries(events.counts),
      invocations: stack.host.stats.invocations,
    };
  } finally {
    await stack.stop();
    await azurite.close();
    await proxy.close();
  }
}
