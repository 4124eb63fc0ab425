/**
 * The pod reconciler's decision, without I/O: what it read (the pod, its container group, a few facts about
 * this instance) → one action and when to look again (controller-runtime's `Result{RequeueAfter}`). The
 * executor in `pod.ts` carries the action out; the follow-up is scheduled once, from `next`.
 *
 * Reading the group is itself an action (`read-group`): the plan asks for the ARM GET only when the answer
 * depends on it, so final pods, resyncs of pods whose follow-up chain is alive, and creates behind the
 * throttle gate cost no ARM read. The executor plans again once it has the group.
 *
 * This module holds the order of the decisions and the checks of whose group it is; the branches that end a
 * pod's story are in `planDelete.ts`, those that create or report its group in `planStatus.ts`.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { podKey } from "../queue/message.js";
import { isPodFinal } from "../translate/index.js";
import { containerGroupName, isOwnedBy, ownerFromTags } from "../translate/names.js";
import { readMark } from "./createClaim.js";
import {
  deadlinePassed,
  deferCreate,
  fast,
  forget,
  hasGroupStatus,
  isDeleting,
  keep,
  MESSAGE_DEADLINE_EXCEEDED,
  REASON_DEADLINE_EXCEEDED,
  unchanged,
  withDeadline,
} from "./planCommon.js";
import { planPodGone, planReplaced, planTerminating } from "./planDelete.js";
import { planMissingGroup, planStatus } from "./planStatus.js";
import { UNREAD, type GroupView, type LogNote, type PlanContext, type PodPlan } from "./planTypes.js";

export * from "./planTypes.js";

export function planPod(pod: V1Pod | undefined, group: GroupView, ctx: PlanContext): PodPlan {
  if (!pod) return planPodGone(group, ctx);

  const key = podKey(ctx.ns, ctx.name);
  const cgName = containerGroupName(ctx.ns, ctx.name);
  const nodeNames = [...ctx.nodes.keys()];
  const uid = pod.metadata?.uid ?? "";
  const deleting = Boolean(pod.metadata?.deletionTimestamp);
  const node = ctx.nodes.get(pod.spec?.nodeName ?? "");
  if (!node) {
    return {
      action: { kind: "none", outcome: "ignored" },
      next: keep(),
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
    if (group === UNREAD && !waiting) return { action: { kind: "read-group" }, next: keep() };
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
  if (!deleting && !hasGroupStatus(pod.status) && mark?.state !== "claimed" && ctx.createGateMs > 0) {
    // Creates are paused after a throttled write, and a pod never claimed has no group (the claim is
    // patched before any PUT): it would only create one. Defer it without spending an ARM read on the GET.
    // A claimed pod is read even behind the gate: its PUT may have been applied (answered, or applied with
    // the response lost, or by an instance that died after it), and the gate pauses writes, not reads.
    // Deferring it instead left groups running for tens of seconds while their pods showed
    // ContainerCreating (docs/chaos.md, outage recovery). A claimed pod with no group is deferred below.
    return deferCreate(key, ctx);
  }
  if (waiting && group === UNREAD) {
    // No group was ever created for a pod waiting for a Secret/ConfigMap: look at the references, not ARM.
    if (ctx.createGateMs > 0) return deferCreate(key, ctx);
    return { action: { kind: "create", node }, next: withDeadline(fast(ctx), pod, ctx) };
  }
  if (group === UNREAD) return { action: { kind: "read-group" }, next: keep() };

  const cg = group;
  if (cg && !isOwnedBy(cg.tags, ctx.clusterName, nodeNames)) {
    // Never touch a group without our tags (ownership by tags): the pod cannot get its name.
    const log: LogNote[] = [
      { level: "warn", event: "cg.foreign.conflict", fields: { pod: key, containerGroup: cgName } },
    ];
    return nameTaken(
      pod,
      `container group ${cgName} exists in resource group ${ctx.resourceGroup} and is not managed by aci-bridge; the pod cannot use its name`,
      log,
    );
  }
  const owner = ownerFromTags(cg?.tags);
  if (cg && owner && (owner.namespace !== ctx.ns || owner.pod !== ctx.name)) {
    const log: LogNote[] = [
      {
        level: "warn",
        event: "cg.name.clash",
        fields: { pod: key, containerGroup: cgName, owner: podKey(owner.namespace, owner.pod) },
      },
    ];
    return nameTaken(
      pod,
      `container group ${cgName} belongs to pod ${podKey(owner.namespace, owner.pod)}`,
      log,
    );
  }
  if (cg && owner && owner.uid !== uid) return planReplaced(pod, cg, owner.uid, ctx);
  if (deleting) return planTerminating(pod, cg, ctx);
  if (!cg) return planMissingGroup(pod, node, mark, ctx);

  const plan = planStatus(pod, cg, node, ctx);
  return { ...plan, next: withDeadline(plan.next, pod, ctx) };
}

/**
 * The group under the pod's name is not the pod's (foreign, or another pod's): never touched. A pod being
 * deleted is finalized; a final pod is left as it is; any other fails with the reason, as it cannot run.
 */
function nameTaken(pod: V1Pod, message: string, log: LogNote[]): PodPlan {
  const uid = pod.metadata?.uid ?? "";
  if (pod.metadata?.deletionTimestamp) return { action: { kind: "finalize" }, next: forget(uid), log };
  if (isPodFinal(pod.status)) return { action: { kind: "none", outcome: "conflict" }, next: keep(), log };
  return {
    action: { kind: "fail", reason: "ContainerGroupNameConflict", message, outcome: "conflict" },
    next: forget(uid),
    log,
  };
}
