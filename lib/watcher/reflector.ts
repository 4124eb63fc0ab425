/**
 * List-then-watch of the pods bound to one node (`fieldSelector spec.nodeName=<node>`, all namespaces), with
 * a small cache of `PodRecord`s and the recovery rules a long-running watch needs:
 *
 * - the watch ends normally (server timeout) → watch again from the last resourceVersion;
 * - 410 Gone (HTTP status or an ERROR event) → relist, diff the list against the cache (adds, updates and the
 *   deletes missed meanwhile), then watch from the list's resourceVersion;
 * - any other error (500, connection refused, a failed list) → retry with exponential backoff and jitter;
 * - no event or bookmark for `idleMs` → the watch is presumed hung (client-node #596/#2432) and restarted.
 *
 * Why not client-node's `ListWatch`: it cannot ask for bookmarks (it builds the query itself), cannot set a
 * server-side `timeoutSeconds`, stops for good after a non-410 error, and restarting it after `stop()`
 * races with the aborted request's late `done` callback. This class makes the same calls through
 * the `PodApi` port (see `kube.ts`) and owns the restart logic, with a generation counter so callbacks from
 * a superseded request are ignored.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { ensureError } from "../errors.js";
import type { Logger } from "../log.js";
import { backoffMs, type Clock } from "./clock.js";
import type { WatcherMetrics } from "./metrics.js";
import { changeMatters, podRecord, recordKey, type PodRecord } from "./pods.js";

export interface PodListPage {
  items: V1Pod[];
  resourceVersion: string;
  /** Set when more pages follow. */
  continueToken?: string;
}

export interface WatchRequest {
  fieldSelector: string;
  resourceVersion: string;
  timeoutSeconds: number;
}

/** The Kubernetes calls the reflector makes (adapter: `kube.ts`; tests may pass a fake). */
export interface PodApi {
  /** One page of `GET /api/v1/pods?fieldSelector=…&limit=…&continue=…`. Errors carry `statusCode`. */
  list(opts: { fieldSelector: string; limit: number; continueToken?: string }): Promise<PodListPage>;
  /**
   * Starts `GET /api/v1/pods?watch=true&allowWatchBookmarks=true&…`. `onEvent` gets each event with the object
   * deserialized like a list item (so both compare equal); `onDone` is called once when the stream ends
   * (`null`) or fails (an error with `statusCode` when the server answered).
   */
  watch(
    req: WatchRequest,
    onEvent: (type: string, object: V1Pod | WatchStatus) => void,
    onDone: (error: unknown) => void,
  ): Promise<{ abort(): void }>;
}

/** The object of a watch `ERROR` event (a `metav1.Status`). */
export interface WatchStatus {
  kind?: string;
  code?: number;
  reason?: string;
  message?: string;
}

export interface ReflectorHandler {
  added(pod: PodRecord): void;
  /** Called only when `changeMatters(before, after)`. */
  updated(before: PodRecord, after: PodRecord): void;
  deleted(pod: PodRecord): void;
  /** An update that did not matter (status-only). */
  ignored(pod: PodRecord): void;
}

export interface ReflectorOptions {
  node: string;
  api: PodApi;
  handler: ReflectorHandler;
  clock: Clock;
  logger: Logger;
  metrics: WatcherMetrics;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Watchdog: no event or bookmark for this long → restart the watch. */
  idleMs: number;
  pageSize: number;
  random?: () => number;
}

type RestartCause = "closed" | "error" | "gone" | "watchdog";

export class PodReflector {
  private readonly cache = new Map<string, PodRecord>();
  private resourceVersion = "";
  private generation = 0;
  private failures = 0;
  private running = false;
  private synced = false;
  private abortWatch: (() => void) | undefined;
  private cancelTimer: (() => void) | undefined;
  private cancelWatchdog: (() => void) | undefined;
  private readonly fieldSelector: string;

  constructor(private readonly o: ReflectorOptions) {
    this.fieldSelector = `spec.nodeName=${o.node}`;
  }

  get node(): string {
    return this.o.node;
  }

  /** True once the first list has been loaded into the cache. */
  get hasSynced(): boolean {
    return this.synced;
  }

  /** The pods currently known (for a leader's resync). */
  records(): IterableIterator<PodRecord> {
    return this.cache.values();
  }

  get size(): number {
    return this.cache.size;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.run(++this.generation);
  }

  stop(): void {
    this.running = false;
    this.generation++;
    this.clearTimers();
    this.abortCurrent();
  }

  private async run(gen: number): Promise<void> {
    // The watchdog also covers a list that never answers.
    this.armWatchdog(gen);
    try {
      if (!this.resourceVersion) await this.relist(gen);
      if (gen !== this.generation) return;
      await this.startWatch(gen);
    } catch (error) {
      if (gen !== this.generation) return;
      this.fail(gen, error, "list");
    }
  }

  private async relist(gen: number): Promise<void> {
    // Pages are reduced to small records as they arrive, so a 5,000-pod list never holds 5,000 full pods.
    const listed = new Map<string, PodRecord>();
    let continueToken: string | undefined;
    let resourceVersion = "";
    do {
      const page = await this.o.api.list({
        fieldSelector: this.fieldSelector,
        limit: this.o.pageSize,
        ...(continueToken ? { continueToken } : {}),
      });
      if (gen !== this.generation) return;
      for (const pod of page.items) {
        const record = podRecord(pod);
        listed.set(recordKey(record), record);
      }
      resourceVersion = page.resourceVersion;
      continueToken = page.continueToken;
    } while (continueToken);

    let added = 0;
    let updated = 0;
    let deleted = 0;
    for (const [key, record] of listed) {
      const before = this.cache.get(key);
      this.cache.set(key, record);
      if (!before) {
        added++;
        this.o.handler.added(record);
      } else if (changeMatters(before, record)) {
        updated++;
        this.o.handler.updated(before, record);
      }
    }
    for (const [key, record] of this.cache) {
      if (listed.has(key)) continue;
      this.cache.delete(key);
      deleted++;
      this.o.handler.deleted(record);
    }
    this.resourceVersion = resourceVersion;
    this.failures = 0;
    this.o.metrics.pods.set(this.cache.size, { node: this.o.node });
    this.o.logger.info("watcher.watch.listed", {
      node: this.o.node,
      pods: this.cache.size,
      added,
      updated,
      deleted,
      resourceVersion,
      initial: !this.synced,
    });
    this.synced = true;
  }

  private async startWatch(gen: number): Promise<void> {
    const startedAt = this.o.clock.now();
    let received = 0;
    this.armWatchdog(gen);
    // Server-side timeout a little below the watchdog, jittered so replicas and nodes do not re-watch together.
    const timeoutSeconds = Math.max(
      1,
      Math.floor((this.o.idleMs / 1000) * (0.5 + 0.3 * (this.o.random ?? Math.random)())),
    );
    const onEvent = (type: string, object: V1Pod | WatchStatus) => {
      if (gen !== this.generation) return;
      received++;
      this.armWatchdog(gen);
      this.onWatchEvent(gen, type, object);
    };
    const onDone = (error: unknown) => {
      if (gen !== this.generation) return;
      if (error) {
        this.fail(gen, error, "watch");
        return;
      }
      // A stream that closes at once with nothing in it, again and again, must not become a busy loop.
      const quick = received === 0 && this.o.clock.now() - startedAt < 1_000;
      if (quick) this.failures++;
      else this.failures = 0;
      this.restart("closed", quick ? this.delay() : 0);
    };
    const handle = await this.o.api.watch(
      { fieldSelector: this.fieldSelector, resourceVersion: this.resourceVersion, timeoutSeconds },
      onEvent,
      onDone,
    );
    if (gen !== this.generation) {
      // Superseded (watchdog or stop) while the request was being set up.
      handle.abort();
      return;
    }
    this.abortWatch = () => handle.abort();
  }

  private onWatchEvent(gen: number, type: string, object: V1Pod | WatchStatus): void {
    if (type === "ERROR") {
      const status = object as WatchStatus;
      if (status.code === 410) {
        this.resourceVersion = "";
        this.restart("gone", 0);
      } else {
        this.fail(
          gen,
          Object.assign(new Error(status.message ?? "watch error event"), { statusCode: status.code }),
          "watch",
        );
      }
      return;
    }
    const pod = object as V1Pod;
    const rv = pod.metadata?.resourceVersion;
    if (type === "BOOKMARK") {
      if (rv) this.resourceVersion = rv;
      return;
    }
    this.failures = 0;
    const record = podRecord(pod);
    const key = recordKey(record);
    const before = this.cache.get(key);
    if (type === "ADDED" || type === "MODIFIED") {
      this.o.metrics.events.inc({ node: this.o.node, type: before ? "update" : "add" });
      this.cache.set(key, record);
      if (!before) this.o.handler.added(record);
      else if (changeMatters(before, record)) this.o.handler.updated(before, record);
      else {
        this.o.metrics.ignored.inc({ node: this.o.node });
        this.o.handler.ignored(record);
      }
    } else if (type === "DELETED") {
      this.o.metrics.events.inc({ node: this.o.node, type: "delete" });
      this.cache.delete(key);
      // Deliver a delete even for a pod the cache missed: the message is harmless and may clean up a group.
      this.o.handler.deleted(before ?? record);
    }
    if (rv) this.resourceVersion = rv;
    this.o.metrics.pods.set(this.cache.size, { node: this.o.node });
  }

  private fail(gen: number, error: unknown, during: "list" | "watch"): void {
    if (gen !== this.generation) return;
    const status =
      (error as { statusCode?: number; code?: number } | undefined)?.statusCode ??
      (error as { code?: unknown } | undefined)?.code;
    if (status === 410) {
      this.resourceVersion = "";
      this.restart("gone", 0);
      return;
    }
    this.failures++;
    const delay = this.delay();
    this.o.logger.warn("watcher.watch.failed", {
      node: this.o.node,
      during,
      status: typeof status === "number" ? status : undefined,
      error: ensureError(error).message,
      attempt: this.failures,
      retryInMs: delay,
    });
    this.restart("error", delay);
  }

  private delay(): number {
    return backoffMs(this.failures, this.o.retryBaseMs, this.o.retryMaxMs, this.o.random);
  }

  private restart(cause: RestartCause, delayMs: number): void {
    if (!this.running) return;
    const gen = ++this.generation;
    this.clearTimers();
    this.abortCurrent();
    this.o.metrics.watchRestarts.inc({ node: this.o.node, cause });
    if (cause !== "closed") {
      this.o.logger.info("watcher.watch.restarting", {
        node: this.o.node,
        cause,
        delayMs,
        relist: !this.resourceVersion,
      });
    }
    const go = () => {
      this.cancelTimer = undefined;
      if (gen === this.generation && this.running) void this.run(gen);
    };
    if (delayMs <= 0) go();
    else this.cancelTimer = this.o.clock.setTimer(delayMs, go);
  }

  private armWatchdog(gen: number): void {
    this.cancelWatchdog?.();
    this.cancelWatchdog = this.o.clock.setTimer(this.o.idleMs, () => {
      if (gen !== this.generation) return;
      this.o.logger.warn("watcher.watch.stalled", { node: this.o.node, idleMs: this.o.idleMs });
      this.restart("watchdog", 0);
    });
  }

  private clearTimers(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.cancelWatchdog?.();
    this.cancelWatchdog = undefined;
  }

  private abortCurrent(): void {
    const abort = this.abortWatch;
    this.abortWatch = undefined;
    try {
      abort?.();
    } catch {
      // Aborting a finished request may throw in some transports; there is nothing left to clean up.
    }
  }
}
