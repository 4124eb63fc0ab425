/**
 * Steady state, time-scaled ×11 (STEADY_SCALE): N running pods (N ≥ 200), follow-up chains in their slow period.
 * - ARM reads per running pod-hour over a window (every read: status GETs, repair list pages, probes, polls),
 *   normalised to real time: reads ÷ pods ÷ (window × scale / 3600 s).
 * - Crash detection lag: containers crash (`aci.crashContainer`) → the pod's status shows the restart.
 *
 * Scaling: the bridge's status periods and repair interval ÷k (3 s → 0.27 s, which the queue's 1-second
 * visibility granularity rounds up to 1 s; 55 s → 5 s), host time ×k (timer, polling back-off), the simulator's
 * clock ×k (its lifecycle and ARM token buckets run in scaled time) and its latency profile ÷k; Retry-After is
 * divided by k on the way back (testground/bench/common.ts proxy).
 */
import type { V1Pod } from "@kubernetes/client-node";
import { DEFAULT_STATUS_SLOW_SECONDS } from "../../../lib/config.js";
import { containerGroupName } from "../../../lib/translate/names.js";
import { REALISTIC_TIMING, startLocalStack } from "../../local/stack.js";
import {
  BENCH_INSTANCES,
  BENCH_NAMESPACE,
  benchPod,
  callLatency,
  eventCounter,
  freePort,
  kubeQueueLatency,
  LATENCY_PROFILE,
  machineLoad,
  percentile,
  RAISED_REGION_QUOTAS,
  round,
  scaledClock,
  scaledLatency,
  sleep,
  startAzuriteProcess,
  startQueueLatency,
  startRetryAfterProxy,
  waitUntil,
  type ScenarioContext,
  type ScenarioResult,
} from "../common.js";

/**
 * ×11, not ×10: queue visibility delays are whole seconds, so the scaled slow period (55 s ÷ k) must be a whole
 * number of seconds or the queue rounds it up (55 ÷ 10 = 5.5 → 6 s would measure a 60 s period).
 */
export const STEADY_SCALE = 11;

export async function runSteady(ctx: ScenarioContext): Promise<ScenarioResult> {
  const k = STEADY_SCALE;
  const n = ctx.quick ? 40 : 200;
  const windowS = ctx.quick ? 14 : 60; // quick: still two slow periods, so intervals exist // real seconds (× k simulated)
  const crashes = ctx.quick ? 4 : 20;
  const clock = scaledClock(k);
  const events = eventCounter();
  const invocations = invocationDurations();
  // The proxy starts first (it is the bridge's ARM_ENDPOINT) in front of the simulator's fixed port.
  const simPort = await freePort();
  const proxy = await startRetryAfterProxy(() => `http://127.0.0.1:${simPort}`, k);
  const azurite = await startAzuriteProcess();
  const queuePath = await startQueueLatency(azurite.connectionString, k);
  const stack = await startLocalStack({
    storageConnectionString: queuePath.connectionString,
    podEventsInstances: BENCH_INSTANCES,
    latency: kubeQueueLatency(k),
    ports: { aci: simPort },
    timeScale: k,
    simulator: {
      now: clock.now,
      timing: REALISTIC_TIMING,
      // The realistic latency profile ÷k (its durations are simulated time too).
      latency: scaledLatency(k),
      // ARM's buckets and ACI's create rate, in simulated time; region quotas raised for N groups.
      quotas: { ...RAISED_REGION_QUOTAS, createsPer5Min: 100_000, createsPerHour: 100_000 },
    },
    settings: {
      ACI_STATUS_FAST_SECONDS: String(3 / k),
      ACI_STATUS_SLOW_SECONDS: String(DEFAULT_STATUS_SLOW_SECONDS / k),
      ACI_REPAIR_INTERVAL_SECONDS: String(60 / k),
      ARM_ENDPOINT: proxy.endpoint,
    },
    hostLog: (line) => {
      events.onLine(line);
      invocations.onLine(line);
    },
  });
  try {
    await stack.registerNode();
    stack.kube!.createNamespace(BENCH_NAMESPACE);
    const names: string[] = [];
    for (let i = 0; i < n; i++) {
      names.push(`steady-${i}`);
      stack.kube!.createPod(benchPod(`steady-${i}`), { nodeName: stack.node.name });
    }
    ctx.progress(`steady: ${n} pods bound (time ×${k})`);
    const ready = (pod: V1Pod) =>
      pod.status?.phase === "Running" &&
      (pod.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
    const running = await waitUntil(
      () => (stack.kube!.list<V1Pod>("pods", BENCH_NAMESPACE).filter(ready).length >= n ? true : undefined),
      120_000,
      250,
    );
    // Let every chain reach its slow period (one more fast hop, then a slow one) before measuring.
    await sleep((2 * 60_000) / k);
    ctx.progress(
      `steady: ${n} Running and Ready; measuring ARM reads for ${windowS} s (${(windowS * k) / 60} min simulated)`,
    );

    const aci = stack.aci!;
    const from = clock.now();
    const callsFrom = aci.calls.length;
    invocations.reset();
    await sleep(windowS * 1000);
    const to = clock.now();
    const windowInvocations = invocations.snapshot();
    const window = aci.calls.slice(callsFrom).filter((c) => c.at >= from && c.at < to);
    const reads = window.filter((c) => c.kind === "read");
    const byOperation: Record<string, number> = {};
    for (const c of reads) byOperation[c.operation] = (byOperation[c.operation] ?? 0) + 1;
    // The slow period as it happens: interval between consecutive GETs of the same group (simulated seconds).
    const getsByGroup = new Map<string, number[]>();
    for (const c of reads) {
      if (c.operation !== "containerGroups.get") continue;
      const name = c.path.split("/").pop() ?? "";
      getsByGroup.set(name, [...(getsByGroup.get(name) ?? []), c.at]);
    }
    const intervalsS: number[] = [];
    for (const times of getsByGroup.values()) {
      for (let i = 1; i < times.length; i++) intervalsS.push(((times[i] ?? 0) - (times[i - 1] ?? 0)) / 1000);
    }
    // A pod without any GET in the window has no follow-up chain (only the hourly rotation would look at it).
    const withoutCheck = names.filter((name) => !getsByGroup.has(containerGroupName(BENCH_NAMESPACE, name)));
    const simHours = (to - from) / 3_600_000;
    // Pods created together keep their chains in phase, so a plain count over a window that is not a whole number
    // of periods is biased (most pods fit 9 checks into 10 minutes of 60.8 s periods, few fit 10). The GET rate is
    // therefore taken per pod from its first to its last GET in the window; other reads (list pages, probes) are
    // counted.
    let hops = 0;
    let spanS = 0;
    for (const times of getsByGroup.values()) {
      if (times.length < 2) continue;
      hops += times.length - 1;
      spanS += ((times[times.length - 1] ?? 0) - (times[0] ?? 0)) / 1000;
    }
    const getsPerPodHour = spanS > 0 ? (hops / spanS) * 3600 : Number.NaN;
    const otherReads = reads.filter((c) => c.operation !== "containerGroups.get").length;
    const readsPerPodHour = getsPerPodHour + otherReads / n / simHours;
    const countedReadsPerPodHour = reads.length / n / simHours;
    ctx.progress(
      `steady: ${reads.length} reads in ${round(simHours * 60, 1)} simulated min → ${round(readsPerPodHour, 1)} per pod-hour`,
    );

    // Crashes: spread over one slow period so they land at different points of the pods' chains.
    const restarts = (name: string) =>
      stack.kube!.get<V1Pod>("pods", BENCH_NAMESPACE, name)?.status?.containerStatuses?.[0]?.restartCount ??
      0;
    const victims = names.filter((_, i) => i % Math.floor(n / crashes) === 0).slice(0, crashes);
    const crashedAt = new Map<string, number>();
    const seenAt = new Map<string, number>();
    const spreadMs = 60_000 / k;
    const watcher = (async () => {
      while (seenAt.size < victims.length) {
        const now = Date.now();
        for (const name of crashedAt.keys())
          if (!seenAt.has(name) && restarts(name) > 0) seenAt.set(name, now);
        await sleep(100);
      }
    })();
    for (let i = 0; i < victims.length; i++) {
      const name = victims[i] ?? "";
      await sleep(spreadMs / victims.length);
      aci.crashContainer(stack.resourceGroup, containerGroupName(BENCH_NAMESPACE, name), "main", 137);
      crashedAt.set(name, Date.now());
    }
    await Promise.race([watcher, sleep((3 * 60_000) / k)]);
    const lagsS = [...seenAt].map(([name, at]) => ((at - (crashedAt.get(name) ?? at)) * k) / 1000);
    ctx.progress(
      `steady: ${seenAt.size}/${victims.length} crashes shown; max lag ${round(Math.max(...lagsS), 1)} s`,
    );
    return {
      scale: k,
      pods: n,
      allRunning: running === true,
      windowRealSeconds: windowS,
      windowSimulatedMinutes: round((to - from) / 60_000, 2),
      reads: reads.length,
      readsByOperation: byOperation,
      reads429: reads.filter((c) => c.status === 429).length,
      writes: window.filter((c) => c.kind !== "read").length,
      readsPerRunningPodHour: round(readsPerPodHour, 2),
      statusGetsPerPodHour: round(getsPerPodHour, 2),
      otherReadsPerPodHour: round(otherReads / n / simHours, 2),
      countedReadsPerPodHour: round(countedReadsPerPodHour, 2),
      podsWithoutStatusCheck: withoutCheck.length,
      podsWithoutStatusCheckSample: withoutCheck.slice(0, 10),
      getsPerPodInWindow: (() => {
        const h: Record<string, number> = {};
        for (const times of getsByGroup.values()) h[times.length] = (h[times.length] ?? 0) + 1;
        return h;
      })(),
      slowPeriodS: {
        p50: round(percentile(intervalsS, 50), 1),
        p90: round(percentile(intervalsS, 90), 1),
        max: round(Math.max(...intervalsS), 1),
      },
      crashes: victims.length,
      crashesDetected: seenAt.size,
      crashLagS: {
        p50: round(percentile(lagsS, 50), 1),
        p90: round(percentile(lagsS, 90), 1),
        p99: round(percentile(lagsS, 99), 1),
        max: round(Math.max(...lagsS), 1),
      },
      statusSlowSeconds: DEFAULT_STATUS_SLOW_SECONDS,
      podEventsInstances: stack.host.instances,
      latencyProfile: LATENCY_PROFILE.name,
      latencyMsScaled: callLatency(scaledLatency(k)),
      /**
       * Invocations in the measurement window, per function: count per simulated hour and the real duration of
       * each (the handler is not scaled), for the cost estimate.
       */
      invocationsInWindow: Object.fromEntries(
        Object.entries(windowInvocations).map(([fn, d]) => [
          fn,
          {
            count: d.length,
            perSimulatedHour: round(d.length / simHours, 1),
            durationMs: {
              p50: round(percentile(d, 50)),
              p99: round(percentile(d, 99)),
              mean: round(d.reduce((a, b) => a + b, 0) / Math.max(1, d.length), 1),
            },
          },
        ]),
      ),
      load: machineLoad(),
      retryAfterRewritten: proxy.rewritten,
      events: Object.fromEntries(events.counts),
    };
  } finally {
    await stack.stop();
    await queuePath.close();
    await azurite.close();
    await proxy.close();
  }
}

/** Durations of finished invocations per function, from the host's "Executed 'Functions.x' (…, Duration=Nms)". */
function invocationDurations() {
  let byFunction: Record<string, number[]> = {};
  return {
    onLine(line: { category: string; message: string }) {
      const m = /^Executed 'Functions\.(\w+)' \([A-Za-z]+, Id=[^,]+, Duration=(\d+)ms\)/.exec(line.message);
      if (m) (byFunction[m[1] ?? ""] ??= []).push(Number(m[2]));
    },
    reset() {
      byFunction = {};
    },
    snapshot: () => byFunction,
  };
}
