/**
 * The anchor, measured: azure-aci's status loop (testground/bench/anchor.ts) with real SDK calls against the ACI
 * simulator, at 50, 200 and 1,000 running pods, on a virtual clock (testground/bench/anchor.ts `virtualClock`): the
 * simulator reads the same clock, each call costs the realistic latency profile's figure (testground/bench/common.ts
 * `LATENCY_PROFILE`, ±30 %), the loop's 5 s and 5 min timers pass at once. Why a virtual clock here and a time
 * scale for the bridge: docs/benchmarks.md, "The anchor".
 *
 * Reports, per size: ARM reads per running pod-hour over one whole clean-up cycle (from the start of the
 * loop, when both timers start, to the end of the first clean-up, which restarts the 5-minute timer), pass
 * duration, and crash → status lag (`aci.crashContainer` → the first status GET whose body shows the restart:
 * what azure-aci hands its pod controller to patch; that patch is not included, the bridge's figure includes
 * its own).
 */
import { createContainerInstanceClient } from "../../../lib/aci/armClient.js";
import { REALISTIC_TIMING } from "../../local/stack.js";
import { startAciSimulator } from "../../sim/aci/index.js";
import { AzureAciAnchor, measureCallOverhead, virtualClock, type AnchorPod } from "../anchor.js";
import {
  LATENCY_PROFILE,
  machineLoad,
  percentile,
  RAISED_REGION_QUOTAS,
  round,
  type ScenarioContext,
  type ScenarioResult,
} from "../common.js";

const NODE = "anchor-node";
const NAMESPACE = "bench";

/** A running group as azure-aci would have made it (tagged `NodeName`), seeded without ARM calls. */
function seededGroup() {
  return {
    location: "westus",
    tags: { NodeName: NODE },
    properties: {
      osType: "Linux",
      restartPolicy: "Always",
      containers: [
        {
          name: "main",
          properties: {
            image: "mcr.microsoft.com/azuredocs/aci-helloworld:latest",
            ports: [{ port: 80 }],
            resources: { requests: { cpu: 0.25, memoryInGB: 0.25 } },
          },
        },
      ],
    },
  };
}

type Sim = Awaited<ReturnType<typeof startAciSimulator>>;

export async function runAnchor(ctx: ScenarioContext): Promise<ScenarioResult> {
  const sizes = ctx.quick ? [10, 40] : [50, 200, 1000];
  // One clock for the simulator and every run; crashes due at a virtual time fire when the clock passes it.
  const due: Array<{ at: number; fire: (now: number) => void }> = [];
  const clock = virtualClock(LATENCY_PROFILE, {
    onAdvance: (now) => {
      while (due.length > 0 && (due[0]?.at ?? Infinity) <= now) due.shift()?.fire(now);
    },
  });
  const aci = await startAciSimulator({
    now: clock.now,
    timing: REALISTIC_TIMING,
    quotas: { ...RAISED_REGION_QUOTAS },
  });
  const client = () =>
    createContainerInstanceClient({
      subscriptionId: aci.subscriptionId,
      endpoint: aci.endpoint,
      insecure: true,
    });
  try {
    aci.seedGroup("anchor-overhead", "probe", seededGroup());
    const overhead = await measureCallOverhead(client(), "anchor-overhead", "probe", ctx.quick ? 30 : 100);
    ctx.progress(
      `anchor: virtual clock; real SDK GET round trip p50 ${round(overhead.p50, 2)} ms (not counted: the clock charges the profile)`,
    );
    const runs: ScenarioResult[] = [];
    for (const n of sizes) runs.push(await runSize(ctx, aci, client, clock, due, n));
    return {
      clock: "virtual",
      latencyProfile: LATENCY_PROFILE.name,
      latencyMs: LATENCY_PROFILE,
      realCallRoundTripMs: { p50: round(overhead.p50, 2), p90: round(overhead.p90, 2) },
      runs,
      load: machineLoad(),
    };
  } finally {
    await aci.close();
  }
}

async function runSize(
  ctx: ScenarioContext,
  aci: Sim,
  client: () => ReturnType<typeof createContainerInstanceClient>,
  clock: ReturnType<typeof virtualClock>,
  due: Array<{ at: number; fire: (now: number) => void }>,
  n: number,
): Promise<ScenarioResult> {
  const realStart = Date.now();
  const rg = `anchor-${n}`;
  const pods: AnchorPod[] = [];
  for (let i = 0; i < n; i++) {
    const pod: AnchorPod = { namespace: NAMESPACE, name: `pod-${i}`, phase: "Running" };
    pods.push(pod);
    aci.seedGroup(rg, `${NAMESPACE}-${pod.name}`, seededGroup());
  }
  const crashes = Math.min(ctx.quick ? 3 : 20, n);
  const victims = pods.filter((_, i) => i % Math.floor(n / crashes) === 0).slice(0, crashes);
  const crashedAt = new Map<string, number>();
  const seenAt = new Map<string, number>();
  let cycle: { reads: number; gets: number; listPages: number; ms: number } | undefined;
  const t0 = clock.now();
  const anchor = new AzureAciAnchor({
    client: client(),
    resourceGroup: rg,
    nodeName: NODE,
    pods: () => pods,
    clock,
    onStatus: (pod, group, at) => {
      if (!crashedAt.has(pod.name) || seenAt.has(pod.name)) return;
      if ((group.containers[0]?.instanceView?.restartCount ?? 0) > 0) seenAt.set(pod.name, at);
    },
    onCleanup: (at) => {
      const c = anchor.counters;
      cycle ??= { reads: c.reads, gets: c.gets, listPages: c.listPages, ms: at - t0 };
    },
  });
  // Crashes spread over one expected pass (2 GETs per pod at the profile's GET latency, then 5 s).
  const expectedPassMs = 2 * n * LATENCY_PROFILE.get + 5_000;
  victims.forEach((v, i) => {
    due.push({
      at: t0 + 5_000 + (i * expectedPassMs) / victims.length,
      fire: (now) => {
        aci.crashContainer(rg, `${NAMESPACE}-${v.name}`, "main", 137);
        crashedAt.set(v.name, now);
      },
    });
  });
  // Until the first clean-up has finished and every crash was seen (at most three passes after the last).
  const limit = t0 + 5 * 60_000 + 4 * expectedPassMs + 2 * n * LATENCY_PROFILE.get;
  anchor.start(limit);
  while (
    clock.now() < limit &&
    (cycle === undefined || crashedAt.size < victims.length || seenAt.size < crashedAt.size)
  ) {
    await new Promise((r) => setTimeout(r, 20));
  }
  await anchor.stop();
  due.length = 0;
  const c = cycle ?? {
    reads: anchor.counters.reads,
    gets: anchor.counters.gets,
    listPages: anchor.counters.listPages,
    ms: clock.now() - t0,
  };
  const hours = c.ms / 3_600_000;
  const lagsS = [...seenAt].map(([name, at]) => (at - (crashedAt.get(name) ?? at)) / 1000);
  const passesS = anchor.counters.passMs.map((ms) => ms / 1000);
  const result = {
    pods: n,
    cycleMinutes: round(c.ms / 60_000, 2),
    cycleComplete: cycle !== undefined,
    reads: c.reads,
    gets: c.gets,
    listPages: c.listPages,
    readsPerRunningPodHour: round(c.reads / n / hours, 1),
    readsPerSecond: round(c.reads / (hours * 3600), 2),
    passes: anchor.counters.passes,
    passS: { p50: round(percentile(passesS, 50), 1), max: round(Math.max(...passesS, 0), 1) },
    crashes: crashedAt.size,
    crashesDetected: seenAt.size,
    crashLagS: {
      p50: round(percentile(lagsS, 50), 1),
      p99: round(percentile(lagsS, 99), 1),
      max: round(Math.max(...lagsS, 0), 1),
    },
    errors: anchor.counters.errors,
    realSeconds: round((Date.now() - realStart) / 1000, 1),
  };
  ctx.progress(
    `anchor ${n} pods: ${result.readsPerRunningPodHour} reads per pod-hour, pass p50 ${result.passS.p50} s, ` +
      `crash lag p50/p99 ${result.crashLagS.p50}/${result.crashLagS.p99} s (${seenAt.size}/${crashedAt.size}), ${result.realSeconds} s real`,
  );
  return result;
}
