/**
 * Per-pod coalescing: events for one pod within `windowMs` of its first pending event become one message
 * carrying the strongest reason seen (deleted > added > updated > resync > status) and the latest uid.
 * The window is fixed from the first event (not sliding), so a pod updated continuously still produces a
 * message every window instead of never.
 */
import { podKey, strongerReason, type PodEvent } from "../queue/message.js";
import type { Clock } from "./clock.js";

interface Pending {
  event: PodEvent;
  cancel: () => void;
}

export class Coalescer {
  private readonly pending = new Map<string, Pending>();

  /** `emit` receives each coalesced event; it must not throw. */
  constructor(
    private readonly windowMs: number,
    private readonly clock: Clock,
    private readonly emit: (event: PodEvent) => void,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  push(event: PodEvent): void {
    const key = podKey(event.ns, event.name);
    const existing = this.pending.get(key);
    if (existing) {
      existing.event = {
        ns: event.ns,
        name: event.name,
        uid: event.uid ?? existing.event.uid,
        reason: strongerReason(existing.event.reason, event.reason),
      };
      return;
    }
    if (this.windowMs <= 0) {
      this.emit(event);
      return;
    }
    const entry: Pending = { event, cancel: () => undefined };
    entry.cancel = this.clock.setTimer(this.windowMs, () => {
      this.pending.delete(key);
      this.emit(entry.event);
    });
    this.pending.set(key, entry);
  }

  /** Emits everything pending now (shutdown). */
  flushAll(): void {
    const entries = [...this.pending.values()];
    this.pending.clear();
    for (const e of entries) {
      e.cancel();
      this.emit(e.event);
    }
  }

  /** Forgets everything pending (lost leadership: the next leader resyncs). */
  clear(): void {
    for (const e of this.pending.values()) e.cancel();
    this.pending.clear();
  }
}
