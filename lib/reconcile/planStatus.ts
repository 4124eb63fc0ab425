/**
 * The plan's running branches (`planPod.ts` dispatches to them), for a pod that is not being deleted and
 * whose name is not taken by anyone else: with no group, create one (or report it lost, or wait for another
 * instance's claimed create); with its own group, report the group's state, stop a Job-style pod's sidecars
 * once its main containers finished, and say how soon to look again. Pure, like the plan.
 */
import type { ContainerGroup } from "@azure/arm-containerinstance";
import type { V1ContainerStatus, V1Pod, V1PodCondition, V1PodStatus } from "@kubernetes/client-node";
import { podKey } from "../queue/message.js";
import {
  containerGroupEvents,
  containerGroupToPodStatus,
  isPodFinal,
  podStatusChanged,
  shouldStopForCompletedSidecarPod,
} from "../translate/index.js";
import { containerGroupName } from "../translate/names.js";
import type { NodeSettings } from "../translate/types.js";
import { claimedElsewhere, type BridgeMark } from "./createClaim.js";
import { deferCreate, fast, forget, hasRun, unchanged, withDeadline } from "./planCommon.js";
import type { Next, PlanContext, PodPlan } from "./planTypes.js";

/** No group for the pod: create it, unless it was lost (the pod ran) or another instance claimed the create. */
export function planMissingGroup(
  pod: V1Pod,
  node: NodeSettings,
  mark: BridgeMark,
  ctx: PlanContext,
): PodPlan {
  const uid = pod.metadata?.uid ?? "";
  if (isPodFinal(pod.status)) return unchanged();
  if (hasRun(pod.status)) {
    return {
      action: {
        kind: "fail",
        reason: "ContainerGroupLost",
        message: `container group ${containerGroupName(ctx.ns, ctx.name)} no longer exists in ACI`,
        outcome: "failed",
      },
      next: forget(uid),
    };
  }
  if (claimedElsewhere(mark, ctx.instance, ctx.now)) {
    // Another instance claimed the create and has not sent its PUT yet (or is sending it): look again.
    return { action: { kind: "none", outcome: "waiting" }, next: withDeadline(fast(ctx), pod, ctx) };
  }
  if (ctx.createGateMs > 0) return deferCreate(podKey(ctx.ns, ctx.name), ctx);
  return { action: { kind: "create", node }, next: withDeadline(fast(ctx), pod, ctx) };
}

/** The group exists and is this pod's: report its state; look again soon, slowly, or never. */
export function planStatus(pod: V1Pod, cg: ContainerGroup, node: NodeSettings, ctx: PlanContext): PodPlan {
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

function isSettled(status: V1PodStatus): boolean {
  return (
    status.phase === "Running" &&
    (status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True")
  );
}
