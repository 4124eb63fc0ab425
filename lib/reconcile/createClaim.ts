/**
 * The bridge's own pod condition, `aci-bridge.io/ContainerGroup`, written with the status it patches before
 * a container group exists (docs/adr/0004-one-create-across-instances.md):
 * - `False` / `WaitingForReferences`: the pod waits for a Secret or ConfigMap; no group was ever created for
 *   it, so a look at it needs no ARM GET.
 * - `True` / `CreateClaimed`: an instance claimed the create. The claim is a status patch with the pod's
 *   resourceVersion as precondition, so of two instances that read the same pod only one can claim it; the
 *   other sees the claim and waits. A claim older than `CLAIM_TTL_MS` without a group is an instance that
 *   died between claim and PUT: another may claim again.
 * The condition disappears with the first status computed from the group. Pure.
 */
import type { V1PodCondition, V1PodStatus } from "@kubernetes/client-node";

export const BRIDGE_CONDITION = "aci-bridge.io/ContainerGroup";
export const REASON_WAITING_FOR_REFERENCES = "WaitingForReferences";
export const REASON_CREATE_CLAIMED = "CreateClaimed";

/**
 * How long a claim holds without a group. A PUT answers within a second or two, and the SDK never retries a
 * write (lib/aci/armClient.ts), so a claim this old without a group is a claimant whose PUT failed (it
 * re-enqueued the pod, and that copy may land on any instance) or that died. Short, because every pod
 * waiting on such a claim waits this long (the chaos run's outage recovery found 60 s too long).
 */
export const CLAIM_TTL_MS = 15_000;

export type BridgeMark =
  | { state: "waiting"; since: Date | undefined }
  | { state: "claimed"; holder: string; at: Date | undefined }
  | undefined;

const HOLDER = /^claimed by (\S+)/;

export function readMark(status: V1PodStatus | undefined): BridgeMark {
  const c = status?.conditions?.find((x) => x.type === BRIDGE_CONDITION);
  if (!c) return undefined;
  const at = c.lastTransitionTime ? new Date(c.lastTransitionTime) : undefined;
  if (c.reason === REASON_WAITING_FOR_REFERENCES) return { state: "waiting", since: at };
  if (c.reason === REASON_CREATE_CLAIMED) {
    return { state: "claimed", holder: HOLDER.exec(c.message ?? "")?.[1] ?? "", at };
  }
  return undefined;
}

/** Whether another instance holds a claim that has not expired. */
export function claimedElsewhere(mark: BridgeMark, instance: string, now: Date): boolean {
  if (mark?.state !== "claimed" || mark.holder === instance) return false;
  return mark.at !== undefined && now.getTime() - mark.at.getTime() < CLAIM_TTL_MS;
}

export function waitingCondition(
  current: V1PodStatus | undefined,
  now: Date,
  message: string,
): V1PodCondition {
  const previous = readMark(current);
  const since = previous?.state === "waiting" && previous.since ? previous.since : now;
  return {
    type: BRIDGE_CONDITION,
    status: "False",
    reason: REASON_WAITING_FOR_REFERENCES,
    message,
    lastTransitionTime: new Date(Math.floor(since.getTime() / 1000) * 1000),
  };
}

export function claimCondition(instance: string, containerGroup: string, now: Date): V1PodCondition {
  return {
    type: BRIDGE_CONDITION,
    status: "True",
    reason: REASON_CREATE_CLAIMED,
    message: `claimed by ${instance} to create container group ${containerGroup}`,
    lastTransitionTime: new Date(Math.floor(now.getTime() / 1000) * 1000),
  };
}
