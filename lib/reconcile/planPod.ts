/**
 * The pod reconciler's decision, without I/O: what it read (the pod, its container group, a few facts about
 * this instance) → one action and when to look again (controller-runtime's `Result{RequeueAfter}`). The
 * executor in `pod.ts` carries the action out; the follow-up is scheduled once, from `next`.
 *
 * Reading the group is itself an action (`read-group`): the plan asks for the ARM GET only when the answer
 * depends on it, so final pods, resyncs of pods whose follow-up chain is alive, and creates behind the
 * throttle gate cost no ARM read. The executor plans again once it has the group.
 */
import type { ContainerGroup } from "@azure/arm-containerinstance";
import type { V1ContainerStatus, V1Pod, V1PodCondition, V1PodStatus } from "@kubernetes/client-node";
import type { LogFields } from "../log.js";
import type { EventName } from "../events/index.js";
import { podKey, type MessageReason } from "../queue/message.js";
import {
  containerGroupEvents,
  containerGroupToPodStatus,
  shouldStopForCompletedSidecarPod,
  isPodFinal,
  podStatusChanged,
} from "../translate/index.js";
import { containerGroupName, isOwnedBy, ownerFromTags } from "../translate/names.js";
import type { NodeSettings, PodEventSpec } from "../translate/types.js";
import { claimedElsewhere, readMark } from "./createClaim.js";

/** The group has not been read yet: the plan may ask for it. */
export const UNREAD: unique symbol = Symbol("container group not read");
export type GroupView = ContainerGroup | undefined | typeof UNREAD;

export interface PlanContext {
  /** The pod the message names (the pod object itself may be gone). */
  ns: string;
  name: string;
  reason: MessageReason;
  clusterName: string;
  nodes: ReadonlyMap<string, NodeSettings>;
  resourceGroup: string;
  statusFastSeconds: number;
  statusSlowSeconds: number;
  /** Whether this instance has a follow-up check pending for the pod (its chain is alive here). */
  followUpPending: boolean;
  /** Milliseconds creates must still wait after a throttled write (0 when the gate is open). */
  createGateMs: number;
  now: Date;
  /** This instance's id: the holder name of its create claims. */
  instance: string;
}

export interface LogNote {
  level: "info" | "warn";
  event: EventName;
  fields: LogFields;
}

export type PodOutcome =
  | "created"
  | "deleting"
  | "finalized"
  | "status-updated"
  | "unchanged"
  | "ignored"
  | "failed"
  | "orphan-deleted"
  | "deferred"
  | "conflict"
  /** Waiting for a Secret/ConfigMap, or for another instance's claimed create. */
  | "waiting"
  /** Another instance claimed the create first (the claim's precondition failed). */
  | "claim-lost"
  /** activeDeadlineSeconds passed: containers killed, pod Failed DeadlineExceeded. */
  | "deadline-exceeded"
  /** A Job-style pod's main containers finished while sidecars ran: group deleted, result reported. */
  | "completed";

export type PodAction =
  /** Nothing to write; `outcome` says why. */
  | { kind: "none"; outcome: "unchanged" | "ignored" | "conflict" | "deleting" | "deferred" | "waiting" }
  /** One ARM GET of the group, then plan again. */
  | { kind: "read-group" }
  | { kind: "create"; node: NodeSettings }
  /**
   * DELETE the group. `then`: `finalize` deletes the pod object afterwards in any case (the group was another
   * pod's); `finalize-if-gone` only when ARM answered that nothing is left (204/404).
   */
  | {
      kind: "delete-group";
      cgName: string;
      uid: string;
      why: string;
      then?: "finalize" | "finalize-if-gone";
      /** Events to record once the DELETE was sent (the kubelet's `Killing` per container). */
      events?: PodEventSpec[];
    }
  /** The kubelet's last step: delete the pod object (grace 0, uid precondition). */
  | { kind: "finalize" }
  /**
   * Mark the pod Failed with a reason and an Event. `kill`: delete this group first (the kubelet kills the
   * containers of a pod it fails), so a failed status never leaves a running group behind.
   */
  | {
      kind: "fail";
      reason: string;
      message: string;
      outcome: "failed" | "conflict" | "deadline-exceeded";
      kill?: string;
      eventType?: "Normal" | "Warning";
    }
  /** Delete the group (its sidecars still run), then patch the final status of the main containers. */
  | { kind: "complete"; cgName: string; status: V1PodStatus }
  /** Patch the status computed from the group and emit the group's events. */
  | { kind: "patch-status"; status: V1PodStatus; events: PodEventSpec[]; groupState: string | null };

/** When to look at the pod again. */
export type Next =
  /** A `status` follow-up after `seconds` (the chain bookkeeping of `FollowUpScheduler`). */
  | { kind: "follow-up"; seconds: number }
  /** The same message again after `seconds` (throttling), outside the chain bookkeeping. */
  | { kind: "defer"; seconds: number }
  /** Not again: the pod is final or gone; forget its chain (`uid`: of the incarnation to forget). */
  | { kind: "forget"; uid: string }
  /** Nothing scheduled, and an existing chain is left alone. */
  | { kind: "keep" };

export interface PodPlan {
  action: PodAction;
  next: Next;
  /** Decisions worth a log line, emitted by the executor before it acts. */
  log?: LogNote[];
}

/** ARM states while a group is on its way out. */
const DELETING_STATES = new Set(["Deleting"]);

export function planPod(pod: V1Pod | undefined, group: GroupView, ctx: PlanContext): PodPlan {
  const key = podKey(ctx.ns, ctx.name);
  const cgName = containerGroupName(ctx.ns, ctx.name);
  const nodeNames = [...ctx.nodes.keys()];

  if (!pod) {
    if (group === UNREAD) return { action: { kind: "read-group" }, next: { kind: "keep" } };
    const owner = ownerFromTags(group?.tags);
    if (!group || !owner || !isOwnedBy(group.tags, ctx.clusterName, nodeNames)) {
      const log: LogNote = group
        ? { level: "info", event: "cg.foreign.skipped", fields: { pod: key, containerGroup: cgName } }
        : { level: "info", event: "pod.gone", fields: { pod: key } };
      return { action: { kind: "none", outcome: "unchanged" }, next: { kind: "keep" }, log: [log] };
    }
    if (owner.namespace !== ctx.ns || owner.pod !== ctx.name) return unchanged(); // another pod's group (name clash)
    if (isDeleting(group)) return { action: { kind: "none", outcome: "deleting" }, next: forget(owner.uid) };
    return {
      action: { kind: "delete-group", cgName, uid: owner.uid, why: "pod gone" },
      next: forget(owner.uid),
    };
  }

  const uid = pod.metadata?.uid ?? "";
  const deleting = Boolean(pod.metadata?.deletionTimestamp);
  const node = ctx.nodes.get(pod.spec?.nodeName ?? "");
  if (!node) {
    return {
      action: { kind: "none", outcome: "ignored" },
      next: { kind: "keep" },
      log: [{ level: "info", event: "pod.ignored", fields: { pod: key, node: pod.spec?.nodeName ?? null } }],
    };
  }
  if (isPodFinal(pod.status) && !deleting) {
    // Finished: its group (if any) stays until the pod is deleted, for its logs. Nothing to read or write.
    return { action: { kind: "none", outcome: "unchanged" }, next: forget(uid) };
  }
  if (ctx.reason === "resync" && !deleting && hasGroupStatus(pod.status) && ctx.followUpPending) {
    // The repair's safety-net resync of a pod whose follow-up chain is alive here: that check will look.
    return unchanged();
  }
  const mark = readMark(pod.status);
  const waiting = !deleting && mark?.state === "waiting";
  if (!deleting && deadlinePassed(pod, ctx.now)) {
    // The kubelet's activeDeadlineHandler: fail the pod and kill its containers. A pod still waiting for
    // its references has no group to kill.
    if (group === UNREAD && !waiting) return { action: { kind: "read-group" }, next: { kind: "keep" } };
    const cg = group === UNREAD ? undefined : group;
    const own = cg && isOwnedBy(cg.tags, ctx.clusterName, nodeNames) && ownerFromTags(cg.tags)?.uid === uid;
    return {
      action: {
        kind: "fail",
        reason: REASON_DEADLINE_EXCEEDED,
        message: MESSAGE_DEADLINE_EXCEEDED,
        outcome: "deadline-exceeded",
        eventType: "Normal",
        ...(own && !isDeleting(cg) ? { kill: cgName } : {}),
      },
      next: forget(uid),
    };
  }
  if (!deleting && (!hasGroupStatus(pod.status) || mark?.state === "claimed") && ctx.createGateMs > 0) {
    // Creates are paused after a throttled write; a pod that never saw its group (none reported yet, or only
    // the bridge's own claim) would only create one. Defer it without spending an ARM read on the GET.
    return deferCreate(key, ctx);
  }
  if (waiting && group === UNREAD) {
    // No group was ever created for a pod waiting for a Secret/ConfigMap: look at the references, not ARM.
    if (ctx.createGateMs > 0) return deferCreate(key, ctx);
    return { action: { kind: "create", node }, next: withDeadline(fast(ctx), pod, ctx) };
  }
  if (group === UNREAD) return { action: { kind: "read-group" }, next: { kind: "keep" } };

  const cg = group;
  if (cg && !isOwnedBy(cg.tags, ctx.clusterName, nodeNames)) {
    // Never touch a group without our tags (ownership by tags): the pod cannot get its name.
    const log: LogNote[] = [
      { level: "warn", event: "cg.foreign.conflict", fields: { pod: key, containerGroup: cgName } },
    ];
    if (deleting) return { action: { kind: "finalize" }, next: forget(uid), log };
    if (isPodFinal(pod.status)) return { action: { kind: "none", outcome: "conflict" }, next: keep(), log };
    return {
      action: {
        kind: "fail",
        reason: "ContainerGroupNameConflict",
        message: `container group ${cgName} exists in resource group ${ctx.resourceGroup} and is not managed by aci-bridge; the pod cannot use its name`,
        outcome: "conflict",
      },
      next: forget(uid),
      log,
    };
  }
  const owner = ownerFromTags(cg?.tags);
  if (cg && owner && (owner.namespace !== ctx.ns || owner.pod !== ctx.name)) {
    const log: LogNote[] = [
      {
        level: "warn",
        event: "cg.name.clash",
        fields: { pod: key, containerGroup: cgName, owner: `${owner.namespace}/${owner.pod}` },
      },
    ];
    if (deleting) return { action: { kind: "finalize" }, next: forget(uid), log };
    if (isPodFinal(pod.status)) return { action: { kind: "none", outcome: "conflict" }, next: keep(), log };
    return {
      action: {
        kind: "fail",
        reason: "ContainerGroupNameConflict",
        message: `container group ${cgName} belongs to pod ${owner.namespace}/${owner.pod}`,
        outcome: "conflict",
      },
      next: forget(uid),
      log,
    };
  }
  if (cg && owner && owner.uid !== uid) {
    // The group of an earlier pod with the same name (e.g. a StatefulSet pod recreated): remove it first,
    // then the follow-up creates the new one.
    if (isDeleting(cg)) {
      if (deleting) return { action: { kind: "finalize" }, next: forget(uid) };
      return { action: { kind: "none", outcome: "deleting" }, next: fast(ctx) };
    }
    return {
      action: {
        kind: "delete-group",
        cgName,
        uid: owner.uid,
        why: "replaced by a new pod",
        ...(deleting ? { then: "finalize" as const } : {}),
      },
      next: deleting ? forget(uid) : fast(ctx),
    };
  }

  if (deleting) {
    if (!cg) return { action: { kind: "finalize" }, next: forget(uid) };
    if (isDeleting(cg)) return { action: { kind: "none", outcome: "deleting" }, next: fast(ctx) };
    return {
      action: {
        kind: "delete-group",
        cgName,
        uid,
        why: "pod terminating",
        then: "finalize-if-gone",
        events: killingEvents(pod),
      },
      next: fast(ctx),
    };
  }

  if (!cg) {
    if (isPodFinal(pod.status)) return unchanged();
    if (hasRun(pod.status)) {
      return {
        action: {
          kind: "fail",
          reason: "ContainerGroupLost",
          message: `container group ${cgName} no longer exists in ACI`,
          outcome: "failed",
        },
        next: forget(uid),
      };
    }
    if (claimedElsewhere(mark, ctx.instance, ctx.now)) {
      // Another instance claimed the create and has not sent its PUT yet (or is sending it): look again.
      return { action: { kind: "none", outcome: "waiting" }, next: withDeadline(fast(ctx), pod, ctx) };
    }
    if (ctx.createGateMs > 0) return deferCreate(key, ctx);
    return { action: { kind: "create", node }, next: withDeadline(fast(ctx), pod, ctx) };
  }

  const plan = planStatus(pod, cg, node, ctx);
  return { ...plan, next: withDeadline(plan.next, pod, ctx) };
}

export const REASON_DEADLINE_EXCEEDED = "DeadlineExceeded";
/** The kubelet's words (pkg/kubelet/active_deadline.go). */
export const MESSAGE_DEADLINE_EXCEEDED = "Pod was active on the node longer than the specified deadline";

/** When `activeDeadlineSeconds` runs out, counted from the pod's startTime like the kubelet does. */
export function activeDeadline(pod: V1Pod): Date | undefined {
  const seconds = pod.spec?.activeDeadlineSeconds;
  const start = pod.status?.startTime;
  if (seconds === undefined || seconds === null || !start) return undefined;
  return new Date(new Date(start).getTime() + seconds * 1000);
}

function deadlinePassed(pod: V1Pod, now: Date): boolean {
  const deadline = activeDeadline(pod);
  return deadline !== undefined && now.getTime() >= deadline.getTime();
}

/** The next look comes no later than the deadline: no timer of its own, no extra ARM read. */
export function withDeadline(next: Next, pod: V1Pod, ctx: { now: Date }): Next {
  const deadline = activeDeadline(pod);
  if (!deadline || next.kind !== "follow-up") return next;
  const left = Math.max(0, Math.ceil((deadline.getTime() - ctx.now.getTime()) / 1000));
  return left < next.seconds ? { kind: "follow-up", seconds: left } : next;
}

/** The group exists and is this pod's: report its state; look again soon, slowly, or never. */
function planStatus(pod: V1Pod, cg: ContainerGroup, node: NodeSettings, ctx: PlanContext): PodPlan {
  const uid = pod.metadata?.uid ?? "";
  const status = containerGroupToPodStatus(cg, pod, node, ctx.now);
  // The translator already reports such a pod final from its main containers while ACI still runs the
  // group, so the decision keys on the group (still running), not on the status alone.
  const finished = shouldStopForCompletedSidecarPod(cg, pod)
    ? mainContainersFinished(pod, status, ctx.now)
    : undefined;
  if (finished) {
    // Native sidecars (init containers with restartPolicy Always) keep the group running after a Job-style
    // pod's main containers finished; the kubelet stops them then, and so does the bridge.
    return {
      action: { kind: "complete", cgName: cg.name ?? containerGroupName(ctx.ns, ctx.name), status: finished },
      next: forget(uid),
    };
  }
  const next: Next = isPodFinal(status)
    ? forget(uid)
    : { kind: "follow-up", seconds: isSettled(status) ? ctx.statusSlowSeconds : ctx.statusFastSeconds };
  if (!podStatusChanged(pod.status, status)) return { action: { kind: "none", outcome: "unchanged" }, next };
  return {
    action: {
      kind: "patch-status",
      status,
      events: containerGroupEvents(cg, pod),
      groupState: cg.instanceView?.state ?? cg.provisioningState ?? null,
    },
    next,
  };
}

/**
 * For a pod with restartPolicy Never/OnFailure and native sidecars whose group still runs: the final status
 * once every main container terminated for good (OnFailure: with exit code 0), else undefined. Phase from the
 * main containers only (sidecars do not count, as in Kubernetes); sidecars reported killed.
 */
function mainContainersFinished(pod: V1Pod, status: V1PodStatus, now: Date): V1PodStatus | undefined {
  const policy = pod.spec?.restartPolicy ?? "Always";
  if (policy === "Always") return undefined;
  const sidecars = new Set(
    (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === "Always").map((c) => c.name),
  );
  if (sidecars.size === 0) return undefined;
  const main = status.containerStatuses ?? [];
  if (main.length === 0) return undefined;
  const done = main.every((c) => {
    const t = c.state?.terminated;
    return t !== undefined && (policy === "Never" || t.exitCode === 0);
  });
  if (!done) return undefined;
  const succeeded = main.every((c) => c.state?.terminated?.exitCode === 0);
  const killed = (c: V1ContainerStatus): V1ContainerStatus => {
    if (!sidecars.has(c.name) || c.state?.terminated) return { ...c, ready: false, started: false };
    const startedAt = c.state?.running?.startedAt;
    return {
      ...c,
      ready: false,
      started: false,
      state: {
        terminated: {
          exitCode: 137,
          reason: "Error",
          message: "stopped by aci-bridge: the pod's main containers finished",
          ...(startedAt ? { startedAt } : {}),
        },
      },
    };
  };
  const at = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const conditions = (status.conditions ?? []).map((c): V1PodCondition =>
    c.type === "Ready" || c.type === "ContainersReady"
      ? {
          type: c.type,
          status: "False",
          reason: "PodCompleted",
          lastTransitionTime: c.status === "False" && c.lastTransitionTime ? c.lastTransitionTime : at,
        }
      : c,
  );
  return {
    ...status,
    phase: succeeded ? "Succeeded" : "Failed",
    conditions,
    ...(status.initContainerStatuses
      ? { initContainerStatuses: status.initContainerStatuses.map(killed) }
      : {}),
  };
}

/**
 * The kubelet records `Killing` / `Stopping container <name>` per container it stops. ACI stops a group's
 * containers without a grace period (docs/adr/0006-termination-grace-period.md), so the Events say so.
 */
function killingEvents(pod: V1Pod): PodEventSpec[] {
  const grace = pod.spec?.terminationGracePeriodSeconds ?? 30;
  const note =
    grace > 0 ? ` (ACI gives no grace period: terminationGracePeriodSeconds ${grace} not honoured)` : "";
  const sidecars = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === "Always");
  return [
    ...(pod.spec?.containers ?? []).map((c) => ({ c, field: "containers" })),
    ...sidecars.map((c) => ({ c, field: "initContainers" })),
  ].map(({ c, field }) => ({
    type: "Normal" as const,
    reason: "Killing",
    message: `Stopping container ${c.name}${note}`,
    key: `killing/${field}/${c.name}`,
    count: 1,
    fieldPath: `spec.${field}{${c.name}}`,
  }));
}

function isSettled(status: V1PodStatus): boolean {
  return (
    status.phase === "Running" &&
    (status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True")
  );
}

function deferCreate(key: string, ctx: PlanContext): PodPlan {
  const seconds = Math.ceil(ctx.createGateMs / 1000) + jitterSeconds(key);
  return {
    action: { kind: "none", outcome: "deferred" },
    next: { kind: "defer", seconds },
    log: [{ level: "info", event: "cg.create.deferred", fields: { pod: key, deferSeconds: seconds } }],
  };
}

const unchanged = (): PodPlan => ({ action: { kind: "none", outcome: "unchanged" }, next: keep() });
const keep = (): Next => ({ kind: "keep" });
const forget = (uid: string): Next => ({ kind: "forget", uid });
const fast = (ctx: PlanContext): Next => ({ kind: "follow-up", seconds: ctx.statusFastSeconds });

function isDeleting(cg: ContainerGroup): boolean {
  return DELETING_STATES.has(cg.provisioningState ?? "");
}

/** Whether the bridge already reported a group for this pod (container statuses come only from a group). */
export function hasGroupStatus(status: V1PodStatus | undefined): boolean {
  return (status?.containerStatuses?.length ?? 0) > 0 || (status?.initContainerStatuses?.length ?? 0) > 0;
}

/** Whether the pod's status shows it ran on a container group (so a missing group was lost, not never made). */
function hasRun(status: V1PodStatus | undefined): boolean {
  if (!status) return false;
  if (status.podIP) return true;
  return [...(status.containerStatuses ?? []), ...(status.initContainerStatuses ?? [])].some(
    (c) => c.state?.running !== undefined || c.state?.terminated !== undefined || (c.restartCount ?? 0) > 0,
  );
}

/** 0–4 s spread per pod, so deferred messages do not all come back in the same second. */
export function jitterSeconds(key: string): number {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) >>> 0;
  return h % 5;
}
