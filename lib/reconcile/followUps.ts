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
import { podKey, toMessage, type PodMessage, type PodMessageSender } from "../queue/message.js";

/** A pending check due within this window after the requested one still counts as "soon enough". */
const SLACK_MS = 1000;

export class FollowUpScheduler {
  private readonly pending = new Map<string, number>();

  constructor(
    private readonly sender: PodMessageSender,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 50_000,
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

  /** Re-sends a message later (throttling, Retry-After), outside the follow-up chain bookkeeping. */
  async defer(message: PodMessage, delaySeconds: number): Promise<void> {
    await this.sender.send(message, delaySeconds);
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
