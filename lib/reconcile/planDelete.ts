/**
 * The plan's ending branches (`planPod.ts` dispatches to them): a pod gone while its group remains, a group
 * left by an earlier pod of the same name, and a pod being deleted — delete the group, then finalize the pod
 * object once nothing is left, as the kubelet does. Pure, like the plan.
 */
import type { ContainerGroup } from "@azure/arm-containerinstance";
import type { V1Pod } from "@kubernetes/client-node";
import { podKey } from "../queue/message.js";
import { containerGroupName, isOwnedBy, ownerFromTags } from "../translate/names.js";
import type { KubeEventSpec } from "../translate/types.js";
import { fast, forget, isDeleting, keep, unchanged } from "./planCommon.js";
import { UNREAD, type GroupView, type LogNote, type PlanContext, type PodPlan } from "./planTypes.js";

/** The pod object is gone: delete its group if one of ours is left (looked up first). */
export function planPodGone(group: GroupView, ctx: PlanContext): PodPlan {
  if (group === UNREAD) return { action: { kind: "read-group" }, next: keep() };
  const key = podKey(ctx.ns, ctx.name);
  const cgName = containerGroupName(ctx.ns, ctx.name);
  const owner = ownerFromTags(group?.tags);
  if (!group || !owner || !isOwnedBy(group.tags, ctx.clusterName, [...ctx.nodes.keys()])) {
    const log: LogNote = group
      ? { level: "info", event: "cg.foreign.skipped", fields: { pod: key, containerGroup: cgName } }
      : { level: "info", event: "pod.gone", fields: { pod: key } };
    return { action: { kind: "none", outcome: "unchanged" }, next: keep(), log: [log] };
  }
  if (owner.namespace !== ctx.ns || owner.pod !== ctx.name) return unchanged(); // another pod's group (name clash)
  if (isDeleting(group)) return { action: { kind: "none", outcome: "deleting" }, next: forget(owner.uid) };
  return {
    action: { kind: "delete-group", cgName, uid: owner.uid, why: "pod gone" },
    next: forget(owner.uid),
  };
}

/**
 * The group of an earlier pod with the same name (e.g. a StatefulSet pod recreated), `previousUid` its
 * owner: remove it first, then the follow-up creates the new one (or, for a pod being deleted, finalize).
 */
export function planReplaced(pod: V1Pod, cg: ContainerGroup, previousUid: string, ctx: PlanContext): PodPlan {
  const uid = pod.metadata?.uid ?? "";
  const deleting = Boolean(pod.metadata?.deletionTimestamp);
  if (isDeleting(cg)) {
    if (deleting) return { action: { kind: "finalize" }, next: forget(uid) };
    return { action: { kind: "none", outcome: "deleting" }, next: fast(ctx) };
  }
  return {
    action: {
      kind: "delete-group",
      cgName: containerGroupName(ctx.ns, ctx.name),
      uid: previousUid,
      why: "replaced by a new pod",
      ...(deleting ? { then: "finalize" as const } : {}),
    },
    next: deleting ? forget(uid) : fast(ctx),
  };
}

/** The pod is being deleted and `cg` (if any) is its own: delete the group, finalize once it is gone. */
export function planTerminating(pod: V1Pod, cg: ContainerGroup | undefined, ctx: PlanContext): PodPlan {
  const uid = pod.metadata?.uid ?? "";
  if (!cg) return { action: { kind: "finalize" }, next: forget(uid) };
  if (isDeleting(cg)) return { action: { kind: "none", outcome: "deleting" }, next: fast(ctx) };
  return {
    action: {
      kind: "delete-group",
      cgName: containerGroupName(ctx.ns, ctx.name),
      uid,
      why: "pod terminating",
      then: "finalize-if-gone",
      events: killingEvents(pod),
    },
    next: fast(ctx),
  };
}

/**
 * The kubelet records `Killing` / `Stopping container <name>` per container it stops. ACI stops a group's
 * containers without a grace period (docs/adr/0006-termination-grace-period.md), so the Events say so.
 */
function killingEvents(pod: V1Pod): KubeEventSpec[] {
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
