/**
 * Converges one pod with its container group (DESIGN: level-triggered; a message only names the pod).
 * The executor half of "decide, then act": reads the pod (Kubernetes) and, when the plan needs it, the group
 * (one ARM GET), asks `planPod` what to do, does it (at most one ARM write), and schedules the follow-up the
 * plan asked for.
 *
 * Contract: may be called any number of times, concurrently, in any order, for the same pod; each call
 * re-reads the world. Transient errors are thrown (the host retries); throttling defers the message;
 * terminal errors mark the pod Failed with a reason and an Event and complete the message.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { InvalidPodSpecError, ThrottledError } from "../errors.js";
import type { Logger } from "../log.js";
import { podKey, type PodEventMessage } from "../queue/message.js";
import {
  collectReferences,
  containerGroupToPodStatus,
  failedPodStatus,
  podStatusChanged,
  podToContainerGroup,
} from "../translate/index.js";
import { containerGroupName } from "../translate/names.js";
import type { NodeSettings, PodEventSpec, ResolvedReferences } from "../translate/types.js";
import type { FollowUpScheduler, ThrottleGate } from "./followUps.js";
import {
  jitterSeconds,
  planPod,
  UNREAD,
  type Next,
  type PlanContext,
  type PodAction,
  type PodOutcome,
} from "./planPod.js";
import type { ContainerGroupApi, PodReader, PodWriter, ReferenceReader } from "./ports.js";
import { resolveReferences, scrub, secretValues, type EntrypointResolver } from "./references.js";

/** What the pod reconciler needs from the runtime (`BridgeRuntime` provides it as is). */
export interface PodRuntime {
  kube: PodReader & PodWriter & ReferenceReader;
  aci: ContainerGroupApi;
  followUps: FollowUpScheduler;
  throttle: ThrottleGate;
  entrypoints: EntrypointResolver;
  /** The virtual nodes this deployment serves, by name. */
  nodes: ReadonlyMap<string, NodeSettings>;
  config: {
    readonly clusterName: string;
    readonly aci: { readonly resourceGroup: string };
    readonly timings: { readonly statusFastSeconds: number; readonly statusSlowSeconds: number };
  };
  /** Reported as the Events' reportingInstance (e.g. the Functions instance id). */
  instance: string;
  now: () => Date;
}

/** The runtime's parts plus the invocation's logger. */
interface Deps extends PodRuntime {
  log: Logger;
}

export type { PodOutcome };

/**
 * Converges the pod the message names. May be called any number of times, concurrently, for the same pod:
 * each call re-reads the world (idempotent).
 */
export async function reconcilePod(
  message: PodEventMessage,
  runtime: PodRuntime,
  log: Logger,
): Promise<PodOutcome> {
  const deps: Deps = { ...runtime, log };
  const key = podKey(message.ns, message.name);
  try {
    return await converge(message, deps);
  } catch (error) {
    if (error instanceof ThrottledError) {
      const delayMs = error.retryAfterMs ?? 30_000;
      // Only throttled writes close the create gate: a throttled read says nothing about the write budget.
      if (error.write) deps.throttle.block(delayMs);
      const delaySeconds = Math.ceil(delayMs / 1000) + jitterSeconds(key);
      deps.log.warn("arm.throttled", {
        pod: key,
        retryAfterMs: delayMs,
        deferSeconds: delaySeconds,
        error: error.message,
      });
      await deps.followUps.defer(message, delaySeconds);
      return "deferred";
    }
    throw error;
  }
}

/** Read, plan, act, schedule the follow-up the plan asked for. */
async function converge(message: PodEventMessage, deps: Deps): Promise<PodOutcome> {
  const pod = await deps.kube.getPod(message.ns, message.name);
  const ctx = planContext(message, pod, deps);
  let plan = planPod(pod, UNREAD, ctx);
  if (plan.action.kind === "read-group") {
    const group = await deps.aci.get(containerGroupName(message.ns, message.name));
    plan = planPod(pod, group, ctx);
  }
  for (const note of plan.log ?? []) deps.log[note.level](note.event, note.fields);
  const outcome = await execute(plan.action, pod, deps);
  await scheduleNext(plan.next, outcome, message, pod, deps);
  return outcome;
}

function planContext(message: PodEventMessage, pod: V1Pod | undefined, deps: Deps): PlanContext {
  const uid = pod?.metadata?.uid ?? "";
  return {
    ns: message.ns,
    name: message.name,
    reason: message.reason,
    clusterName: deps.config.clusterName,
    nodes: deps.nodes,
    resourceGroup: deps.config.aci.resourceGroup,
    statusFastSeconds: deps.config.timings.statusFastSeconds,
    statusSlowSeconds: deps.config.timings.statusSlowSeconds,
    followUpPending: pod ? deps.followUps.hasPending({ ns: message.ns, name: message.name, uid }) : false,
    createGateMs: deps.throttle.remainingMs(),
    now: deps.now(),
  };
}

async function execute(action: PodAction, pod: V1Pod | undefined, deps: Deps): Promise<PodOutcome> {
  switch (action.kind) {
    case "none":
      return action.outcome;
    case "read-group":
      throw new Error("planPod asked to read the group twice"); // a planner bug, never a pod's fault
    case "create":
      return create(required(pod), action.node, deps);
    case "delete-group": {
      const key = pod ? identity(pod).key : undefined;
      const result = await deps.aci.beginDelete(action.cgName);
      deps.log.info("cg.deleted", {
        pod: key ?? action.cgName,
        uid: action.uid,
        why: action.why,
        containerGroup: action.cgName,
        done: result === "gone",
      });
      if (pod && (action.then === "finalize" || (action.then === "finalize-if-gone" && result === "gone"))) {
        return finalize(pod, deps);
      }
      return result === "gone" ? "orphan-deleted" : "deleting";
    }
    case "finalize":
      return finalize(required(pod), deps);
    case "fail":
      await failPod(required(pod), deps, action.reason, action.message);
      return action.outcome;
    case "patch-status":
      return patchStatus(required(pod), action, deps);
  }
}

/** The follow-up, once, from the plan; an action that ended the pod's story (finalized, failed) ends its chain. */
async function scheduleNext(
  next: Next,
  outcome: PodOutcome,
  message: PodEventMessage,
  pod: V1Pod | undefined,
  deps: Deps,
): Promise<void> {
  const ns = message.ns;
  const name = message.name;
  if (outcome === "finalized" || outcome === "failed") {
    deps.followUps.forget({ ns, name, uid: pod?.metadata?.uid });
    return;
  }
  switch (next.kind) {
    case "follow-up":
      await deps.followUps.schedule({ ns, name, uid: pod?.metadata?.uid ?? "" }, next.seconds, message);
      return;
    case "defer":
      await deps.followUps.defer(message, next.seconds);
      return;
    case "forget":
      deps.followUps.forget({ ns, name, uid: next.uid });
      return;
    case "keep":
      return;
  }
}

function required(pod: V1Pod | undefined): V1Pod {
  if (!pod) throw new Error("planPod chose an action on a pod that does not exist");
  return pod;
}

async function create(pod: V1Pod, node: NodeSettings, deps: Deps): Promise<PodOutcome> {
  const { ns, name, uid, key } = identity(pod);
  let refs: ResolvedReferences | undefined;
  try {
    refs = await resolveReferences(pod, collectReferences(pod), deps.kube, deps.entrypoints, deps.log);
    const translated = podToContainerGroup(pod, refs, node);
    await deps.aci.beginCreate(translated.name, translated.containerGroup);
    deps.log.info("cg.created", { pod: key, uid, containerGroup: translated.name, region: node.region });
    // Show ContainerCreating at once, like a kubelet, from what ARM accepted (no extra ARM read).
    const creating = containerGroupToPodStatus(
      { ...translated.containerGroup, name: translated.name, provisioningState: "Pending" },
      pod,
      node,
      deps.now(),
    );
    if (podStatusChanged(pod.status, creating)) await deps.kube.patchPodStatus(ns, name, creating);
    await emitEvents(pod, deps, [
      ...(translated.warnings ?? []),
      {
        type: "Normal",
        reason: "ContainerGroupCreated",
        message: `Created container group ${translated.name} in ${deps.config.aci.resourceGroup} (${node.region})`,
        key: `created/${translated.name}`,
        count: 1,
      },
    ]);
  } catch (error) {
    if (error instanceof InvalidPodSpecError) {
      const text = truncate(scrub(error.message, secretValues(refs)));
      deps.log.error("cg.create.failed", {
        pod: key,
        uid,
        reason: error.reason,
        field: error.field,
        error: text,
      });
      await failPod(pod, deps, error.reason, text);
      return "failed";
    }
    if (!(error instanceof ThrottledError)) {
      deps.log.warn("cg.create.retry", { pod: key, uid, error: scrub(errorText(error), secretValues(refs)) });
    }
    throw error;
  }
  return "created";
}

async function patchStatus(
  pod: V1Pod,
  action: Extract<PodAction, { kind: "patch-status" }>,
  deps: Deps,
): Promise<PodOutcome> {
  const { ns, name, key } = identity(pod);
  const { status } = action;
  await deps.kube.patchPodStatus(ns, name, status);
  deps.log.info("pod.status.updated", {
    pod: key,
    phase: status.phase,
    from: pod.status?.phase ?? null,
    containerGroupState: action.groupState,
  });
  if (status.phase === "Failed" && pod.status?.phase !== "Failed") {
    deps.log.warn("pod.failed", { pod: key, reason: status.reason ?? "Failed", source: "aci" });
  }
  await emitEvents(pod, deps, action.events);
  return "status-updated";
}

/** The kubelet's last step: remove the pod object once its containers are gone (grace 0, uid precondition). */
async function finalize(pod: V1Pod, deps: Deps): Promise<PodOutcome> {
  const { ns, name, uid } = identity(pod);
  await deps.kube.deletePodNow(ns, name, uid);
  deps.log.info("pod.finalized", { pod: podKey(ns, name), uid });
  return "finalized";
}

/** Marks the pod Failed with a reason, an Event and an error log (DESIGN principle 4). */
/** Pod status messages and log fields stay readable even when a hostile annotation value is echoed. */
const MAX_MESSAGE_CHARS = 1024;

async function failPod(pod: V1Pod, deps: Deps, reason: string, fullMessage: string): Promise<void> {
  const message = truncate(fullMessage);
  const { ns, name } = identity(pod);
  const status = failedPodStatus(pod, reason, message, deps.now());
  await deps.kube.patchPodStatus(ns, name, status);
  deps.log.warn("pod.failed", { pod: podKey(ns, name), reason, message, source: "bridge" });
  await emitEvents(pod, deps, [{ type: "Warning", reason, message, key: `failed/${reason}`, count: 1 }]);
}

/** Events are best effort: a failure to record one is logged, never fails the reconcile. */
async function emitEvents(pod: V1Pod, deps: Deps, events: PodEventSpec[]): Promise<void> {
  for (const event of events) {
    try {
      await deps.kube.recordEvent(pod, event, deps.instance);
    } catch (error) {
      deps.log.warn("event.record.failed", {
        pod: podKey(pod.metadata?.namespace ?? "", pod.metadata?.name ?? ""),
        reason: event.reason,
        error: errorText(error),
      });
    }
  }
}

function identity(pod: V1Pod): { ns: string; name: string; uid: string; key: string } {
  const ns = pod.metadata?.namespace ?? "";
  const name = pod.metadata?.name ?? "";
  return { ns, name, uid: pod.metadata?.uid ?? "", key: podKey(ns, name) };
}

function truncate(text: string): string {
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS - 1)}…` : text;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
