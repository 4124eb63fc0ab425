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
import { MAX_HOP, podKey, toMessage, type PodMessage, type PodMessageSender } from "../queue/message.js";

/** A pending check due within this window after the requested one still counts as "soon enough". */
const SLACK_MS = 1000;

export class FollowUpScheduler {
  private readonly pending = new Map<string, number>();
  /** Per pod (`ns/name`): the furthest re-send this instance made, while it may still be queued. */
  private readonly resent = new Map<string, ResendMark>();

  constructor(
    private readonly sender: PodMessageSender,
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
    current?: PodMessage,
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
  async defer(message: PodMessage, delaySeconds: number): Promise<boolean> {
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
 * How long after its due time a copy of the same chain still counts as on its way: a backlogged queue
 * delivers late (the chaos run's outage recovery saw tens of seconds). Past it, the copy is taken as lost
 * (dropped, or poisoned) and the chain's next copy is sent again.
 */
export const RESEND_GRACE_MS = 30_000;

/** What an instance remembers of the last re-send it made for a pod. */
export interface ResendMark {
  hop: number;
  /** The copy's chain: its reason and `at`, which every re-send keeps (a duplicate delivery has the same). */
  chain: string;
  /** Epoch ms when that copy becomes visible in the queue. */
  due: number;
  /** Epoch ms until which it counts as still queued (`due` + the grace). */
  until: number;
}

export type ResendDecision =
  { send: true; message: PodMessage; remember: ResendMark } | { send: false; hop: number };

/**
 * One re-send chain per pod per instance (docs/adr/0007-one-resend-chain-per-pod.md). Every re-send
 * carries `hop` = the handled message's hop + 1 and keeps the message's reason and `at` (its chain). A
 * message is handled as usual but not re-sent when:
 * - it belongs to the chain of this instance's last re-send for the pod, and gets no further than that copy
 *   (still queued: not past `until`): a duplicate delivery, or a copy of a branch this instance already
 *   continued. Hops only grow along a chain, so the real continuation, wherever it was handled, always gets
 *   further;
 * - it is another chain (the watcher's or the repair's message, another instance's follow-up), and this
 *   instance's copy is not visible yet and due no later than this one's would be: that copy is surely still
 *   queued, and whoever handles it looks at the pod first. Once it is due it may have been handled by
 *   another instance already, so another chain is never ended on its account.
 * Without this, each copy was deferred or retried again on its own: a copy duplicated at one hop was two
 * chains at the next, none ended, and the queue's backlog delayed every pod. Pure.
 */
export function planResend(
  mark: ResendMark | undefined,
  message: PodMessage,
  delaySeconds: number,
  now: number,
  graceMs: number = RESEND_GRACE_MS,
): ResendDecision {
  const hop = Math.min((message.hop ?? 0) + 1, MAX_HOP);
  const chain = chainOf(message);
  const due = now + Math.round(delaySeconds * 1000);
  if (mark) {
    if (mark.chain === chain && mark.hop >= hop && mark.until > now) return { send: false, hop: mark.hop };
    if (mark.chain !== chain && mark.due > now && mark.due <= due + SLACK_MS) {
      return { send: false, hop: mark.hop };
    }
  }
  return { send: true, message: { ...message, hop }, remember: { hop, chain, due, until: due + graceMs } };
}

function chainOf(message: PodMessage): string {
  return `${message.reason}@${message.at ?? ""}`;
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
