/**
 * Follow-up status checks without a global poll (docs/adr/0001-follow-up-status-checks.md). After handling a pod that is not
 * final, the bridge enqueues a `status` message for it with a visibility delay. Duplicated or concurrent
 * deliveries would each start a chain of follow-ups that never ends, so the scheduler remembers, per pod
 * incarnation, when its next check is due, and:
 * - does not schedule another check while one is pending that fires no later than the new one would;
 * - lets a `status` message continue the chain only if it *is* the pending check (its `at` is the due time).
 * A duplicate chain therefore dies at its next hop. The memory is per Function instance: with K instances a
 * pod has at most K live chains (one per instance that handled it), never a growing number.
 */
import { MAX_HOP, podKey, toMessage, type PodEventMessage, type PodEventSender } from "../queue/message.js";

/** A pending check due within this window after the requested one still counts as "soon enough". */
const SLACK_MS = 1000;

export class FollowUpScheduler {
  private readonly pending = new Map<string, number>();
  /** Per pod (`ns/name`): the furthest re-send this instance made, while it may still be queued. */
  private readonly resent = new Map<string, ResendMark>();

  constructor(
    private readonly sender: PodEventSender,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 50_000,
    private readonly resendGraceMs = RESEND_GRACE_MS,
  ) {}

  /**
   * Enqueues a `status` check for the pod after `delaySeconds`, unless an equal-or-sooner one is already
   * pending. `current` is the message being handled, if it is itself a follow-up.
   * Returns whether a message was sent.
   */
  async schedule(
    pod: { ns: string; name: string; uid: string },
    delaySeconds: number,
    current?: PodEventMessage,
  ): Promise<boolean> {
    const key = keyOf(pod);
    const now = this.now();
    const due = now + Math.round(delaySeconds * 1000);
    const existing = this.pending.get(key);
    const currentIsPending =
      current?.reason === "status" && current.at !== undefined && Date.parse(current.at) === existing;
    if (existing !== undefined && existing > now && existing <= due + SLACK_MS && !currentIsPending) {
      return false;
    }
    if (current?.reason === "status" && existing !== undefined && existing > now && !currentIsPending) {
      // A stray follow-up of a chain this instance has replaced: let it end here.
      return false;
    }
    await this.sender.send(
      toMessage({ ns: pod.ns, name: pod.name, uid: pod.uid, reason: "status" }, new Date(due)),
      delaySeconds,
    );
    this.remember(key, due);
    return true;
  }

  /** Whether this instance has a follow-up check for the pod due in the future (its chain is alive). */
  hasPending(pod: { ns: string; name: string; uid: string }): boolean {
    const due = this.pending.get(keyOf(pod));
    return due !== undefined && due > this.now();
  }

  /** Forget a pod (final, deleted): no chain continues for it. */
  forget(pod: { ns: string; name: string; uid?: string }): void {
    if (pod.uid) this.pending.delete(keyOf({ ...pod, uid: pod.uid }));
  }

  /**
   * Re-sends a message later — a throttling deferral (Retry-After, the create gate) or a transient-error
   * retry (ADR 0005) — outside the follow-up chain bookkeeping, unless this instance already re-sent a
   * further-along copy for the pod that is still on its way (`planResend`). Returns whether it was sent.
   */
  async defer(message: PodEventMessage, delaySeconds: number): Promise<boolean> {
    const key = podKey(message.ns, message.name);
    const now = this.now();
    const decision = planResend(this.resent.get(key), message, delaySeconds, now, this.resendGraceMs);
    if (!decision.send) return false;
    await this.sender.send(decision.message, delaySeconds);
    this.resent.delete(key);
    this.resent.set(key, decision.remember);
    if (this.resent.size > this.maxEntries) {
      const oldest = this.resent.keys().next().value;
      if (oldest !== undefined) this.resent.delete(oldest);
    }
    return true;
  }

  get size(): number {
    return this.pending.size;
  }

  private remember(key: string, due: number): void {
    this.pending.delete(key);
    this.pending.set(key, due);
    if (this.pending.size > this.maxEntries) {
      // Oldest insertion first (Map keeps order): drop expired-first is not worth the scan.
      const oldest = this.pending.keys().next().value;
      if (oldest !== undefined) this.pending.delete(oldest);
    }
  }
}

/**
 * How long after its due time a re-send still counts as on its way: a backlogged queue delivers late (the
 * chaos run's outage recovery saw tens of seconds), and until then a younger copy for the pod is redundant.
 * Past it, the copy is taken as lost (dropped, or poisoned) and the next one is sent: a wrong guess costs a
 * pod at most this long of re-sends, while every message still delivered for it is handled.
 */
export const RESEND_GRACE_MS = 30_000;

/** What an instance remembers of the last re-send it made for a pod. */
export interface ResendMark {
  hop: number;
  /** Epoch ms until which that copy counts as still queued (its due time + the grace). */
  until: number;
}

export type ResendDecision =
  { send: true; message: PodEventMessage; remember: ResendMark } | { send: false; hop: number };

/**
 * One re-send chain per pod per instance (docs/adr/0007-one-resend-chain-per-pod.md). Every re-send
 * carries `hop` = the handled message's hop + 1, so a pod's chains are ordered by how far along they are.
 * A message whose re-send would not get further than the one this instance already sent for the pod (still
 * queued: not past `until`) is not re-sent: it is a duplicate delivery, a copy of a chain this instance
 * already continued, or a younger chain (the watcher's or the repair's message handled while an older
 * chain waits). Without this, each of them backed off on its own, and a pod gathered more messages at each
 * hop (duplicated deliveries fork chains, none ends) until the queue's backlog delayed every pod.
 * Across instances nothing is shared: a chain handed to another instance continues there (its memory has
 * no further hop), and two chains of one pod merge whenever both reach the same instance. Pure.
 */
export function planResend(
  mark: ResendMark | undefined,
  message: PodEventMessage,
  delaySeconds: number,
  now: number,
  graceMs: number = RESEND_GRACE_MS,
): ResendDecision {
  const hop = Math.min((message.hop ?? 0) + 1, MAX_HOP);
  if (mark && mark.until > now && mark.hop >= hop) return { send: false, hop: mark.hop };
  return {
    send: true,
    message: { ...message, hop },
    remember: { hop, until: now + Math.round(delaySeconds * 1000) + graceMs },
  };
}

function keyOf(pod: { ns: string; name: string; uid: string }): string {
  return `${podKey(pod.ns, pod.name)}/${pod.uid}`;
}

/**
 * Per-instance memory of ARM throttling: after a 429 with Retry-After, creates wait (re-enqueued with the
 * remaining delay) instead of hammering ARM until the window passes.
 */
export class ThrottleGate {
  private until = 0;

  constructor(private readonly now: () => number = Date.now) {}

  block(ms: number): void {
    this.until = Math.max(this.until, this.now() + ms);
  }

  /** Milliseconds still to wait (0 when open). */
  remainingMs(): number {
    return Math.max(0, this.until - this.now());
  }
}
