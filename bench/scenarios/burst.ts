/**
 * Burst scenarios, real time (no scaling), host.json as shipped.
 *
 * `burst` (ARM limits lifted): N pods bound at once → overhead "pod bound → ARM PUT received" per pod, the start
 * lag "group Running → pod Running", then all deleted → ARM writes per pod lifecycle; then N more pods with 20 %
 * of the watcher's messages duplicated (extra copies sent to the queue) → writes per pod again.
 *
 * `burst-realistic` (ARM's and ACI's default limits): the same N pods bound at once; how many PUTs ARM accepted,
 * how many were throttled, how many creates the bridge deferred without calling ARM, and the overhead of the PUTs
 * that were sent. The rest would be created in later quota windows (minutes to an hour): not waited for.
 */
import { QueueServiceClient } from "@azure/storage-queue";
import type { V1Pod } from "@kubernetes/client-node";
import { encodePodMessage, POD_EVENTS_QUEUE, type MessageReason } from "../../lib/queue/message.js";
import { containerGroupName } from "../../lib/translate/names.js";
import type { CallRecord } from "../../sim/aci/index.js";
import { REALISTIC_TIMING, startLocalStack, type LocalStack } from "../../local/stack.js";
import {
  BENCH_NAMESPACE,
  benchPod,
  BENCH_INSTANCES,
  eventCounter,
  kubeQueueLatency,
  LATENCY_PROFILE,
  percentile,
  RAISED_REGION_QUOTAS,
  round,
  scaledLatency,
  sleep,
  startAzuriteProcess,
  startQueueLatency,
  startQueueSpy,
  machineLoad,
  type QueueSpy,
  UNLIMITED_ARM,
  waitUntil,
  type ScenarioContext,
  type ScenarioResult,
} from "../common.js";

const TIMING = REALISTIC_TIMING;
/** Simulator time from a 201 PUT to the group's containers Running (no init containers). */
const PUT_TO_RUNNING_MS = (TIMING.pendingMs ?? 0) + (TIMING.creatingMs ?? 0);

function cgOf(call: CallRecord): string {
  return (call.path.split("/").pop() ?? "").toLowerCase();
}

function podsIn(stack: LocalStack): V1Pod[] {
  return stack.kube!.list<V1Pod>("pods", BENCH_NAMESPACE);
}

/**
 * Splits the overhead at the start of the invocation that created each group: before it (watcher coalescing and
 * sending, queue, host polling) and inside it (the handler's reads, translation, the PUT).
 */
function invocationTracker() {
  const startedAt = new Map<string, number>();
  const createdBy = new Map<string, number>(); // pod name → start of the invocation that logged cg.created
  return {
    onLine(line: { time: Date; category: string; invocationId?: string; message: string }) {
      if (!line.invocationId) return;
      if (line.category === "Host" && line.message.startsWith("Executing 'Functions.podEvents'")) {
        startedAt.set(line.invocationId, line.time.getTime());
      } else if (line.category === "Function" && line.message.startsWith("cg.created")) {
        const pod = /"pod":"[^/"]+\/([^"]+)"/.exec(line.message)?.[1];
        const at = startedAt.get(line.invocationId);
        if (pod && at !== undefined && !createdBy.has(pod)) createdBy.set(pod, at);
      }
    },
    createdBy,
  };
}

interface Wave {
  names: string[];
  createdAt: Map<string, number>;
  uids: Map<string, string>;
}

function createWave(stack: LocalStack, prefix: string, n: number): Wave {
  const wave: Wave = { names: [], createdAt: new Map(), uids: new Map() };
  for (let i = 0; i < n; i++) {
    const name = `${prefix}-${i}`;
    const at = Date.now();
    const pod = stack.kube!.createPod(benchPod(name), { nodeName: stack.node.name });
    wave.names.push(name);
    wave.createdAt.set(name, at);
    wave.uids.set(name, pod.metadata?.uid ?? "");
  }
  return wave;
}

/** First PUT of each pod's group in the call log (any status), and the first accepted one. */
function putsOf(stack: LocalStack, wave: Wave) {
  const wanted = new Map(wave.names.map((n) => [containerGroupName(BENCH_NAMESPACE, n), n]));
  const first = new Map<string, CallRecord>();
  const accepted = new Map<string, CallRecord>();
  for (const call of stack.aci!.calls) {
    if (call.method !== "PUT") continue;
    const pod = wanted.get(cgOf(call));
    if (!pod) continue;
    if (!first.has(pod)) first.set(pod, call);
    if (!accepted.has(pod) && call.status >= 200 && call.status < 300) accepted.set(pod, call);
  }
  return { first, accepted };
}

function overheads(wave: Wave, puts: Map<string, CallRecord>): number[] {
  const out: number[] = [];
  for (const [pod, call] of puts) out.push(call.at - (wave.createdAt.get(pod) ?? call.at));
  return out;
}

function summary(values: number[]) {
  if (values.length === 0)
    return { n: 0, p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, max: Number.NaN };
  return {
    n: values.length,
    p50: round(percentile(values, 50)),
    p90: round(percentile(values, 90)),
    p99: round(percentile(values, 99)),
    max: round(Math.max(...values)),
  };
}

async function sendDuplicates(
  stack: LocalStack,
  wave: Wave,
  reason: MessageReason,
  pick: (i: number) => boolean,
): Promise<number> {
  const queue = QueueServiceClient.fromConnectionString(stack.queueConnectionString).getQueueClient(
    POD_EVENTS_QUEUE,
  );
  let sent = 0;
  const jobs: Array<Promise<unknown>> = [];
  wave.names.forEach((name, i) => {
    if (!pick(i)) return;
    const body = encodePodMessage({
      v: 1,
      ns: BENCH_NAMESPACE,
      name,
      uid: wave.uids.get(name) ?? "",
      reason,
      at: new Date().toISOString(),
    });
    sent++;
    jobs.push(queue.sendMessage(body));
  });
  await Promise.all(jobs);
  return sent;
}

/** Deterministic 20 % pick (a different fifth for each salt). */
const fifth = (salt: number) => (i: number) => (i * 7 + salt) % 5 === 0;

async function lifecycle(
  stack: LocalStack,
  tracker: ReturnType<typeof invocationTracker>,
  ctx: ScenarioContext,
  prefix: string,
  n: number,
  duplicate: boolean,
  spy?: QueueSpy,
): Promise<ScenarioResult> {
  const aci = stack.aci!;
  const callsBefore = aci.calls.length;
  const wave = createWave(stack, prefix, n);
  let duplicates = 0;
  if (duplicate) duplicates += await sendDuplicates(stack, wave, "added", fifth(0));
  ctx.progress(`${prefix}: ${n} pods bound${duplicate ? `, ${duplicates} duplicate "added" messages` : ""}`);

  // Running: poll the API fake (in-process, no HTTP) and note when each pod is first seen Running.
  const runningAt = new Map<string, number>();
  const allRunning = await waitUntil(
    () => {
      const now = Date.now();
      for (const pod of podsIn(stack)) {
        const name = pod.metadata?.name ?? "";
        if (pod.status?.phase === "Running" && wave.createdAt.has(name) && !runningAt.has(name)) {
          runningAt.set(name, now);
        }
      }
      return runningAt.size >= n ? true : undefined;
    },
    180_000,
    300, // each list deep-copies the pods in the fake, on the bridge's event loop: not too often
  );
  const { first, accepted } = putsOf(stack, wave);
  const overhead = overheads(wave, first);
  const beforeHandler: number[] = [];
  const inHandler: number[] = [];
  for (const [pod, call] of accepted) {
    const start = tracker.createdBy.get(pod);
    const created = wave.createdAt.get(pod);
    if (start === undefined || created === undefined) continue;
    beforeHandler.push(start - created);
    inHandler.push(call.at - start);
  }
  const breakdown = spy ? breakDown(wave, accepted, tracker.createdBy, spy) : undefined;
  const startLag: number[] = [];
  for (const [pod, call] of accepted) {
    const seen = runningAt.get(pod);
    if (seen !== undefined) startLag.push(seen - (call.at + PUT_TO_RUNNING_MS));
  }
  ctx.progress(
    `${prefix}: ${runningAt.size}/${n} Running; overhead p50 ${round(percentile(overhead, 50))} ms, p99 ${round(percentile(overhead, 99))} ms` +
      (breakdown
        ? `; p50 parts ${["watcher", "queueSend", "queueWait", "hostDispatch", "handler"].map((k) => `${k} ${(breakdown as unknown as Record<string, { p50?: number }>)[k]?.p50}`).join(", ")} ms`
        : ""),
  );

  // Delete every pod (graceful, like kubectl delete) and wait for the pod objects to be finalized.
  for (const name of wave.names) stack.kube!.delete("pods", BENCH_NAMESPACE, name);
  if (duplicate) duplicates += await sendDuplicates(stack, wave, "deleted", fifth(3));
  const gone = await waitUntil(
    () =>
      podsIn(stack).filter((p) => wave.createdAt.has(p.metadata?.name ?? "")).length === 0 ? true : undefined,
    180_000,
    250,
  );
  // Follow-ups still in flight for the last pods end at their next hop; give them a moment.
  await sleep(ctx.quick ? 1_000 : 4_000);
  const calls = aci.calls.slice(callsBefore);
  const mine = new Set(wave.names.map((name) => containerGroupName(BENCH_NAMESPACE, name)));
  const ours = calls.filter((c) => mine.has(cgOf(c)));
  const puts = ours.filter((c) => c.method === "PUT").length;
  const deletes = ours.filter((c) => c.method === "DELETE").length;
  const reads = calls.filter((c) => c.kind === "read").length;
  ctx.progress(`${prefix}: deleted; ${puts} PUT + ${deletes} DELETE for ${n} pods`);
  return {
    pods: n,
    duplicatesSent: duplicates,
    allRunning: allRunning === true,
    allFinalized: gone === true,
    overheadMs: summary(overhead),
    /** Pod bound → the invocation that created its group started (watcher, queue, host polling). */
    beforeHandlerMs: summary(beforeHandler),
    /** That invocation's start → PUT received (the handler's own work). */
    inHandlerMs: summary(inHandler),
    /** Pod bound → PUT in five parts (queue spy timestamps + the host's log), p50/p99 each, and the slowest 1 %. */
    ...(breakdown ? { breakdownMs: breakdown } : {}),
    startLagMs: summary(startLag),
    puts,
    deletes,
    writesPerPod: round((puts + deletes) / n, 3),
    readsPerPodLifecycle: round(reads / n, 2),
    non2xxWrites: ours.filter((c) => c.method !== "GET" && (c.status < 200 || c.status >= 300)).length,
  };
}

const PARTS = ["watcher", "queueSend", "queueWait", "hostDispatch", "handler"] as const;

/**
 * Pod bound → ARM PUT in five consecutive parts, per pod whose group was created:
 * - `watcher`: bound → the watcher's send reached the queue (watch event, coalescing window, send queue);
 * - `queueSend`: the queue storing it (the send's round trip after arrival);
 * - `queueWait`: stored → handed to the host by a get-messages answer (polling interval, back-off, batches
 *   ahead of it);
 * - `hostDispatch`: handed out → the invocation started (the host's batch and concurrency limits);
 * - `handler`: invocation start → PUT received (the handler's reads, translation, the PUT).
 */
function breakDown(
  wave: Wave,
  accepted: Map<string, CallRecord>,
  startedAt: Map<string, number>,
  spy: QueueSpy,
) {
  const firstSent = new Map<string, { sentAt: number; storedAt: number }>();
  for (const m of spy.sent) {
    if (m.ns !== BENCH_NAMESPACE || firstSent.has(m.name)) continue;
    firstSent.set(m.name, m);
  }
  const rows: Array<Record<(typeof PARTS)[number], number> & { total: number }> = [];
  for (const [pod, call] of accepted) {
    const bound = wave.createdAt.get(pod);
    const start = startedAt.get(pod);
    const sent = firstSent.get(pod);
    if (bound === undefined || start === undefined || !sent) continue;
    // The get-messages answer that carried the message this invocation handled: the last before it started.
    const handedOut = (spy.dequeued.get(`${BENCH_NAMESPACE}/${pod}`) ?? []).filter((t) => t <= start).pop();
    if (handedOut === undefined) continue;
    rows.push({
      watcher: sent.sentAt - bound,
      queueSend: sent.storedAt - sent.sentAt,
      queueWait: handedOut - sent.storedAt,
      hostDispatch: start - handedOut,
      handler: call.at - start,
      total: call.at - bound,
    });
  }
  const p99 = percentile(
    rows.map((r) => r.total),
    99,
  );
  const slowest = rows.filter((r) => r.total >= p99);
  const mean = (values: number[]) =>
    values.length ? round(values.reduce((a, b) => a + b, 0) / values.length) : NaN;
  return {
    pods: rows.length,
    ...Object.fromEntries(PARTS.map((part) => [part, summary(rows.map((r) => r[part]))])),
    /** Mean of each part over the pods at or above the total's p99: where the tail's time goes. */
    slowestPercent: {
      pods: slowest.length,
      totalMs: mean(slowest.map((r) => r.total)),
      ...Object.fromEntries(PARTS.map((part) => [part, mean(slowest.map((r) => r[part]))])),
    },
  };
}

/**
 * What-if runs (not part of `npm run bench`): `BENCH_HOST_JSON='{"extensions":{"queues":{"batchSize":32}}}'`,
 * `BENCH_WATCHER_SETTINGS='{"WATCHER_COALESCE_MS":"100"}'`, `BENCH_SETTINGS='{…}'` change the stack of `burst`.
 */
function whatIf() {
  const json = (name: string): Record<string, never> | undefined =>
    process.env[name] ? (JSON.parse(process.env[name] ?? "") as Record<string, never>) : undefined;
  const hostJson = json("BENCH_HOST_JSON");
  const watcherSettings = json("BENCH_WATCHER_SETTINGS");
  const settings = json("BENCH_SETTINGS");
  return {
    ...(hostJson ? { hostJson } : {}),
    ...(watcherSettings ? { watcherSettings } : {}),
    ...(settings ? { settings } : {}),
  };
}

export async function runBurst(ctx: ScenarioContext): Promise<ScenarioResult> {
  const n = ctx.quick ? 30 : 500;
  const events = eventCounter();
  const tracker = invocationTracker();
  const azurite = await startAzuriteProcess();
  const queuePath = await startQueueLatency(azurite.connectionString);
  const spy = await startQueueSpy(queuePath.connectionString, POD_EVENTS_QUEUE);
  const stack = await startLocalStack({
    storageConnectionString: spy.connectionString,
    podEventsInstances: BENCH_INSTANCES,
    latency: kubeQueueLatency(),
    // The realistic latency profile: the goal is the overhead with ARM answering as it does.
    simulator: { ...UNLIMITED_ARM, timing: TIMING, latency: scaledLatency(1) },
    ...whatIf(),
    hostLog: (line) => {
      events.onLine(line);
      tracker.onLine(line);
    },
  });
  try {
    await stack.registerNode();
    stack.kube!.createNamespace(BENCH_NAMESPACE);
    const plain = await lifecycle(stack, tracker, ctx, "burst", n, false, spy);
    const dup = await lifecycle(stack, tracker, ctx, "dup", n, true);
    return {
      pods: n,
      podEventsInstances: stack.host.instances,
      latencyProfile: LATENCY_PROFILE.name,
      plain,
      duplicated: dup,
      host: { ...stack.host.stats, byFunction: undefined },
      events: Object.fromEntries(events.counts),
      load: machineLoad(),
    };
  } finally {
    await stack.stop();
    await spy.close();
    await queuePath.close();
    await azurite.close();
  }
}

export async function runBurstRealistic(ctx: ScenarioContext): Promise<ScenarioResult> {
  const n = ctx.quick ? 150 : 500;
  const events = eventCounter();
  const azurite = await startAzuriteProcess();
  const stack = await startLocalStack({
    storageConnectionString: azurite.connectionString,
    // ARM buckets and ACI's create rate (100 / 5 min, 300 / h) as in Azure; only the region's standing quota
    // (100 groups, 100 cores) is raised, as it must be for a node this size.
    simulator: { timing: TIMING, quotas: { ...RAISED_REGION_QUOTAS }, latency: scaledLatency(1) },
    hostLog: events.onLine,
  });
  try {
    await stack.registerNode();
    stack.kube!.createNamespace(BENCH_NAMESPACE);
    const invocationsBefore = stack.host.stats.invocations;
    const wave = createWave(stack, "real", n);
    ctx.progress(`real: ${n} pods bound against ARM's default limits`);
    // Done when every pod's first message was handled (a PUT, or a create deferred behind the throttle gate)
    // and nothing new happened for 3 s.
    let last = -1;
    let stableSince = Date.now();
    await waitUntil(
      () => {
        const count = stack.aci!.calls.length + stack.host.stats.invocations;
        if (count !== last) {
          last = count;
          stableSince = Date.now();
        }
        const handled = stack.host.stats.invocations - invocationsBefore >= n;
        return handled && Date.now() - stableSince > 3_000 ? true : undefined;
      },
      120_000,
      250,
    );
    const { first, accepted } = putsOf(stack, wave);
    const mine = new Set(wave.names.map((name) => containerGroupName(BENCH_NAMESPACE, name)));
    const ourPuts = stack.aci!.calls.filter((c) => c.method === "PUT" && mine.has(cgOf(c)));
    const throttledPods = new Set(ourPuts.filter((c) => c.status === 429).map((c) => cgOf(c))).size;
    const acceptedOverhead = overheads(wave, accepted);
    const anyOverhead = overheads(wave, first);
    ctx.progress(
      `real: ${accepted.size} accepted, ${throttledPods} throttled, ${n - first.size} deferred without a PUT`,
    );
    return {
      pods: n,
      podsWithPut: first.size,
      putsAccepted: accepted.size,
      put429: ourPuts.filter((c) => c.status === 429).length,
      podsThrottled: throttledPods,
      podsDeferredWithoutPut: n - first.size,
      overheadAcceptedMs: summary(acceptedOverhead),
      overheadAnyPutMs: summary(anyOverhead),
      reads429: stack.aci!.calls.filter((c) => c.kind === "read" && c.status === 429).length,
      events: Object.fromEntries(events.counts),
    };
  } finally {
    await stack.stop();
    await azurite.close();
  }
}
