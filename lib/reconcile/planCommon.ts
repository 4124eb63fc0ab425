/**
 * Pieces the pod plan's branches share (`planPod.ts`, `planDelete.ts`, `planStatus.ts`): the `Next` answers,
 * the pod's active deadline, the create gate's deferral, and what a pod's status or a group's state says.
 * Pure, like the plan.
 */
import type { ContainerGroup } from "@azure/arm-containerinstance";
import type { V1Pod, V1PodStatus } from "@kubernetes/client-node";
import type { Next, PlanContext, PodPlan } from "./planTypes.js";

export const REASON_DEADLINE_EXCEEDED = "DeadlineExceeded";
/** The kubelet's words (pkg/kubelet/active_deadline.go). */
export const MESSAGE_DEADLINE_EXCEEDED = "Pod was active on the node longer than the specified deadline";

/** ARM states while a group is on its way out. */
const DELETING_STATES = new Set(["Deleting"]);

export const keep = (): Next => ({ kind: "keep" });
export const forget = (uid: string): Next => ({ kind: "forget", uid });
export const fast = (ctx: PlanContext): Next => ({ kind: "follow-up", seconds: ctx.statusFastSeconds });
export const unchanged = (): PodPlan => ({ action: { kind: "none", outcome: "unchanged" }, next: keep() });

/** When `activeDeadlineSeconds` runs out, counted from the pod's startTime like the kubelet does. */
export function activeDeadline(pod: V1Pod): Date | undefined {
  const seconds = pod.spec?.activeDeadlineSeconds;
  const start = pod.status?.startTime;
  if (seconds === undefined || seconds === null || !start) return undefined;
  return new Date(new Date(start).getTime() + seconds * 1000);
}

export function deadlinePassed(pod: V1Pod, now: Date): boolean {
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

export function deferCreate(key: string, ctx: PlanContext): PodPlan {
  const seconds = Math.ceil(ctx.createGateMs / 1000) + jitterSeconds(key);
  return {
    action: { kind: "none", outcome: "deferred" },
    next: { kind: "defer", seconds },
    log: [{ level: "info", event: "cg.create.deferred", fields: { pod: key, deferSeconds: seconds } }],
  };
}

/** 0–4 s spread per pod, so deferred messages do not all come back in the same second. */
export function jitterSeconds(key: string): number {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) >>> 0;
  return h % 5;
}

export function isDeleting(cg: ContainerGroup): boolean {
  return DELETING_STATES.has(cg.provisioningState ?? "");
}

/** Whether the bridge already reported a group for this pod (container statuses come only from a group). */
export function hasGroupStatus(status: V1PodStatus | undefined): boolean {
  return (status?.containerStatuses?.length ?? 0) > 0 || (status?.initContainerStatuses?.length ?? 0) > 0;
}

/** Whether the pod's status shows it ran on a container group (so a missing group was lost, not never made). */
export function hasRun(status: V1PodStatus | undefined): boolean {
  if (!status) return false;
  if (status.podIP) return true;
  return [...(status.containerStatuses ?? []), ...(status.initContainerStatuses ?? [])].some(
    (c) => c.state?.running !== undefined || c.state?.terminated !== undefined || (c.restartCount ?? 0) > 0,
  );
}
