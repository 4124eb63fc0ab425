/**
 * The chaos run: the whole bridge on the local stack (Azurite, ACI simulator, Kubernetes API fake, the real
 * watcher, the real Functions through the local host), a workload of pods created and deleted in waves while
 * faults are injected everywhere (chaos/faults.ts), then faults off, time to converge, and the checks
 * (chaos/checks.ts). One run per process: the Functions build their runtime once from process.env.
 */
import { QueueServiceClient } from "@azure/storage-queue";
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import { loadWatcherConfig, POD_EVENTS_CONNECTION } from "../lib/config.js";
import { jsonLineLogger } from "../lib/log.js";
import { POD_EVENTS_POISON_QUEUE, POD_EVENTS_QUEUE } from "../lib/queue/message.js";
import { TAG_CLUSTER, TAG_NAMESPACE, TAG_NODE, TAG_POD, TAG_UID } from "../lib/translate/names.js";
import { kubePodApi } from "../lib/kube/http/pods.js";
import { watcherQueueSender } from "../lib/queue/watcherSender.js";
import { Watcher } from "../lib/watcher/watcher.js";
import { startLocalStack, type LocalStack } from "../local/stack.js";
import type { HostLogLine } from "../local/host.js";
import type { AciSimulator, Json } from "../sim/aci/index.js";
import type { KubeFake } from "../sim/kube/index.js";
import {
  assess,
  failedChecks,
  foreignWrites,
  isConverged,
  type Assessment,
  type ChaosChecks,
  type GroupSnapshot,
  type Ownership,
  type PodSnapshot,
} from "./checks.js";
import {
  armFaultRules,
  ChaosSwitch,
  chaosQueueHandler,
  chaosSender,
  chaosTimerHandler,
  crashingContainerGroupApi,
  DEFAULT_RATES,
  kubeFaultRules,
  type FaultRates,
  type InjectionCounters,
} from "./faults.js";
import type { Rng } from "./prng.js";
import { errorText, safeStringify, SecretScanner, type Leak } from "./secrets.js";
import { CHAOS_NAMESPACE, pickShape, planPod, type PodShape } from "./workload.js";

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
  convergeTimeoutSeconds: 90,
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

/** Production repair period / the run's: how much faster bridge time runs than real ARM time. */
export const ARM_BUDGET_SCALE = 3;

export interface ChaosResult {
  seed: number;
  mode: ChaosProfile["mode"];
  pass: boolean;
  /** Failed checks, e.g. `["orphans=2"]`. */
  failed: string[];
  checks: ChaosChecks;
  scale: Record<string, unknown>;
  workload: Record<string, unknown>;
  injected: InjectionCounters & Record<string, number>;
  host: Record<string, number>;
  timings: { totalS: number; chaosS: number; convergedWithinS: number | null };
  details: {
    lost: string[];
    orphans: string[];
    duplicates: string[];
    wronglyFailed: string[];
    foreignTouched: string[];
    stuckTerminating: string[];
    leaks: Leak[];
  };
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
  ];
}

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
  const sw = new ChaosSwitch();
  const scanner = new SecretScanner();
  const failedPods = new Map<string, string>();
  const bridgeEvents = new Map<string, number>();

  const onHostLine = (line: HostLogLine) => {
    scanner.scan("host-log", line.functionName ?? line.category, line.message);
    if (line.category !== "Function") return;
    const event = /^([a-z][\w.]*) \{/.exec(line.message)?.[1];
    if (!event) return;
    bridgeEvents.set(event, (bridgeEvents.get(event) ?? 0) + 1);
    if (event === "pod.failed") {
      const fields = JSON.parse(line.message.slice(event.length + 1)) as { pod?: string; reason?: string };
      failedPods.set(fields.pod ?? "?", `log pod.failed reason=${fields.reason ?? "?"}`);
    }
  };

  progress(`chaos: seed ${opts.seed}, ${profile.mode} (${profile.pods} pods in ${profile.waves} waves)`);
  const stack = await startLocalStack({
    timeScale: profile.timeScale,
    simulator: {
      seed: opts.seed,
      timing: CHAOS_SIM_TIMING,
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

    // ---- seams: the Functions' runtime and definitions (same module instances the host runs) ----
    const { processRuntime } = await import("../functions/runtime.js");
    const { podEventsFunction } = await import("../functions/podEvents.js");
    const { reconcileFunction } = await import("../functions/reconcile.js");
    const runtime = processRuntime();
    const observeSent = (source: string) => (message: unknown) =>
      scanner.scan("queue", source, safeStringify(message));
    runtime.aci = crashingContainerGroupApi(runtime.aci, sw, rng.fork("crash-create"), rates);
    runtime.sender = chaosSender(runtime.sender, sw, rng.fork("repair-queue"), rates, observeSent("repair"));
    // FollowUpScheduler keeps its sender privately; replacing it routes follow-ups and deferrals through chaos.
    const followUps = runtime.followUps as unknown as { sender: typeof runtime.sender };
    followUps.sender = chaosSender(
      followUps.sender,
      sw,
      rng.fork("followup-queue"),
      rates,
      observeSent("follow-up"),
    );
    podEventsFunction.handler = chaosQueueHandler(
      podEventsFunction.handler,
      sw,
      rng.fork("crash-handler"),
      rates,
      {
        message: (message, context) => {
          scanner.scan("queue", "delivered", safeStringify(message));
          scanner.scan("queue", "triggerMetadata", safeStringify(context.triggerMetadata));
        },
        error: (error) => scanner.scan("error", "podEvents", errorText(error)),
      },
    );
    reconcileFunction.handler = chaosTimerHandler(
      reconcileFunction.handler,
      sw,
      rng.fork("timer"),
      rates,
      (error) => scanner.scan("error", "reconcile", errorText(error)),
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
      return new Watcher({
        config,
        podApi: kubePodApi(watcherKc),
        sender: chaosSender(
          watcherQueueSender(config.queueName, config.queue),
          sw,
          watcherRng,
          rates,
          observeSent("watcher"),
        ),
        logger: jsonLineLogger((line) => scanner.scan("watcher-log", identity, line)),
      });
    });
    watchers.start();

    // ---- observation: sampled every second, all run long ----
    const seenDuplicates = new Set<string>();
    const podRv = new Map<string, string>();
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
      for (const p of raw) {
        const uid = p.metadata?.uid ?? "";
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
      const a = assess(pods, groups, own);
      for (const d of a.duplicates) seenDuplicates.add(d);
      const node = kube.get<V1Node>("nodes", undefined, stack.node.name);
      const ready = node?.status?.conditions?.find((c) => c.type === "Ready")?.status ?? "Unknown";
      if (ready !== "True" && lastReady === "True") nodeNotReady++;
      lastReady = ready;
      last = a;
      return a;
    };

    let phase = "chaos";
    let waveLabel = "";
    const faultCount = () => {
      let arm = 0;
      for (const c of aci.calls) if (c.status === 0 || c.status === 429 || c.status >= 500) arm++;
      let kubeFaults = 0;
      for (const c of kube.calls)
        if (c.status >= 500 || (c.status === 409 && c.method !== "POST")) kubeFaults++;
      const k = sw.counters;
      const other =
        k.queueDropped +
        k.queueDuplicated +
        k.queueReordered +
        k.crashedAfterCreate +
        k.crashedAfterHandler +
        k.timerRunsSkipped +
        k.watcherRestarts +
        k.watchCuts +
        k.historyCompactions;
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
        restartKinds[kind]++;
        sw.counters.watcherRestarts++;
        await watchers.restart(kind);
      },
    );

    const workRng = rng.fork("workload");
    const alive = new Map<string, LivePod>();
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
      shapes[shape] = (shapes[shape] ?? 0) + 1;
      created++;
    };
    const deleteOne = (): void => {
      const names = [...alive.keys()];
      if (names.length === 0) return;
      const name = workRng.pick(names);
      alive.delete(name);
      const r = workRng.next();
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

    const chaosStarted = Date.now();
    for (let w = 0; w < profile.waves; w++) {
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

    // ---- faults off: measure convergence ----
    sw.active = false;
    for (const remove of [...armRemovers, ...kubeRemovers]) remove();
    const faultsOffAt = Date.now();
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

    // Foreign groups: not written, and still there with their tags.
    const touched = foreignWrites(aci.calls, foreignNames).map((c) => `${c.method} ${c.path} → ${c.status}`);
    for (const g of foreign) {
      const now = aci.getGroup(stack.resourceGroup, g.name);
      if (!now) touched.push(`${g.name}: gone`);
      else if (safeStringify(now.tags ?? {}) !== safeStringify(g.body.tags ?? {}))
        touched.push(`${g.name}: tags changed`);
    }

    const checks: ChaosChecks = {
      lost: final.lost.length,
      orphans: final.orphans.length + final.orphansDeleting.length,
      duplicates: Math.max(final.duplicates.length, seenDuplicates.size),
      wronglyFailed: failedPods.size,
      foreignTouched: touched.length,
      secretLeaks: scanner.leaks.length,
      stuckTerminating: final.terminating.length,
      convergedWithinS,
      convergenceLimitS: limitS,
    };
    const failed = failedChecks(checks);
    const f = faultCount();
    const countArm = (pred: (status: number) => boolean) => aci.calls.filter((c) => pred(c.status)).length;
    const byFunction = stack.host.stats.byFunction;
    return {
      seed: opts.seed,
      mode: profile.mode,
      pass: failed.length === 0,
      failed,
      checks,
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
        podsCreated: created,
        shapes,
        deletions,
        aliveAtEnd: final.pods,
        groupsAtEnd: final.groups,
        distinctSecretValues: scanner.size,
        foreignGroups: foreignNames.length,
      },
      injected: {
        ...sw.counters,
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
        invocations: stack.host.stats.invocations,
        failures: stack.host.stats.failures,
        poisoned: stack.host.stats.poisoned,
        timerRuns: stack.host.stats.timerRuns,
        maxInFlight: stack.host.stats.maxInFlight,
        podEventsInvocations: byFunction.podEvents?.invocations ?? 0,
      },
      timings: { totalS: seconds(Date.now() - started), chaosS, convergedWithinS },
      details: {
        lost: final.lost.slice(0, 50),
        orphans: [...final.orphans, ...final.orphansDeleting.map((n) => `${n} (Deleting)`)].slice(0, 50),
        duplicates: [...seenDuplicates].slice(0, 50),
        wronglyFailed: [...failedPods].map(([pod, why]) => `${pod}: ${why}`).slice(0, 50),
        foreignTouched: touched.slice(0, 50),
        stuckTerminating: final.terminating.slice(0, 50),
        leaks: scanner.leaks.slice(0, 20),
      },
      observations: {
        nodeNotReadyTransitions: nodeNotReady,
        poisonQueueMessages: poisoned.length,
        poisonQueueSample: poisoned.slice(0, 5),
        bridgeEvents: Object.fromEntries([...bridgeEvents].sort((a, b) => b[1] - a[1])),
        armCallsByOperation: armBreakdown(aci.calls),
        scanned: scanner.scanned,
      },
    };
  } finally {
    sw.active = false;
    sw.cancelLater();
    await stack.stop();
  }
}
