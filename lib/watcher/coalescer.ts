/**
 * Per-pod coalescing: changes of one pod within `windowMs` of its first pending change become one message
 * carrying the strongest reason seen (deleted > added > updated > resync > status) and the latest uid.
 * The window is fixed from the first change (not sliding), so a pod updated continuously still produces a
 * message every window instead of never.
 */
import { podKey, strongerReason, type PodChange } from "../queue/message.js";
import type { Clock } from "./clock.js";

interface Pending {
  change: PodChange;
  cancel: () => void;
}

export class Coalescer {
  private readonly pending = new Map<string, Pending>();

  /** `emit` receives each coalesced change; it must not throw. */
  constructor(
    private readonly windowMs: number,
    private readonly clock: Clock,
    private readonly emit: (change: PodChange) => void,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  push(change: PodChange): void {
    const key = podKey(change.ns, change.name);
    const existing = this.pending.get(key);
    if (existing) {
      existing.change = {
        ns: change.ns,
        name: change.name,
        uid: change.uid ?? existing.change.uid,
        reason: strongerReason(existing.change.reason, change.reason),
      };
      return;
    }
    if (this.windowMs <= 0) {
      this.emit(change);
      return;
    }
    const entry: Pending = { change, cancel: () => undefined };
    entry.cancel = this.clock.setTimer(this.windowMs, () => {
      this.pending.delete(key);
      this.emit(entry.change);
    });
    this.pending.set(key, entry);
  }

  /** Emits everything pending now (shutdown). */
  flushAll(): void {
    const entries = [...this.pending.values()];
    this.pending.clear();
    for (const e of entries) {
      e.cancel();
      this.emit(e.change);
    }
  }

  /** Forgets everything pending (lost leadership: the next leader resyncs). */
  clear(): void {
    for (const e of this.pending.values()) e.cancel();
    this.pending.clear();
  }
}
