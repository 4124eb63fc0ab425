/**
 * The bounded backlog between the watch and the queue. Messages are keyed by pod, so a pod waiting in the
 * backlog is sent once with the strongest reason; at most `maxSize` pods wait. When the queue is down the
 * outbox retries with exponential backoff and jitter; when it is full the oldest message is dropped, logged
 * and counted — safe because the reconcile timer re-enqueues pods whose container group is missing or stale.
 * Memory stays bounded whatever the outage.
 */
import { ensureError } from "../errors.js";
import type { Logger } from "../log.js";
import { podKey, strongerReason, type PodMessage, type PodMessageSender } from "../queue/message.js";
import { backoffMs, type Clock } from "./clock.js";
import type { WatcherMetrics } from "./metrics.js";

export interface OutboxOptions {
  sender: PodMessageSender;
  maxSize: number;
  concurrency: number;
  retryBaseMs: number;
  retryMaxMs: number;
  clock: Clock;
  logger: Logger;
  metrics: WatcherMetrics;
  random?: () => number;
}

export class Outbox {
  /** Ordered by `seq` (first enqueue): the first key is the oldest message. */
  private waiting = new Map<string, { message: PodMessage; seq: number }>();
  private seq = 0;
  private inFlight = 0;
  private consecutiveFailures = 0;
  private retryAt = 0;
  private cancelRetry: (() => void) | undefined;
  private readonly idleWaiters = new Set<() => void>();
  private outageLogged = false;
  private draining = false;

  constructor(private readonly o: OutboxOptions) {}

  /** Messages waiting or being sent. */
  get size(): number {
    return this.waiting.size + this.inFlight;
  }

  /** False while sends are failing (the last attempt failed); true after any success or before any send. */
  get healthy(): boolean {
    return this.consecutiveFailures === 0;
  }

  add(message: PodMessage): void {
    this.put(podKey(message.ns, message.name), message, ++this.seq);
    this.updateGauge();
    this.pump();
  }

  /** Forgets everything waiting (lost leadership). Sends in flight finish on their own. */
  clear(): void {
    this.waiting.clear();
    this.updateGauge();
    this.notifyIfIdle();
  }

  /**
   * Resolves true once nothing is waiting or in flight, false when `timeoutMs` passes first. Retries during
   * the wait are not delayed beyond the deadline: a pending backoff is cut short so the flush tries again.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.size === 0) return true;
    this.draining = true;
    if (this.cancelRetry) {
      this.cancelRetry();
      this.cancelRetry = undefined;
      this.retryAt = 0;
      this.pump();
    }
    return new Promise<boolean>((resolve) => {
      const done = (ok: boolean) => {
        cancel();
        this.idleWaiters.delete(onIdle);
        resolve(ok);
      };
      const onIdle = () => done(true);
      const cancel = this.o.clock.setTimer(timeoutMs, () => done(this.size === 0));
      this.idleWaiters.add(onIdle);
    });
  }

  /** Adds or merges (strongest reason, newest fields) and enforces the bound. */
  private put(key: string, message: PodMessage, seq: number): void {
    const existing = this.waiting.get(key);
    if (existing) {
      existing.message = { ...message, reason: strongerReason(existing.message.reason, message.reason) };
      existing.seq = Math.min(existing.seq, seq);
      return;
    }
    const first = this.waiting.values().next();
    this.waiting.set(key, { message, seq });
    if (!first.done && seq < first.value.seq) {
      // A failed send going back: restore age order so "drop oldest" stays true (rare: once per failure).
      this.waiting = new Map([...this.waiting].sort((a, b) => a[1].seq - b[1].seq));
    }
    while (this.waiting.size > this.o.maxSize) this.dropOldest();
  }

  private dropOldest(): void {
    const oldest = this.waiting.keys().next();
    if (oldest.done) return;
    const message = this.waiting.get(oldest.value)?.message;
    this.waiting.delete(oldest.value);
    this.o.metrics.dropped.inc();
    this.o.logger.warn("watcher.backlog.dropped", {
      pod: oldest.value,
      reason: message?.reason,
      backlogMax: this.o.maxSize,
    });
  }

  private pump(): void {
    while (this.inFlight < this.o.concurrency && this.waiting.size > 0) {
      if (this.retryAt > this.o.clock.now()) return;
      // While failing, probe with one message at a time instead of hammering the queue with all of them.
      if (this.consecutiveFailures > 0 && this.inFlight > 0) return;
      const [key, entry] = this.waiting.entries().next().value as [
        string,
        { message: PodMessage; seq: number },
      ];
      this.waiting.delete(key);
      this.inFlight++;
      void this.sendOne(key, entry.message, entry.seq);
    }
  }

  private async sendOne(key: string, message: PodMessage, seq: number): Promise<void> {
    try {
      await this.o.sender.send(message);
      this.o.metrics.sent.inc({ reason: message.reason });
      if (this.consecutiveFailures > 0 || this.outageLogged) {
        this.o.logger.info("watcher.queue.recovered", {
          failures: this.consecutiveFailures,
          backlog: this.size - 1,
        });
        this.outageLogged = false;
      }
      this.consecutiveFailures = 0;
    } catch (error) {
      this.consecutiveFailures++;
      this.o.metrics.sendFailures.inc();
      // Put it back in its age position; a newer message for the same pod that arrived meanwhile merges.
      const newer = this.waiting.get(key);
      this.put(
        key,
        newer ? { ...newer.message, reason: strongerReason(message.reason, newer.message.reason) } : message,
        seq,
      );
      // While draining for shutdown, retry at least every second: the grace period is short.
      const maxMs = this.draining ? Math.min(this.o.retryMaxMs, 1_000) : this.o.retryMaxMs;
      const delay = backoffMs(
        this.consecutiveFailures,
        Math.min(this.o.retryBaseMs, maxMs),
        maxMs,
        this.o.random,
      );
      const fields = {
        pod: key,
        attempt: this.consecutiveFailures,
        retryInMs: delay,
        backlog: this.waiting.size,
        error: ensureError(error).message,
      };
      // One warning per outage, then errors only every 10th attempt: a long outage must not flood the log.
      if (!this.outageLogged) {
        this.o.logger.warn("watcher.queue.send.failed", fields);
        this.outageLogged = true;
      } else if (this.consecutiveFailures % 10 === 0) {
        this.o.logger.error("watcher.queue.unavailable", fields);
      }
      this.scheduleRetry(delay);
    } finally {
      this.inFlight--;
      this.updateGauge();
      this.pump();
      this.notifyIfIdle();
    }
  }

  private scheduleRetry(delay: number): void {
    this.cancelRetry?.();
    this.retryAt = this.o.clock.now() + delay;
    this.cancelRetry = this.o.clock.setTimer(delay, () => {
      this.cancelRetry = undefined;
      this.retryAt = 0;
      this.pump();
    });
  }

  private updateGauge(): void {
    this.o.metrics.backlog.set(this.size);
  }

  private notifyIfIdle(): void {
    if (this.size !== 0) return;
    for (const w of [...this.idleWaiters]) w();
  }
}
