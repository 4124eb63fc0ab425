/**
 * Leader election on a `coordination.k8s.io/v1` Lease, so two replicas send each message once. client-node has
 * no elector; this is the client-go algorithm in small:
 *
 * - every `retryPeriod` a follower reads the Lease; it takes it when it is free (no holder — a leader released
 *   it on shutdown) or expired. "Expired" uses the local time at which this replica last saw the record
 *   change, plus `leaseDurationSeconds`, never the holder's timestamps, so clock skew between nodes does
 *   not matter;
 * - the leader renews every `renewPeriod`; if it could not renew for `renewDeadline` (< lease duration) it
 *   steps down before anyone else can take over, so two leaders never overlap in the steady state;
 * - every write is a create or an update carrying the resourceVersion that was read: a concurrent writer
 *   gets 409 and loses the round;
 * - `stop({release: true})` writes an empty holder so the other replica takes over at its next retry.
 *
 * API calls (RBAC in the chart must match exactly): leases get, create, update in the watcher's namespace.
 */
import { ConflictError, ensureError } from "../errors.js";
import type { Logger } from "../log.js";
import type { Clock } from "./clock.js";

export interface LeaseRecord {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: Date;
  renewTime?: Date;
  leaseTransitions?: number;
}

export interface StoredLease extends LeaseRecord {
  resourceVersion: string;
}

/** The three calls the elector makes (adapter: `kube.ts`). */
export interface LeaseStore {
  /** `undefined` when the Lease does not exist. */
  get(): Promise<StoredLease | undefined>;
  /** Throws `ConflictError` when it already exists. */
  create(record: LeaseRecord): Promise<StoredLease>;
  /** Replace conditional on `resourceVersion`; throws `ConflictError` when it changed. */
  update(record: LeaseRecord, resourceVersion: string): Promise<StoredLease>;
}

export interface ElectorOptions {
  store: LeaseStore;
  identity: string;
  leaseDurationMs: number;
  renewPeriodMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  clock: Clock;
  logger: Logger;
  onChange(isLeader: boolean): void;
}

export class LeaderElector {
  private leader = false;
  private running = false;
  private cancelTimer: (() => void) | undefined;
  private lastRenew = 0;
  private observed: { holder: string; renew: number; rv: string } | undefined;
  private observedAt = 0;
  /** Serializes rounds with stop(): a release must not interleave with a renew. */
  private round: Promise<void> = Promise.resolve();

  constructor(private readonly o: ElectorOptions) {}

  get isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stops campaigning; with `release`, gives the Lease up if held so a peer takes over at once. */
  async stop(options: { release: boolean } = { release: true }): Promise<void> {
    this.running = false;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    await this.round;
    if (!this.leader) return;
    this.setLeader(false);
    if (!options.release) return;
    try {
      const current = await this.o.store.get();
      if (current?.holderIdentity === this.o.identity) {
        const now = new Date(this.o.clock.now());
        await this.o.store.update(
          {
            holderIdentity: "",
            leaseDurationSeconds: 1,
            acquireTime: now,
            renewTime: now,
            leaseTransitions: current.leaseTransitions ?? 0,
          },
          current.resourceVersion,
        );
        this.o.logger.info("watcher.leader.released", { identity: this.o.identity });
      }
    } catch (error) {
      // The Lease then simply expires; the peer takes over within the lease duration.
      this.o.logger.warn("watcher.leader.error", {
        identity: this.o.identity,
        during: "release",
        error: ensureError(error).message,
      });
    }
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    this.cancelTimer = this.o.clock.setTimer(ms, () => {
      this.cancelTimer = undefined;
      // A leader whose renew just failed retries at the (shorter) retry period until its deadline.
      this.round = this.tryAcquireOrRenew().then(
        (held) => this.schedule(held ? this.o.renewPeriodMs : this.o.retryPeriodMs),
        () => this.schedule(this.o.retryPeriodMs),
      );
    });
  }

  /** One round; true when this replica holds a freshly written Lease. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    if (!this.running) return false;
    const now = this.o.clock.now();
    try {
      const current = await this.o.store.get();
      if (!this.running) return false;
      if (!current) {
        await this.o.store.create(this.record(undefined, now));
        this.renewed(now, true);
        return true;
      }
      this.observe(current, now);
      const holder = current.holderIdentity ?? "";
      if (holder === this.o.identity) {
        await this.o.store.update(this.record(current, now), current.resourceVersion);
        this.renewed(now, false);
        return true;
      }
      const durationMs = (current.leaseDurationSeconds ?? this.o.leaseDurationMs / 1000) * 1000;
      const expired = holder === "" || this.observedAt + durationMs <= now;
      if (!expired) {
        this.notLeader(now);
        return false;
      }
      await this.o.store.update(this.record(current, now), current.resourceVersion);
      this.renewed(now, true);
      return true;
    } catch (error) {
      if (!(error instanceof ConflictError)) {
        this.o.logger.warn("watcher.leader.error", {
          identity: this.o.identity,
          during: "renew",
          error: ensureError(error).message,
        });
      }
      // A conflict means someone else wrote first: not ours this round.
      this.notLeader(now);
      return false;
    }
  }

  private record(current: StoredLease | undefined, now: number): LeaseRecord {
    const mine = current?.holderIdentity === this.o.identity;
    const at = new Date(now);
    return {
      holderIdentity: this.o.identity,
      leaseDurationSeconds: Math.round(this.o.leaseDurationMs / 1000),
      acquireTime: mine && current?.acquireTime ? current.acquireTime : at,
      renewTime: at,
      leaseTransitions: (current?.leaseTransitions ?? 0) + (current && !mine ? 1 : 0),
    };
  }

  private observe(lease: StoredLease, now: number): void {
    const seen = {
      holder: lease.holderIdentity ?? "",
      renew: lease.renewTime?.getTime() ?? 0,
      rv: lease.resourceVersion,
    };
    if (!this.observed || this.observed.holder !== seen.holder || this.observed.renew !== seen.renew) {
      this.observed = seen;
      this.observedAt = now;
    }
  }

  private renewed(now: number, acquired: boolean): void {
    this.lastRenew = now;
    if (acquired && !this.leader) {
      this.o.logger.info("watcher.leader.acquired", { identity: this.o.identity });
    }
    this.setLeader(true);
  }

  /** A failed or lost round: a leader keeps leading until its renew deadline passes. */
  private notLeader(now: number): void {
    if (!this.leader) return;
    if (this.observed && this.observed.holder !== this.o.identity && this.observed.holder !== "") {
      this.o.logger.warn("watcher.leader.lost", { identity: this.o.identity, holder: this.observed.holder });
      this.setLeader(false);
      return;
    }
    if (now - this.lastRenew >= this.o.renewDeadlineMs) {
      this.o.logger.warn("watcher.leader.lost", { identity: this.o.identity, holder: this.observed?.holder });
      this.setLeader(false);
    }
  }

  private setLeader(value: boolean): void {
    if (this.leader === value) return;
    this.leader = value;
    this.o.onChange(value);
  }
}
