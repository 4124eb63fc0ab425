/**
 * The vocabulary of the pod reconciler's plan (`planPod.ts`): what it is given (`PlanContext`, the group as
 * read or `UNREAD`), and what it answers (`PodPlan`: one `PodAction` and the `Next` look). Types only, plus
 * the `UNREAD` marker, so the plan's parts (`planDelete.ts`, `planStatus.ts`) and the executor (`pod.ts`)
 * share them without importing each other.
 */
import type { ContainerGroup } from "@azure/arm-containerinstance";
import type { V1PodStatus } from "@kubernetes/client-node";
import type { EventName } from "../events/index.js";
import type { LogFields } from "../log.js";
import type { MessageReason } from "../queue/message.js";
import type { NodeSettings, KubeEventSpec } from "../translate/types.js";

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
      events?: KubeEventSpec[];
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
  | { kind: "patch-status"; status: V1PodStatus; events: KubeEventSpec[]; groupState: string | null };

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
