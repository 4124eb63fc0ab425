/**
 * The chaos run: the whole bridge on the local stack (Azurite, ACI simulator, Kubernetes API fake, the real
 * watcher, the real Functions through the local host), a workload of pods created and deleted in waves while
 * faults are injected everywhere (testground/chaos/faults.ts), then faults off, time to converge, and the checks
 * (testground/chaos/checks.ts). One run per process: the Functions build their runtime once from process.env.
 */
import { QueueServiceClient } from "@azure/storage-queue";
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import { loadWatcherConfig, POD_EVENTS_CONNECTION } from "../../lib/config.js";
import { jsonLineLogger } from "../../lib/log.js";
import { LEASE_LATE_SECONDS as LEASE_LATE_SECONDS_BRIDGE } from "../../lib/reconcile/node.js";
import { POD_EVENTS_POISON_QUEUE, POD_EVENTS_QUEUE } from "../../lib/queue/message.js";
import {
  containerGroupName,
  TAG_CLUSTER,
  TAG_NAMESPACE,
  TAG_NODE,
  TAG_POD,
  TAG_UID,
} from "../../lib/translate/names.js";
import { buildWatcher } from "../../lib/watcher/build.js";
import type { Watcher } from "../../lib/watcher/watcher.js";
import { startLocalStack, type LocalStack } from "../local/stack.js";
import type { HostLogLine } from "../local/host.js";
import type { AciSimulator, Json } from "../sim/aci/index.js";
import type { KubeFake } from "../sim/kube/index.js";
import { REALISTIC_LATENCY, withSeed } from "../sim/latency.js";
import {
  assess,
  computeChecks,
  failedChecks,
  isConverged,
  longestLeaseGap,
  type Assessment,
  type ChaosChecks,
  type CheckDetails,
  type GroupAtOutageEnd,
  type GroupSnapshot,
  type OutageWindow,
  type Ownership,
  type PodSnapshot,
  type RecordedOutcome,
} from "./checks.js";
import {
  armFaultRules,
  ChaosSwitch,
  chaosSender,
  chaosTimerHandler,
  DEFAULT_RATES,
  kubeFaultRules,
  type FaultRates,
  type InjectionCounters,
} from "./faults.js";
import type { Rng } from "./prng.js";
import type { FromInstance, InstanceSetupOptions, KillPhase, ToInstance } from "./instanceSetup.js";
import { errorText, safeStringify, SecretScanner, type Leak } from "./secrets.js";
import { CHAOS_NAMESPACE, pickShape, planPod, type PodShape } from "./workload.js";
import { leaseGapTrace, RunTrace } from "./trace.js";

export interface ChaosProfile {
  mode: "full" | "quick";
  /** Pods created in total (including same-name re-creations). */
  pods: number;
  waves: number;
  waveSeconds: number;
  /** Share of the live pods deleted in each wave after the first. */
  deleteShare: number;
  watcherRestartSeconds: number;
  /** Watch streams are cut every [min, max] seconds. */
  watchCutSeconds: [number, number];
  /** Watch history compacted (every resuming watch gets 410 Gone) about this often. */
  compactSeconds: number;
  /** Bridge settings, scaled (production: repair 60 s, fast 3 s, slow 60 s). */
  repairIntervalSeconds: number;
  statusFastSeconds: number;
  statusSlowSeconds: number;
  /** Local host time scale: the 10 s reconcile timer fires every 10/k s, visibility timeouts shrink. */
  timeScale: number;
  /** Longest wait for convergence before giving up (s). */
  convergeTimeoutSeconds: number;
  /** `podEvents` instances (forked processes of the local host). */
  instances: number;
  /** The correlated outage: starts `atSeconds` into the chaos phase; each part lasts its own seconds. */
  outage: { atSeconds: number; kubeApiSeconds: number; armSeconds: number; queueSeconds: number };
  /** Instance kills (SIGKILL mid-create or mid-delete, alternating), one about every `killEverySeconds`. */
  kills: number;
  killEverySeconds: number;
  /** Pods created at once, the watcher crashed right after (`atSeconds` into the chaos phase). */
  burst: { atSeconds: number; pods: number };
}

export const FULL_PROFILE: ChaosProfile = {
  mode: "full",
  pods: 500,
  waves: 10,
  waveSeconds: 22,
  deleteShare: 0.3,
  watcherRestartSeconds: 30,
  watchCutSeconds: [5, 12],
  compactSeconds: 25,
  repairIntervalSeconds: 20,
  statusFastSeconds: 1,
  statusSlowSeconds: 20,
  timeScale: 3,
  convergeTimeoutSeconds: 150,
  instances: 3,
  outage: { atSeconds: 60, kubeApiSeconds: 60, armSeconds: 60, queueSeconds: 30 },
  kills: 6,
  killEverySeconds: 25,
  burst: { atSeconds: 150, pods: 20 },
};

export const QUICK_PROFILE: ChaosProfile = {
  mode: "quick",
  pods: 60,
  waves: 3,
  waveSeconds: 10,
  deleteShare: 0.35,
  watcherRestartSeconds: 10,
  watchCutSeconds: [3, 6],
  compactSeconds: 9,
  repairIntervalSeconds: 20,
  statusFastSeconds: 1,
  statusSlowSeconds: 20,
  timeScale: 3,
  // Past the 40 s limit only to say how late; short, so a failing CI run still ends in ~90 s.
  convergeTimeoutSeconds: 45,
  instances: 3,
  outage: { atSeconds: 6, kubeApiSeconds: 12, armSeconds: 12, queueSeconds: 6 },
  kills: 2,
  killEverySeconds: 8,
  burst: { atSeconds: 22, pods: 8 },
};

/** ACI simulator timings for the run: a create takes ~2 s to Running, a delete 1.5 s (real ACI: tens of seconds). */
export const CHAOS_SIM_TIMING = {
  pendingMs: 500,
  creatingMs: 1_500,
  initContainerMs: 200,
  deleteMs: 1_500,
  restartBackoffMs: 1_000,
  restartBackoffMaxMs: 8_000,
  pullRetryMs: 500,
  pullFailureGiveUpMs: 5_000,
};

/**
 * The Lease bound: a renewal more than 20 s after the previous one is a bug at any pod count (the bridge's
 * own `node.heartbeat.late`). Not scaled: the Lease's clocks (the heartbeat loop's 10 s, renewTime, the API
 * fake's node lifecycle) run in real time in this run; only the timer's schedule is compressed.
 */
const LEASE_LATE_SECONDS = LEASE_LATE_SECONDS_BRIDGE;

/** Production repair period / the run's: how much faster bridge time runs than real ARM time. */
export const ARM_BUDGET_SCALE = 3;

/** A kind of fault the run knows, whether it can inject it on this branch, and how often it did. */
export interface FaultKind {
  kind: string;
  available: boolean;
  count: number;
  note?: string;
}

export interface ChaosResult {
  seed: number;
  mode: ChaosProfile["mode"];
  pass: boolean;
  /** Failed checks, e.g. `["orphans=2"]`. */
  failed: string[];
  checks: ChaosChecks;
  topology: { podEventsInstances: number; reconcileInstances: number; watchers: number; latency: string };
  /** Every fault kind; `faultKindsInjected` lists those with count > 0. */
  faults: FaultKind[];
  faultKindsInjected: string[];
  outages: OutageWindow[];
  scale: Record<string, unknown>;
  workload: Record<string, unknown>;
  injected: InjectionCounters & Record<string, number>;
  host: Record<string, number>;
  timings: { startedAtMs: number; totalS: number; chaosS: number; convergedWithinS: number | null };
  details: CheckDetails & { leaks: Leak[] };
  observations: Record<string, unknown>;
}

export interface RunOptions {
  seed: number;
  profile: ChaosProfile;
  rng: Rng;
  rates?: FaultRates;
  /** Progress lines for people. */
  progress: (line: string) => void;
  /** Extra diagnostics (every bridge warning/error line). */
  verbose?: boolean;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const seconds = (ms: number) => Math.round(ms / 100) / 10;

interface LivePod {
  name: string;
  uid: string;
  shape: PodShape;
}

/** Foreign container groups: never to be written or deleted by the bridge. */
function foreignGroups(stack: LocalStack): Array<{ name: string; body: Json }> {
  const body = (tags: Record<string, string> | undefined): Json => ({
    location: stack.node.region,
    ...(tags ? { tags } : {}),
    properties: {
      osType: "Linux",
      containers: [
        {
          name: "app",
          properties: { image: "nginx:1.27", resources: { requests: { cpu: 1, memoryInGB: 1.5 } } },
        },
      ],
    },
  });
  const ownerTags = (cluster: string, node: string, pod: string) => ({
    [TAG_CLUSTER]: cluster,
    [TAG_NODE]: node,
    [TAG_NAMESPACE]: CHAOS_NAMESPACE,
    [TAG_POD]: pod,
    [TAG_UID]: "00000000-0000-0000-0000-00000000f0f0",
  });
  return [
    { name: "payroll-prod", body: body(undefined) },
    { name: "someone-elses-app", body: body({ team: "data", env: "prod" }) },
    { name: "chaos-look-alike", body: body({ "aci-bridge.note": "prefix only, no owner tags" }) },
    {
      name: "other-cluster-pod",
      body: body(ownerTags("another-cluster", stack.node.name, "ghost-1")),
    },
    {
      name: "other-node-pod",
      body: body(ownerTags(stack.clusterName, "some-other-virtual-node", "ghost-2")),
    },
    {
      name: "half-tagged",
      body: body({
        [TAG_CLUSTER]: stack.clusterName,
        [TAG_POD]: "ghost-3",
        [TAG_NAMESPACE]: CHAOS_NAMESPACE,
      }),
    },
    // Names the bridge would give two of the run's pods (COLLIDING_PODS): untagged, and another cluster's.
    { name: containerGroupName(CHAOS_NAMESPACE, COLLIDING_PODS[0]), body: body(undefined) },
    {
      name: containerGroupName(CHAOS_NAMESPACE, COLLIDING_PODS[1]),
      body: body(ownerTags("another-cluster", stack.node.name, COLLIDING_PODS[1])),
    },
  ];
}

/** Pods whose container group name a foreign group already holds: they can never get a group of their own. */
export const COLLIDING_PODS = ["collide-untagged", "collide-other-cluster"] as const;

/**
 * The Kubernetes API fake's service-account tokens all start with this JWT header (testground/sim/kube/server.ts), and
 * kubeconfig tokens it issues with `kube-fake-token-`: markers for the secret scanner.
 */
const SA_TOKEN_MARKER = `${Buffer.from(JSON.stringify({ alg: "RS256", kid: "kube-fake" })).toString("base64url")}.`;
const KUBECONFIG_TOKEN_MARKER = "kube-fake-token-";

/** Restarts the watcher like a rolling update, a crash, or an overlapping replica would. */
class WatcherManager {
  private current: Watcher | undefined;
  private n = 0;

  constructor(private readonly make: (identity: string) => Watcher) {}

  start(): void {
    this.current = this.make(`chaos-watcher-${++this.n}`);
    this.current.start();
  }

  async restart(kind: "graceful" | "crash" | "overlap"): Promise<void> {
    const old = this.current;
    if (kind === "overlap") {
      this.start();
      await sleep(1_500);
      await old?.shutdown(2_000);
      return;
    }
    await old?.shutdown(kind === "crash" ? 0 : 2_000);
    this.start();
  }

  async stop(): Promise<void> {
    await this.current?.shutdown(2_000);
  }
}

/** `{"containerGroups.get": {"200": n, "404": n, "429": n}, …}`: where the ARM budget went. */
function armBreakdown(
  calls: ReadonlyArray<{ operation: string; status: number }>,
): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const c of calls) {
    const byStatus = (out[c.operation] ??= {});
    byStatus[String(c.status)] = (byStatus[String(c.status)] ?? 0) + 1;
  }
  return out;
}

export async function runChaos(opts: RunOptions): Promise<ChaosResult> {
  const { profile, rng, progress } = opts;
  const rates = opts.rates ?? DEFAULT_RATES;
  const started = Date.now();
  const trace = new RunTrace(started);
  trace.start();
  const sw = new ChaosSwitch();
  const scanner = new SecretScanner();
  scanner.addMarker("service-account token", SA_TOKEN_MARKER);
  scanner.addMarker("kubeconfig token", KUBECONFIG_TOKEN_MARKER);
  /** The instances' counters, by pid (a killed instance's last report stays). */
  const instanceCounters = new Map<number, InjectionCounters>();
  const kills = { create: 0, delete: 0, armed: 0, restarts: 0 };
  let onKillRequest: (index: number, phase: KillPhase) => void = () => undefined;
  const onInstanceMessage = (index: number, payload: unknown) => {
    const m = payload as FromInstance;
    if (m.kind === "scan") scanner.scan(m.source, `${m.where} (instance ${index})`, m.text);
    else if (m.kind === "message") trace.podMessage(m.dir, `i${index} ${m.where}`, m.message, m.delaySeconds);
    else if (m.kind === "counters") instanceCounters.set(m.pid, m.counters);
    else onKillRequest(index, m.phase);
  };
  const allCounters = (): InjectionCounters => {
    const total = { ...sw.counters };
    for (const c of instanceCounters.values()) {
      for (const k of Object.keys(total) as Array<keyof InjectionCounters>) total[k] += c[k];
    }
    return total;
  };
  const failedPods = new Map<string, string>();
  const bridgeEvents = new Map<string, number>();

  const onHostLine = (line: HostLogLine) => {
    scanner.scan("host-log", line.functionName ?? line.category, line.message);
    if (line.category !== "Function") return;
    const event = /^([a-z][\w.]*) \{/.exec(line.message)?.[1];
    if (!event) return;
    if (line.functionName === "reconcile" && /^(node|repair|arm)\./.test(event)) {
      trace.note(`reconcile ${line.message.slice(0, 300)}`);
    }
    const pod = /"pod":"([^"]+)"/.exec(line.message)?.[1];
    if (pod) trace.podEvent(pod, `${line.instance ?? "p"} ${line.message.slice(0, 160)}`);
    bridgeEvents.set(event, (bridgeEvents.get(event) ?? 0) + 1);
    if (event === "pod.failed") {
      const fields = JSON.parse(line.message.slice(event.length + 1)) as { pod?: string; reason?: string };
      failedPods.set(fields.pod ?? "?", `log pod.failed reason=${fields.reason ?? "?"}`);
    }
  };

  progress(`chaos: seed ${opts.seed}, ${profile.mode} (${profile.pods} pods in ${profile.waves} waves)`);
  const setupOptions: InstanceSetupOptions = { seed: opts.seed, rates };
  const latency = withSeed(REALISTIC_LATENCY, opts.seed);
  const stack = await startLocalStack({
    timeScale: profile.timeScale,
    podEventsInstances: profile.instances,
    instanceSetup: { path: "testground/chaos/instanceSetup.js", options: setupOptions },
    onInstanceMessage,
    latency,
    queueProxy: true,
    // The queue is a service of its own in production: its work must not slow this process's timer and fakes.
    azuriteProcess: true,
    simulator: {
      seed: opts.seed,
      timing: CHAOS_SIM_TIMING,
      // As ACI: writes to a group mid-operation are refused with 409, and ARM answers in 100-600 ms.
      transitionConflicts: true,
      latency: true,
      // Time runs 3x faster (60 s repair -> 20 s), so ARM's refill rates are 3x too: the same budget per
      // unit of bridge time. Quotas out of the way: the run is about faults, not the 100-groups default.
      throttling: {
        reads: { burst: 250, refillPerSecond: 25 * ARM_BUDGET_SCALE },
        writes: { burst: 200, refillPerSecond: 10 * ARM_BUDGET_SCALE },
        deletes: { burst: 200, refillPerSecond: 10 * ARM_BUDGET_SCALE },
      },
      quotas: {
        groupsPerRegion: 10_000,
        coresPerRegion: 10_000,
        createsPer5Min: 100_000,
        createsPerHour: 100_000,
        deletesPer5Min: 100_000,
        deletesPerHour: 100_000,
      },
    },
    settings: {
      ACI_STATUS_FAST_SECONDS: String(profile.statusFastSeconds),
      ACI_STATUS_SLOW_SECONDS: String(profile.statusSlowSeconds),
      ACI_REPAIR_INTERVAL_SECONDS: String(profile.repairIntervalSeconds),
    },
    hostLog: onHostLine,
    watcherLog: (line) => scanner.scan("watcher-log", "stack watcher", line),
    progress: (line) => progress(`  ${line.trim()}`),
  });
  const aci = stack.aci as AciSimulator;
  const kube = stack.kube as KubeFake;
  const own: Ownership = { clusterName: stack.clusterName, nodeName: stack.node.name };
  const queues = QueueServiceClient.fromConnectionString(stack.queueConnectionString);
  const podEventsQueue = queues.getQueueClient(POD_EVENTS_QUEUE);
  const poisonQueue = queues.getQueueClient(POD_EVENTS_POISON_QUEUE);

  try {
    await stack.registerNode();
    kube.createNamespace(CHAOS_NAMESPACE);
    const foreign = foreignGroups(stack);
    for (const g of foreign) aci.seedGroup(stack.resourceGroup, g.name, g.body);
    const foreignNames = foreign.map((g) => g.name);
    const queueProxy = stack.queueProxy!;

    // ---- seams: podEvents runs in the instances (testground/chaos/instanceSetup.ts wraps each one's runtime and
    // handler); here only the reconcile timer, whose runtime is this process's ----
    const { processRuntime } = await import("../../functions/runtime.js");
    const { reconcileFunction } = await import("../../functions/reconcile.js");
    const runtime = processRuntime();
    const observeSent = (source: string) => (message: unknown, delaySeconds?: number) => {
      scanner.scan("queue", source, safeStringify(message));
      trace.podMessage("out", source, message, delaySeconds);
    };
    runtime.sender = chaosSender(runtime.sender, sw, rng.fork("repair-queue"), rates, observeSent("repair"));
    reconcileFunction.handler = chaosTimerHandler(
      reconcileFunction.handler,
      sw,
      rng.fork("timer"),
      rates,
      (error) => scanner.scan("error", "reconcile", errorText(error)),
      (skipped) => {
        const run = trace.timerStarted(skipped);
        return (error) => trace.timerEnded(run, error);
      },
    );

    // ---- the watcher: ours, with a chaos queue between it and Azurite, restartable ----
    await stack.watcher.shutdown(2_000);
    const watcherRng = rng.fork("watcher-queue");
    const watcherKc = kube.kubeConfig({ user: "system:serviceaccount:aci-bridge:aci-bridge-watcher" });
    const watchers = new WatcherManager((identity) => {
      const config = loadWatcherConfig({
        ACI_NODE_NAMES: stack.node.name,
        [POD_EVENTS_CONNECTION]: stack.queueConnectionString,
        WATCHER_LEADER_ELECTION: "false",
        WATCHER_POD_NAME: identity,
        WATCHER_NAMESPACE: "aci-bridge",
        // Scaled like the rest: retries back off to 5 s instead of 30 s.
        WATCHER_WATCH_RETRY_MAX_MS: "5000",
        WATCHER_SEND_RETRY_MAX_MS: "5000",
      });
      return buildWatcher(config, {
        kube: watcherKc,
        wrapSender: (sender) => chaosSender(sender, sw, watcherRng, rates, observeSent("watcher")),
        logger: jsonLineLogger((line) => scanner.scan("watcher-log", identity, line)),
      });
    });
    watchers.start();

    // ---- observation: sampled every second, all run long ----
    const seenDuplicates = new Set<string>();
    const podRv = new Map<string, string>();
    const firstSettledAt: Record<string, number> = {};
    const firstFinalAt: Record<string, number> = {};
    const exempt = new Set<string>(COLLIDING_PODS.map((n) => `${CHAOS_NAMESPACE}/${n}`));
    let nodeNotReady = 0;
    let lastReady = "True";
    let last: Assessment | undefined;
    const snapshot = (): { pods: PodSnapshot[]; groups: GroupSnapshot[]; raw: V1Pod[] } => {
      const raw = kube.list<V1Pod>("pods", CHAOS_NAMESPACE);
      const pods = raw.map((p) => ({
        ns: p.metadata?.namespace ?? "",
        name: p.metadata?.name ?? "",
        uid: p.metadata?.uid ?? "",
        phase: p.status?.phase,
        terminating: Boolean(p.metadata?.deletionTimestamp),
      }));
      const groups = aci
        .listGroups()
        .filter((g) => g.resourceGroup.toLowerCase() === stack.resourceGroup.toLowerCase())
        .map((g) => ({
          name: g.name,
          tags: (g.body.tags as Record<string, string> | undefined) ?? {},
          provisioningState: (g.body.properties as Json | undefined)?.provisioningState as string | undefined,
        }));
      return { pods, groups, raw };
    };
    const sample = (): Assessment => {
      const { pods, groups, raw } = snapshot();
      const at = Date.now();
      for (const p of raw) {
        const uid = p.metadata?.uid ?? "";
        // Settled: running, or final (a final pod has no status chain left to restore; one that should not
        // have failed is counted by wronglyFailed).
        const phase = p.status?.phase;
        if (
          (phase === "Running" || phase === "Succeeded" || phase === "Failed") &&
          !(uid in firstSettledAt)
        ) {
          firstSettledAt[uid] = at;
        }
        if ((phase === "Succeeded" || phase === "Failed") && !(uid in firstFinalAt)) firstFinalAt[uid] = at;
        if (p.status?.phase === "Failed") {
          failedPods.set(
            `${p.metadata?.namespace}/${p.metadata?.name}`,
            `phase Failed reason=${p.status.reason ?? "?"}: ${(p.status.message ?? "").slice(0, 200)}`,
          );
        }
        const rv = p.metadata?.resourceVersion ?? "";
        if (podRv.get(uid) !== rv) {
          podRv.set(uid, rv);
          scanner.scan("pod-status", `${p.metadata?.namespace}/${p.metadata?.name}`, safeStringify(p.status));
        }
      }
      const a = assess(pods, groups, own, exempt);
      for (const d of a.duplicates) seenDuplicates.add(d);
      const node = kube.get<V1Node>("nodes", undefined, stack.node.name);
      const ready = node?.status?.conditions?.find((c) => c.type === "Ready")?.status ?? "Unknown";
      if (ready !== "True" && lastReady === "True") nodeNotReady++;
      lastReady = ready;
      last = a;
      return a;
    };

    const outages: OutageWindow[] = [];
    let phase = "chaos";
    let waveLabel = "";
    const faultCount = () => {
      let arm = 0;
      for (const c of aci.calls) if (c.status === 0 || c.status === 429 || c.status >= 500) arm++;
      let kubeFaults = 0;
      for (const c of kube.calls)
        if (c.status >= 500 || (c.status === 409 && c.method !== "POST")) kubeFaults++;
      const k = allCounters();
      const other =
        k.queueDropped +
        k.queueDuplicated +
        k.queueReordered +
        k.crashedAfterCreate +
        k.crashedAfterHandler +
        k.timerRunsSkipped +
        k.watcherRestarts +
        k.watchCuts +
        k.historyCompactions +
        kills.create +
        kills.delete +
        (outages.length > 0 ? 1 : 0);
      return { arm, kube: kubeFaults, other, total: arm + kubeFaults + other };
    };
    const show = () => {
      const a = last;
      const f = faultCount();
      const alive = a ? a.pods - a.terminating.length : 0;
      progress(
        `[${String(Math.round((Date.now() - started) / 1000)).padStart(4)}s] ${phase.padEnd(10)} ${waveLabel.padEnd(10)} ` +
          `pods ${String(alive).padStart(3)} alive ${String(a?.terminating.length ?? 0).padStart(3)} terminating  ` +
          `groups ${String(a?.groups ?? 0).padStart(3)}  faults ${f.total} (arm ${f.arm}, kube ${f.kube}, other ${f.other})  ` +
          `invocations ${stack.host.stats.invocations}`,
      );
    };
    let stopLoops = false;
    const loops: Array<Promise<void>> = [];
    const every = (ms: () => number, fn: () => Promise<void> | void) =>
      loops.push(
        (async () => {
          while (!stopLoops) {
            await sleep(ms());
            if (stopLoops) break;
            try {
              await fn();
            } catch (error) {
              progress(`  (chaos loop error: ${(error as Error).message})`);
            }
          }
        })(),
      );
    every(
      () => 1_000,
      () => void sample(),
    );
    let lastShow = 0;
    every(
      () => 500,
      () => {
        if (Date.now() - lastShow >= (profile.mode === "quick" ? 3_000 : 5_000)) {
          lastShow = Date.now();
          show();
        }
      },
    );
    every(
      () => 3_000,
      async () => {
        for (const [q, source] of [
          [podEventsQueue, "queue"],
          [poisonQueue, "poison-queue"],
        ] as const) {
          const peeked = await q.peekMessages({ numberOfMessages: 32 }).catch(() => undefined);
          for (const m of peeked?.peekedMessageItems ?? []) {
            scanner.scan(source, m.messageId, Buffer.from(m.messageText, "base64").toString("utf8"));
            scanner.scan(source, m.messageId, m.messageText);
          }
        }
      },
    );

    // ---- chaos ----
    const chaosRng = rng.fork("schedule");
    sw.active = true;
    stack.host.sendToInstances({ active: true } satisfies ToInstance);
    const armRemovers = armFaultRules(rates).map((r) => aci.faults.add(r));
    const kubeRemovers = kubeFaultRules(rates).map((r) => kube.faults.add(r));
    every(
      () => chaosRng.int(profile.watchCutSeconds[0], profile.watchCutSeconds[1]) * 1000,
      () => {
        if (!sw.active) return;
        kube.cutWatches();
        sw.counters.watchCuts++;
      },
    );
    every(
      () => chaosRng.int(profile.compactSeconds * 800, profile.compactSeconds * 1200),
      () => {
        if (!sw.active) return;
        kube.compactHistory();
        sw.counters.historyCompactions++;
      },
    );
    const restartKinds = { graceful: 0, crash: 0, overlap: 0 };
    every(
      () => chaosRng.int(profile.watcherRestartSeconds * 800, profile.watcherRestartSeconds * 1200),
      async () => {
        if (!sw.active) return;
        const kind = chaosRng.pick(["graceful", "crash", "overlap"] as const);
        trace.note(`watcher restart (${kind})`);
        restartKinds[kind]++;
        sw.counters.watcherRestarts++;
        await watchers.restart(kind);
      },
    );

    // Instance kills: arm one running instance; at its next create (after the PUT) or delete (after ARM
    // accepted it) the invocation stalls and asks to be killed; SIGKILL, then a new instance 1-3 s later.
    let killPending = false;
    let nextKill: KillPhase = "create";
    onKillRequest = (index, killPhase) => {
      kills[killPhase]++;
      trace.note(`instance ${index} killed mid-${killPhase}`);
      stack.host.kill(index);
      sw.later(chaosRng.int(1_000, 3_000), async () => {
        await stack.host.restart(index);
        trace.note(`instance ${index} restarted`);
        kills.restarts++;
        stack.host.sendToInstances({ active: sw.active } satisfies ToInstance, index);
        killPending = false;
      });
    };
    every(
      () => profile.killEverySeconds * 1000,
      () => {
        if (!sw.active || killPending || kills.armed >= profile.kills) return;
        const running = stack.host.instanceInfo().filter((i) => i.state === "running");
        if (running.length < 2) return;
        const target = chaosRng.pick(running).index;
        killPending = true;
        kills.armed++;
        stack.host.sendToInstances({ armKill: nextKill } satisfies ToInstance, target);
        nextKill = nextKill === "create" ? "delete" : "create";
      },
    );

    // The correlated outage: API server down, ARM answering 503, the queue refusing connections.
    const outageRecovery: RecordedOutcome["outageRecovery"] = [];
    /** Each live pod's own group, as the simulator holds it (not as the bridge reported it). */
    const groupsOfLivePods = (): Record<string, GroupAtOutageEnd> => {
      const out: Record<string, GroupAtOutageEnd> = {};
      for (const p of kube.list<V1Pod>("pods", CHAOS_NAMESPACE)) {
        if (p.metadata?.deletionTimestamp) continue;
        const uid = p.metadata?.uid ?? "";
        const group = aci.getGroup(
          stack.resourceGroup,
          containerGroupName(CHAOS_NAMESPACE, p.metadata?.name ?? ""),
        );
        const tags = group?.tags as Record<string, string> | undefined;
        const props = group?.properties as Json | undefined;
        const state = ((props?.instanceView as Json | undefined)?.state as string | undefined) ?? "";
        if (!group || tags?.[TAG_UID] !== uid || props?.provisioningState === "Deleting") out[uid] = "none";
        else if (state === "Running") out[uid] = "running";
        else if (["Succeeded", "Failed", "Stopped", "Terminated"].includes(state)) out[uid] = "final";
        else out[uid] = "pending";
      }
      return out;
    };
    const liveUids = () =>
      snapshot()
        .pods.filter((p) => !p.terminating)
        .map((p) => p.uid);
    const recoveryLimitMs = 2 * profile.repairIntervalSeconds * 1000;
    const phasesAtDeadline = new Map<string, string>();
    let recoveryClosed = false;
    const outageDone = (async () => {
      await sleep(profile.outage.atSeconds * 1000);
      const startMs = Date.now();
      const o = profile.outage;
      const removeKube = kube.faults.add({ status: 503, message: "chaos: API server unavailable" });
      kube.cutWatches();
      const removeArm = aci.faults.add({ effect: { kind: "status", status: 503 } });
      queueProxy.unavailable = true;
      trace.note("outage starts");
      progress(
        `  outage: API server ${o.kubeApiSeconds} s, ARM 503 ${o.armSeconds} s, queue refused ${o.queueSeconds} s`,
      );
      const ends = [
        { kind: "queue" as const, s: o.queueSeconds, end: () => (queueProxy.unavailable = false) },
        { kind: "arm" as const, s: o.armSeconds, end: removeArm },
        { kind: "kubeApi" as const, s: o.kubeApiSeconds, end: removeKube },
      ].sort((a, b) => a.s - b.s);
      for (const e of ends) {
        const due = startMs + e.s * 1000;
        if (due > Date.now()) await sleep(due - Date.now());
        e.end();
        trace.note(`outage ends: ${e.kind}`);
        outages.push({ kind: e.kind, startMs, endMs: Date.now() });
      }
      const endMs = Date.now();
      const record = {
        endMs,
        deadlineMs: endMs + recoveryLimitMs,
        liveAtEnd: liveUids(),
        liveAtDeadline: [] as string[],
        groupAtEnd: groupsOfLivePods(),
      };
      outageRecovery.push(record);
      const depth = (label: string) =>
        void podEventsQueue
          .getProperties()
          .then((q) =>
            trace.note(`${label}: pod-events holds ~${q.approximateMessagesCount ?? "?"} messages`),
          )
          .catch(() => undefined);
      depth("outage over");
      progress("  outage over");
      await sleep(recoveryLimitMs);
      depth("outage recovery deadline");
      if (!recoveryClosed) {
        record.liveAtDeadline = liveUids();
        for (const p of kube.list<V1Pod>("pods", CHAOS_NAMESPACE)) {
          const waiting = p.status?.containerStatuses?.find((c) => c.state?.waiting)?.state?.waiting?.reason;
          const group = aci.getGroup(
            stack.resourceGroup,
            containerGroupName(CHAOS_NAMESPACE, p.metadata?.name ?? ""),
          );
          const props = group?.properties as Json | undefined;
          const tags = group?.tags as Record<string, string> | undefined;
          const groupText = group
            ? `${String(props?.provisioningState)}, ${tags?.[TAG_UID] === p.metadata?.uid ? "this uid" : "another uid"}`
            : "none";
          phasesAtDeadline.set(
            p.metadata?.uid ?? "",
            `${p.status?.phase ?? "no phase"}${waiting ? ` ${waiting}` : ""}, group ${groupText}`,
          );
        }
      }
      recoveryClosed = true;
    })();

    const workRng = rng.fork("workload");
    const alive = new Map<string, LivePod>();
    /** uid → what the workload did with the pod (real epoch ms), to diagnose the outage check. */
    const podHistory = new Map<
      string,
      { name: string; createdAt: number; deletedAt?: number; how?: string }
    >();
    const deletions = { graceful: 0, graceZero: 0, force: 0, replaced: 0 };
    const shapes: Record<string, number> = {};
    let created = 0;
    let serial = 0;
    const createPod = (name: string): void => {
      const shape = pickShape(workRng);
      const planned = planPod(name, shape, workRng);
      // Secret names carry a serial so a re-created pod gets fresh secrets (and fresh values).
      const suffix = `-${(++serial).toString(36)}`;
      for (const s of planned.secrets) s.metadata!.name = `${s.metadata!.name}${suffix}`;
      const spec = planned.pod.spec!;
      for (const c of spec.containers)
        for (const e of c.env ?? [])
          if (e.valueFrom?.secretKeyRef)
            e.valueFrom.secretKeyRef.name = `${e.valueFrom.secretKeyRef.name}${suffix}`;
      for (const r of spec.imagePullSecrets ?? []) r.name = `${r.name}${suffix}`;
      for (const v of spec.volumes ?? [])
        if (v.secret) v.secret.secretName = `${v.secret.secretName}${suffix}`;
      for (const v of planned.secretValues) scanner.add(v);
      for (const s of planned.secrets) kube.createSecret(s);
      const pod = kube.createPod(planned.pod, { nodeName: stack.node.name });
      alive.set(name, { name, uid: pod.metadata?.uid ?? "", shape });
      podHistory.set(pod.metadata?.uid ?? "", { name, createdAt: Date.now() });
      shapes[shape] = (shapes[shape] ?? 0) + 1;
      created++;
    };
    const deleteOne = (): void => {
      const names = [...alive.keys()];
      if (names.length === 0) return;
      const name = workRng.pick(names);
      const history = podHistory.get(alive.get(name)?.uid ?? "");
      alive.delete(name);
      const r = workRng.next();
      if (history) {
        history.deletedAt = Date.now();
        history.how = r < 0.1 ? "grace 0" : r < 0.7 ? "graceful" : "force";
      }
      try {
        if (r < 0.1) {
          kube.delete("pods", CHAOS_NAMESPACE, name, { gracePeriodSeconds: 0 });
          deletions.graceZero++;
        } else if (r < 0.7) {
          kube.delete("pods", CHAOS_NAMESPACE, name, { gracePeriodSeconds: workRng.int(5, 30) });
          deletions.graceful++;
        } else if (r < 0.85 || created >= profile.pods) {
          kube.deletePodNow(CHAOS_NAMESPACE, name);
          deletions.force++;
        } else {
          // A StatefulSet-like re-creation: same name, new uid, while the old group may still exist.
          kube.deletePodNow(CHAOS_NAMESPACE, name);
          createPod(name);
          deletions.replaced++;
        }
      } catch {
        // already gone
      }
    };

    // Pods whose group name a foreign group holds: the bridge must leave that group alone, whatever it does
    // with the pod. One is deleted half-way (it must still be finalized), the other lives to the end.
    const collidingPlans = COLLIDING_PODS.map((name) => planPod(name, "plain", workRng));
    for (const planned of collidingPlans) {
      for (const v of planned.secretValues) scanner.add(v);
      for (const sec of planned.secrets) kube.createSecret(sec);
      kube.createPod(planned.pod, { nodeName: stack.node.name });
    }

    // A watcher killed in the middle of a burst of new pods (its backlog is lost), then restarted.
    let burstCreated = 0;
    const burstDone = (async () => {
      await sleep(profile.burst.atSeconds * 1000);
      if (!sw.active) return;
      for (let i = 0; i < profile.burst.pods; i++) {
        createPod(`burst-${workRng.hex(6)}`);
        burstCreated++;
      }
      sw.counters.watcherKilledMidBurst++;
      await watchers.restart("crash");
    })();

    const chaosStarted = Date.now();
    for (let w = 0; w < profile.waves; w++) {
      if (w === Math.floor(profile.waves / 2)) {
        kube.delete("pods", CHAOS_NAMESPACE, COLLIDING_PODS[0], { gracePeriodSeconds: 5 });
      }
      waveLabel = `wave ${w + 1}/${profile.waves}`;
      const remainingWaves = profile.waves - w;
      const creates = Math.ceil((profile.pods - created) / remainingWaves);
      const deletes = w === 0 ? 0 : Math.round(alive.size * profile.deleteShare);
      const actions: Array<{ at: number; kind: "create" | "delete" }> = [];
      for (let i = 0; i < creates; i++) actions.push({ at: workRng.next(), kind: "create" });
      for (let i = 0; i < deletes; i++) actions.push({ at: workRng.next(), kind: "delete" });
      actions.sort((a, b) => a.at - b.at);
      const waveStart = Date.now();
      for (const action of actions) {
        const due = waveStart + action.at * profile.waveSeconds * 1000;
        if (due > Date.now()) await sleep(due - Date.now());
        if (action.kind === "create") {
          if (created < profile.pods) createPod(`w${w + 1}-${workRng.hex(6)}`);
        } else deleteOne();
      }
      const waveEnd = waveStart + profile.waveSeconds * 1000;
      if (waveEnd > Date.now()) await sleep(waveEnd - Date.now());
    }

    await burstDone;
    // ---- faults off: measure convergence ----
    sw.active = false;
    stack.host.sendToInstances({ active: false } satisfies ToInstance);
    for (const remove of [...armRemovers, ...kubeRemovers]) remove();
    const faultsOffAt = Date.now();
    trace.note("faults off");
    const chaosS = seconds(faultsOffAt - chaosStarted);
    phase = "converging";
    waveLabel = "";
    show();
    const limitS = 2 * profile.repairIntervalSeconds;
    let convergedAt: number | undefined;
    while (Date.now() - faultsOffAt < profile.convergeTimeoutSeconds * 1000) {
      const a = sample();
      if (isConverged(a)) {
        convergedAt = Date.now();
        break;
      }
      await sleep(500);
    }
    const convergedWithinS = convergedAt === undefined ? null : seconds(convergedAt - faultsOffAt);
    progress(
      convergedWithinS === null
        ? `  not converged after ${profile.convergeTimeoutSeconds} s`
        : `  converged ${convergedWithinS} s after the faults stopped (limit ${limitS} s)`,
    );

    // Settle: let groups already Deleting disappear and any straggler message run, then judge.
    phase = "checking";
    await sleep(CHAOS_SIM_TIMING.deleteMs + 3_000);
    stopLoops = true;
    await Promise.all(loops);
    sw.cancelLater();
    await watchers.stop();
    const final = sample();

    // Events, both APIs; the poison queue drained; the pod-events queue peeked.
    for (const e of kube.list("events", CHAOS_NAMESPACE)) scanner.scan("event", "core/v1", safeStringify(e));
    for (const e of kube.list("events.k8s.io/events", CHAOS_NAMESPACE))
      scanner.scan("event", "events.k8s.io", safeStringify(e));
    const poisoned: string[] = [];
    for (;;) {
      const got = await poisonQueue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 600 });
      if (got.receivedMessageItems.length === 0) break;
      for (const m of got.receivedMessageItems) {
        const text = Buffer.from(m.messageText, "base64").toString("utf8");
        scanner.scan("poison-queue", m.messageId, text);
        scanner.scan("poison-queue", m.messageId, m.messageText);
        poisoned.push(text.slice(0, 200));
      }
    }
    const leftover = await podEventsQueue.peekMessages({ numberOfMessages: 32 });
    for (const m of leftover.peekedMessageItems) {
      scanner.scan("queue", m.messageId, Buffer.from(m.messageText, "base64").toString("utf8"));
    }

    if (!recoveryClosed) {
      // The run ended before two repair periods passed after the outage: judge at the end.
      recoveryClosed = true;
      for (const r of outageRecovery) {
        r.deadlineMs = Date.now();
        r.liveAtDeadline = liveUids();
      }
    }
    await Promise.race([outageDone, sleep(0)]);

    const leasePath = new RegExp(`/namespaces/kube-node-lease/leases/${stack.node.name}(\\?|$)`);
    const leaseRenewals = kube.calls
      .filter((c) => c.method !== "GET" && leasePath.test(c.path) && c.status >= 200 && c.status < 300)
      .map((c) => c.at);
    const end = snapshot();
    const { checks, details } = computeChecks({
      own,
      pods: end.pods,
      groups: end.groups,
      exemptPods: [...exempt],
      duplicatesSeen: [...seenDuplicates],
      failedPods: Object.fromEntries(failedPods),
      armCalls: aci.calls,
      foreign: foreign.map((g) => {
        const now = aci.getGroup(stack.resourceGroup, g.name);
        return {
          name: g.name,
          tagsBefore: (g.body.tags as Record<string, string> | undefined) ?? {},
          tagsAfter: now ? ((now.tags as Record<string, string> | undefined) ?? {}) : null,
        };
      }),
      secretLeaks: scanner.leaks.length,
      leaseRenewals,
      outages,
      outageRecovery,
      firstSettledAt,
      firstFinalAt,
      convergedWithinS,
      limits: {
        convergenceS: limitS,
        leaseRenewGapS: LEASE_LATE_SECONDS,
        putsPerPodLifecycle: 1,
      },
    });
    const failed = failedChecks(checks);
    const f = faultCount();
    const countArm = (pred: (status: number) => boolean) => aci.calls.filter((c) => pred(c.status)).length;
    const hostStats = stack.host.stats;
    const byFunction = hostStats.byFunction;
    const counters = allCounters();
    const outageCount = (kind: OutageWindow["kind"]) => outages.filter((o) => o.kind === kind).length;
    const faults: FaultKind[] = [
      { kind: "arm5xx", available: true, count: countArm((st) => st >= 500) },
      { kind: "arm429", available: true, count: countArm((st) => st === 429) },
      { kind: "armLostResponse", available: true, count: countArm((st) => st === 0) },
      {
        kind: "aciTransition409",
        available: true,
        count: countArm((st) => st === 409),
        note: "ACI's 409 ContainerGroupTransitioning on writes to a Pending/Creating/Updating/Deleting group (simulator transitionConflicts)",
      },
      { kind: "kube500", available: true, count: kube.calls.filter((c) => c.status === 500).length },
      {
        kind: "kube409",
        available: true,
        count: kube.calls.filter((c) => c.status === 409 && c.method !== "POST").length,
      },
      { kind: "queueDropped", available: true, count: counters.queueDropped },
      { kind: "queueDuplicated", available: true, count: counters.queueDuplicated },
      { kind: "queueReordered", available: true, count: counters.queueReordered },
      { kind: "crashAfterCreate", available: true, count: counters.crashedAfterCreate },
      { kind: "crashAfterHandler", available: true, count: counters.crashedAfterHandler },
      { kind: "timerRunSkipped", available: true, count: counters.timerRunsSkipped },
      { kind: "watcherRestart", available: true, count: counters.watcherRestarts },
      { kind: "watcherKilledMidBurst", available: true, count: counters.watcherKilledMidBurst },
      { kind: "watchCut", available: true, count: counters.watchCuts },
      { kind: "watchHistoryCompacted", available: true, count: counters.historyCompactions },
      { kind: "outageKubeApi", available: true, count: outageCount("kubeApi") },
      { kind: "outageArm", available: true, count: outageCount("arm") },
      { kind: "outageQueue", available: true, count: outageCount("queue") },
      { kind: "instanceKillMidCreate", available: true, count: kills.create },
      { kind: "instanceKillMidDelete", available: true, count: kills.delete },
      { kind: "foreignNameCollision", available: true, count: COLLIDING_PODS.length },
      {
        kind: "latency",
        available: true,
        count: 1,
        note: `profile ${latency.name} on the API fake and the queue path`,
      },
    ];
    return {
      seed: opts.seed,
      mode: profile.mode,
      pass: failed.length === 0,
      failed,
      checks,
      topology: {
        podEventsInstances: stack.host.instances,
        reconcileInstances: 1,
        watchers: 1,
        latency: latency.name,
      },
      faults,
      faultKindsInjected: faults.filter((k) => k.count > 0).map((k) => k.kind),
      outages,
      scale: {
        timeScale: profile.timeScale,
        reconcileTimerEverySeconds: Math.round((10 / profile.timeScale) * 100) / 100,
        armRefillPerSecond: {
          reads: 25 * ARM_BUDGET_SCALE,
          writes: 10 * ARM_BUDGET_SCALE,
          deletes: 10 * ARM_BUDGET_SCALE,
        },
        repairIntervalSeconds: profile.repairIntervalSeconds,
        statusFastSeconds: profile.statusFastSeconds,
        statusSlowSeconds: profile.statusSlowSeconds,
        queueRetryVisibilitySeconds: Math.ceil(5 / profile.timeScale),
        simulatorTiming: CHAOS_SIM_TIMING,
        waves: profile.waves,
        waveSeconds: profile.waveSeconds,
        production: {
          repairIntervalSeconds: 60,
          statusFastSeconds: 3,
          statusSlowSeconds: 60,
          reconcileTimerEverySeconds: 10,
        },
      },
      workload: {
        podsCreated: created + COLLIDING_PODS.length,
        burstPods: burstCreated,
        collidingPods: COLLIDING_PODS.length,
        shapes,
        deletions,
        aliveAtEnd: final.pods,
        groupsAtEnd: final.groups,
        distinctSecretValues: scanner.size,
        foreignGroups: foreignNames.length,
      },
      injected: {
        ...counters,
        instanceKillsMidCreate: kills.create,
        instanceKillsMidDelete: kills.delete,
        instanceRestarts: kills.restarts,
        queueRefused: queueProxy.refused,
        armCalls: aci.calls.length,
        arm5xx: countArm((s) => s >= 500),
        arm429: countArm((s) => s === 429),
        armNoResponse: countArm((s) => s === 0),
        kubeCalls: kube.calls.length,
        kube500: kube.calls.filter((c) => c.status >= 500).length,
        kube409: kube.calls.filter((c) => c.status === 409 && c.method !== "POST").length,
        watcherRestartsGraceful: restartKinds.graceful,
        watcherRestartsCrash: restartKinds.crash,
        watcherRestartsOverlap: restartKinds.overlap,
        total: f.total,
      },
      host: {
        invocations: hostStats.invocations,
        failures: hostStats.failures,
        poisoned: hostStats.poisoned,
        timerRuns: hostStats.timerRuns,
        maxInFlight: hostStats.maxInFlight,
        podEventsInvocations: byFunction.podEvents?.invocations ?? 0,
        ...Object.fromEntries(
          stack.host.instanceInfo().map((i) => [`instance${i.index}Starts`, i.starts] as const),
        ),
      },
      timings: { startedAtMs: started, totalS: seconds(Date.now() - started), chaosS, convergedWithinS },
      details: {
        ...(Object.fromEntries(
          Object.entries(details).map(([k, v]) => [k, (v as string[]).slice(0, 50)]),
        ) as unknown as CheckDetails),
        // uid → what the pod looked like at the end, so a failed outage check can be diagnosed
        withoutStatusChainAfterOutage: details.withoutStatusChainAfterOutage.slice(0, 50).map((uid) => {
          const p = kube.list<V1Pod>("pods", CHAOS_NAMESPACE).find((x) => x.metadata?.uid === uid);
          const waiting = p?.status?.containerStatuses?.find((c) => c.state?.waiting)?.state?.waiting?.reason;
          const h = podHistory.get(uid);
          const at = (ms: number | undefined) => (ms === undefined ? "-" : `${seconds(ms - started)} s`);
          const story =
            `; created ${at(h?.createdAt)}, deleted ${h?.deletedAt ? `${at(h.deletedAt)} (${h.how})` : "-"}` +
            `, settled ${at(firstSettledAt[uid])}, final ${at(firstFinalAt[uid])}` +
            `, group at outage end: ${outageRecovery.map((r) => r.groupAtEnd[uid] ?? "-").join("/")}` +
            `, at deadline: ${phasesAtDeadline.get(uid) ?? "?"}`;
          const podName = `${CHAOS_NAMESPACE}/${h?.name ?? p?.metadata?.name ?? ""}`;
          const timeline = trace
            .podTimeline(podName)
            .map((e) => `${seconds(e.at - started)} ${e.what}`)
            .join(" | ");
          const messages = trace
            .podMessages(podName)
            .map((e) => `${seconds(e.at - started)} ${e.what}`)
            .join(" | ");
          return p
            ? `${uid} ${p.metadata?.name} ${p.status?.phase ?? "?"}${p.status?.reason ? ` ${p.status.reason}` : ""}${waiting ? ` ${waiting}` : ""}${story} :: ${timeline} :: messages: ${messages}`
            : `${uid} ${h?.name ?? ""} (gone)${story} :: ${timeline} :: messages: ${messages}`;
        }),
        leaks: scanner.leaks.slice(0, 20),
      },
      observations: {
        // Pods without a group when the outage ended (most created during it): their creates, not a status
        // chain, so not in podsWithoutStatusChainAfterOutage; how long they took to run, from the outage end.
        createsAfterOutage: outageRecovery.map((r) => createsAfter(r, firstSettledAt)),
        longestLeaseGap: (() => {
          const g = longestLeaseGap(leaseRenewals, outages);
          if (!g) return null;
          return leaseGapTrace(
            trace,
            { fromMs: g.from, toMs: g.to, seconds: g.seconds },
            kube.calls.filter((c) => leasePath.test(c.path)),
          );
        })(),
        runNotes: trace.entries
          .filter((e) => !e.what.startsWith("reconcile "))
          .map((e) => `${seconds(e.at - started)} ${e.what}`),
        queueInflowBy10s: Object.fromEntries(
          [...trace.inflow].sort((a, b) => a[0] - b[0]).map(([bucket, counts]) => [`${bucket}s`, counts]),
        ),
        outageWindowsS: outages.map(
          (o) => `${o.kind} ${seconds(o.startMs - started)}–${seconds(o.endMs - started)}`,
        ),
        eventLoopStallsOver1s: trace.stalls
          .filter((x) => x.ms > 1_000)
          .map((x) => `${seconds(x.at - started)} s: ${x.ms} ms`),
        nodeNotReadyTransitions: nodeNotReady,
        poisonQueueMessages: poisoned.length,
        poisonQueueSample: poisoned.slice(0, 5),
        bridgeEvents: Object.fromEntries([...bridgeEvents].sort((a, b) => b[1] - a[1])),
        armCallsByOperation: armBreakdown(aci.calls),
        // Lost and wrongly failed pods, each with the bridge's log lines about it and its group's ARM calls
        // (simulator clock), so a failure can be traced without rerunning.
        problemPods: Object.fromEntries(
          [...new Set([...details.lost, ...details.wronglyFailed].map((d) => d.split(/ \(|: /)[0]!))]
            .slice(0, 5)
            .map((key) => {
              const [ns = "", name = ""] = key.split("/");
              const group = `/containerGroups/${containerGroupName(ns, name)}`;
              return [
                key,
                {
                  log: trace.podTimeline(key).map((e) => `${seconds(e.at - started)} ${e.what}`),
                  messages: trace.podMessages(key).map((e) => `${seconds(e.at - started)} ${e.what}`),
                  arm: aci.calls
                    .filter((c) => c.path.includes(group))
                    .map((c) => `${seconds(c.at - started)} ${c.method} ${c.operation} ${c.status}`),
                },
              ];
            }),
        ),
        collidingPods: Object.fromEntries(
          COLLIDING_PODS.map((name) => {
            const p = kube.get<V1Pod>("pods", CHAOS_NAMESPACE, name);
            return [
              name,
              p ? `${p.status?.phase ?? "no phase"} ${p.status?.reason ?? ""}`.trim() : "deleted",
            ] as const;
          }),
        ),
        instances: stack.host
          .instanceInfo()
          .map((i) => ({ index: i.index, state: i.state, starts: i.starts })),
        secretMarkers: scanner.markerLabels,
        scanned: scanner.scanned,
      },
    };
  } finally {
    trace.stop();
    sw.active = false;
    sw.cancelLater();
    await stack.stop();
  }
}

/**
 * The creates an outage left behind: pods with no group when it ended (`pods`), those of them still live at
 * the recovery deadline (`liveAtDeadline`), how many of those had run by then, and how long each pod that
 * ran took from the outage end.
 */
function createsAfter(
  r: RecordedOutcome["outageRecovery"][number],
  firstSettledAt: Record<string, number>,
): { pods: number; liveAtDeadline: number; ranByDeadline: number; p50S: number | null; maxS: number | null } {
  const uids = r.liveAtEnd.filter((uid) => (r.groupAtEnd[uid] ?? "none") === "none");
  const still = new Set(r.liveAtDeadline);
  const live = uids.filter((uid) => still.has(uid));
  const waits = uids
    .map((uid) => firstSettledAt[uid])
    .filter((t): t is number => t !== undefined)
    .map((t) => Math.max(0, t - r.endMs))
    .sort((a, b) => a - b);
  const s = (ms: number | undefined) => (ms === undefined ? null : Math.round(ms / 100) / 10);
  return {
    pods: uids.length,
    liveAtDeadline: live.length,
    ranByDeadline: live.filter((uid) => (firstSettledAt[uid] ?? Infinity) <= r.deadlineMs).length,
    p50S: s(waits[Math.floor((waits.length - 1) / 2)]),
    maxS: s(waits.at(-1)),
  };
}
