import { describe, expect, it } from "vitest";
import { memoryLogger } from "../../lib/log.js";
import { LeaderElector } from "../../lib/watcher/elector.js";
import { FakeClock, MemoryLeaseStore } from "./support/fakes.js";

function elector(identity: string, store: MemoryLeaseStore, clock: FakeClock) {
  const changes: boolean[] = [];
  const logger = memoryLogger();
  const e = new LeaderElector({
    store,
    identity,
    leaseDurationMs: 15_000,
    renewPeriodMs: 5_000,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 2_000,
    clock,
    logger,
    onChange: (v) => changes.push(v),
  });
  return { e, changes, logger };
}

describe("LeaderElector", () => {
  it("one of two replicas leads; the other takes over within ~2 s after a release", async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore();
    const a = elector("a", store, clock);
    const b = elector("b", store, clock);
    a.e.start();
    await clock.advance(100);
    b.e.start();
    await clock.advance(30_000);
    expect(a.e.isLeader).toBe(true);
    expect(b.e.isLeader).toBe(false);
    expect(store.lease?.holderIdentity).toBe("a");
    expect(store.lease?.leaseDurationSeconds).toBe(15);

    await a.e.stop({ release: true });
    expect(a.changes).toEqual([true, false]);
    expect(store.lease?.holderIdentity).toBe("");
    await clock.advance(2_000);
    expect(b.e.isLeader).toBe(true);
    expect(store.lease?.holderIdentity).toBe("b");
    expect(store.lease?.leaseTransitions).toBe(1);
    expect(a.logger.events()).toContain("watcher.leader.released");
    await b.e.stop();
  });

  it("fails over within lease duration + retry period when the leader dies without releasing", async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore();
    const a = elector("a", store, clock);
    const b = elector("b", store, clock);
    a.e.start();
    await clock.advance(100);
    b.e.start();
    await clock.advance(20_000);
    await a.e.stop({ release: false }); // a crash: the Lease still names a
    const diedAt = clock.now();
    let tookOverAfter = -1;
    for (let t = 0; t <= 30_000; t += 500) {
      await clock.advance(500);
      if (b.e.isLeader) {
        tookOverAfter = clock.now() - diedAt;
        break;
      }
    }
    expect(tookOverAfter).toBeGreaterThan(10_000);
    expect(tookOverAfter).toBeLessThanOrEqual(17_000);
    await b.e.stop();
  });

  it("a leader that cannot renew steps down by its deadline, before the lease could pass to another", async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore();
    const a = elector("a", store, clock);
    a.e.start();
    await clock.advance(1_000);
    expect(a.e.isLeader).toBe(true);
    store.down = true;
    await clock.advance(9_000);
    expect(a.e.isLeader).toBe(true);
    await clock.advance(6_000);
    expect(a.e.isLeader).toBe(false);
    expect(a.logger.events()).toContain("watcher.leader.lost");
    store.down = false;
    await clock.advance(20_000);
    expect(a.e.isLeader).toBe(true);
    await a.e.stop();
  });

  it("uses only get, create and update (the chart's Role grants exactly these)", async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore();
    const a = elector("a", store, clock);
    const b = elector("b", store, clock);
    a.e.start();
    b.e.start();
    await clock.advance(20_000);
    await a.e.stop();
    await clock.advance(5_000);
    await b.e.stop();
    expect(new Set(store.calls)).toEqual(new Set(["get", "create", "update"]));
  });
});
