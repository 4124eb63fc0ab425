/**
 * The watcher: one `PodReflector` per virtual node feeds a per-pod `Coalescer`, whose messages go to the
 * bounded `Outbox` — but only while this replica leads (`LeaderElector` on a Lease). A follower keeps its
 * watches and cache warm and sends nothing; on becoming leader it sends a `resync` for every cached pod, so
 * whatever happened during the hand-over is covered (messages are level-triggered: duplicates are harmless).
 *
 * Contract: `start()` once; `shutdown()` once (SIGTERM): stops watching, sends pending coalesced changes,
 * flushes the backlog within the grace period, releases the Lease so the peer takes over at once.
 */
import type { WatcherConfig } from "../config.js";
import type { Logger } from "../log.js";
import { toMessage, type PodChange, type PodMessageSender } from "../queue/message.js";
import { systemClock, type Clock } from "./clock.js";
import { Coalescer } from "./coalescer.js";
import { LeaderElector, type LeaseStore } from "./elector.js";
import type { HealthSource } from "./http.js";
import { watcherMetrics, type WatcherMetrics } from "./metrics.js";
import { Outbox } from "./outbox.js";
import type { PodRecord } from "./pods.js";
import { PodReflector, type PodApi } from "./reflector.js";

export type WatcherSettings = Omit<WatcherConfig, "queue" | "kubeconfigPath" | "httpPort" | "queueName">;

export interface WatcherDeps {
  config: WatcherSettings;
  podApi: PodApi;
  /** Required when `config.leaderElection.enabled`. */
  leaseStore?: LeaseStore;
  sender: PodMessageSender;
  logger: Logger;
  clock?: Clock;
  metrics?: WatcherMetrics;
  random?: () => number;
}

export interface ShutdownResult {
  /** True when the backlog was empty before the grace period ran out. */
  flushed: boolean;
  /** Messages left unsent (the reconcile timer repairs them). */
  unsent: number;
}

export class Watcher implements HealthSource {
  readonly metrics: WatcherMetrics;
  private readonly clock: Clock;
  private readonly reflectors: PodReflector[];
  private readonly coalescer: Coalescer;
  private readonly outbox: Outbox;
  private readonly elector: LeaderElector | undefined;
  private leader = false;
  private stopping = false;

  constructor(private readonly d: WatcherDeps) {
    const c = d.config;
    this.clock = d.clock ?? systemClock;
    this.metrics = d.metrics ?? watcherMetrics();
    this.outbox = new Outbox({
      sender: d.sender,
      maxSize: c.backlogMax,
      concurrency: c.sendConcurrency,
      retryBaseMs: c.sendRetryBaseMs,
      retryMaxMs: c.sendRetryMaxMs,
      clock: this.clock,
      logger: d.logger,
      metrics: this.metrics,
      ...(d.random ? { random: d.random } : {}),
    });
    this.coalescer = new Coalescer(c.coalesceMs, this.clock, (change) => this.emit(change));
    this.reflectors = c.nodeNames.map(
      (node) =>
        new PodReflector({
          node,
          api: d.podApi,
          clock: this.clock,
          logger: d.logger,
          metrics: this.metrics,
          retryBaseMs: c.watchRetryBaseMs,
          retryMaxMs: c.watchRetryMaxMs,
          idleMs: c.watchIdleSeconds * 1000,
          pageSize: c.listPageSize,
          ...(d.random ? { random: d.random } : {}),
          handler: {
            added: (pod) => this.push(pod, pod.deleting ? "deleted" : "added"),
            updated: (_before, after) => this.push(after, after.deleting ? "deleted" : "updated"),
            deleted: (pod) => this.push(pod, "deleted"),
            ignored: () => undefined,
          },
        }),
    );
    if (c.leaderElection.enabled) {
      if (!d.leaseStore) throw new Error("leader election is enabled but no lease store was given");
      const le = c.leaderElection;
      this.elector = new LeaderElector({
        store: d.leaseStore,
        identity: c.podName,
        leaseDurationMs: le.leaseDurationSeconds * 1000,
        renewPeriodMs: le.renewPeriodSeconds * 1000,
        renewDeadlineMs: le.renewDeadlineSeconds * 1000,
        retryPeriodMs: le.retryPeriodSeconds * 1000,
        clock: this.clock,
        logger: d.logger,
        onChange: (isLeader) => this.setLeader(isLeader),
      });
    }
  }

  get isLeader(): boolean {
    return this.leader;
  }

  /** Messages waiting to be sent. */
  get backlog(): number {
    return this.outbox.size;
  }

  start(): void {
    this.d.logger.info("watcher.started", {
      nodes: this.d.config.nodeNames,
      identity: this.d.config.podName,
      leaderElection: this.d.config.leaderElection.enabled,
    });
    for (const r of this.reflectors) r.start();
    if (this.elector) this.elector.start();
    else this.setLeader(true);
  }

  async shutdown(graceMs = this.d.config.shutdownGraceSeconds * 1000): Promise<ShutdownResult> {
    if (this.stopping) return { flushed: this.outbox.size === 0, unsent: this.outbox.size };
    this.stopping = true;
    const started = this.clock.now();
    this.d.logger.info("watcher.stopping", { backlog: this.outbox.size + this.coalescer.size, graceMs });
    for (const r of this.reflectors) r.stop();
    // Pending coalesced changes go out now rather than after their window.
    this.coalescer.flushAll();
    const flushed = this.leader
      ? await this.outbox.drain(Math.max(0, graceMs - (this.clock.now() - started)))
      : true;
    const unsent = this.outbox.size;
    // Release only after the flush: until then this replica is still the one sending.
    await this.elector?.stop({ release: true });
    this.outbox.clear();
    this.d.logger.info("watcher.stopped", { flushed, unsent, ms: this.clock.now() - started });
    return { flushed, unsent };
  }

  liveness(): string | undefined {
    return undefined;
  }

  readiness(): string[] {
    const problems: string[] = [];
    for (const r of this.reflectors)
      if (!r.hasSynced) problems.push(`watch for node ${r.node} has not synced`);
    if (this.leader && !this.outbox.healthy) problems.push("queue sends are failing");
    if (this.stopping) problems.push("shutting down");
    return problems;
  }

  metricsText(): string {
    return this.metrics.registry.render();
  }

  private push(pod: PodRecord, reason: PodChange["reason"]): void {
    if (!this.leader) return;
    this.coalescer.push({ ns: pod.ns, name: pod.name, uid: pod.uid || undefined, reason });
  }

  private emit(change: PodChange): void {
    if (!this.leader) return;
    this.outbox.add(toMessage(change, new Date(this.clock.now())));
  }

  private setLeader(isLeader: boolean): void {
    this.leader = isLeader;
    this.metrics.leader.set(isLeader ? 1 : 0);
    if (!isLeader) {
      // The next leader resyncs everything; keeping our backlog would only send duplicates later.
      this.coalescer.clear();
      this.outbox.clear();
      return;
    }
    let pods = 0;
    for (const r of this.reflectors) {
      for (const pod of r.records()) {
        pods++;
        this.outbox.add(
          toMessage(
            { ns: pod.ns, name: pod.name, uid: pod.uid || undefined, reason: "resync" },
            new Date(this.clock.now()),
          ),
        );
      }
    }
    this.d.logger.info("watcher.resync", { pods });
  }
}
