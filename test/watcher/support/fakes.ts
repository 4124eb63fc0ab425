/** Small fakes for the watcher's unit tests: a manual clock, a recording sender, an in-memory Lease store. */
import { ConflictError, TransientError } from "../../../lib/errors.js";
import type { PodMessageSender } from "../../../lib/queue/message.js";
import type { PodMessage } from "../../../lib/queue/message.js";
import type { Clock } from "../../../lib/watcher/clock.js";
import type { LeaseRecord, LeaseStore, StoredLease } from "../../../lib/watcher/elector.js";
import type { PodApi, PodListPage, WatchRequest, WatchStatus } from "../../../lib/watcher/reflector.js";
import type { V1Pod } from "@kubernetes/client-node";

export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  constructor(start = Date.parse("2026-01-01T00:00:00Z")) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimer(ms: number, fn: () => void): () => void {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn });
    return () => this.timers.delete(id);
  }

  get pending(): number {
    return this.timers.size;
  }

  /** Advances time, firing due timers in order and letting promises settle between them. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers)
        if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      next[1].fn();
    }
    this.t = end;
    await settle();
  }
}

/** Lets queued promise callbacks run (several rounds: chains of awaits). */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

export class FakeSender implements PodMessageSender {
  readonly sent: PodMessage[] = [];
  /** Fail this many upcoming sends. */
  failNext = 0;
  /** Fail every send while true. */
  down = false;
  attempts = 0;

  async send(message: PodMessage): Promise<void> {
    this.attempts++;
    if (this.down || this.failNext > 0) {
      if (this.failNext > 0) this.failNext--;
      throw new TransientError("queue: 503", 503);
    }
    this.sent.push(message);
  }
}

/** A Lease store with resourceVersion semantics like the API server (409 on a stale version). */
export class MemoryLeaseStore implements LeaseStore {
  lease: StoredLease | undefined;
  private rv = 0;
  /** Make every call fail (API server unreachable). */
  down = false;
  calls: string[] = [];

  async get(): Promise<StoredLease | undefined> {
    this.calls.push("get");
    this.check();
    return this.lease ? { ...this.lease } : undefined;
  }

  async create(record: LeaseRecord): Promise<StoredLease> {
    this.calls.push("create");
    this.check();
    if (this.lease) throw new ConflictError("exists");
    this.lease = { ...record, resourceVersion: String(++this.rv) };
    return { ...this.lease };
  }

  async update(record: LeaseRecord, resourceVersion: string): Promise<StoredLease> {
    this.calls.push("update");
    this.check();
    if (!this.lease || this.lease.resourceVersion !== resourceVersion) throw new ConflictError("stale");
    this.lease = { ...record, resourceVersion: String(++this.rv) };
    return { ...this.lease };
  }

  private check(): void {
    if (this.down) throw new TransientError("kubernetes: 503", 503);
  }
}

export const pod = (
  name: string,
  rv: string,
  extra: Partial<V1Pod["spec"]> = {},
  uid = `uid-${name}`,
): V1Pod => ({
  metadata: { name, namespace: "ns", uid, resourceVersion: rv },
  spec: { nodeName: "vn", containers: [{ name: "c", image: "nginx" }], ...extra },
});

/** A scripted PodApi: the test sets the list, pushes watch events and ends watches. */
export class ScriptedApi implements PodApi {
  pods: V1Pod[] = [];
  listRv = "10";
  listFails = 0;
  lists: { continueToken?: string }[] = [];
  watches: {
    req: WatchRequest;
    onEvent: (t: string, o: V1Pod | WatchStatus) => void;
    onDone: (e: unknown) => void;
    aborted: boolean;
  }[] = [];

  async list(opts: { fieldSelector: string; limit: number; continueToken?: string }): Promise<PodListPage> {
    this.lists.push(opts.continueToken ? { continueToken: opts.continueToken } : {});
    if (this.listFails > 0) {
      this.listFails--;
      throw Object.assign(new Error("boom"), { statusCode: 500 });
    }
    const start = opts.continueToken ? Number(opts.continueToken) : 0;
    const size = opts.limit || this.pods.length || 1;
    const items = this.pods.slice(start, start + size);
    const next = start + size < this.pods.length ? String(start + size) : undefined;
    return next
      ? { items, resourceVersion: this.listRv, continueToken: next }
      : { items, resourceVersion: this.listRv };
  }

  async watch(
    req: WatchRequest,
    onEvent: (t: string, o: V1Pod | WatchStatus) => void,
    onDone: (e: unknown) => void,
  ) {
    const w = { req, onEvent, onDone, aborted: false };
    this.watches.push(w);
    return { abort: () => (w.aborted = true) };
  }

  get current() {
    return this.watches[this.watches.length - 1]!;
  }
}
