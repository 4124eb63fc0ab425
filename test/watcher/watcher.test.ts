import { describe, expect, it } from "vitest";
import { loadWatcherConfig } from "../../lib/config.js";
import { memoryLogger } from "../../lib/log.js";
import { Watcher } from "../../lib/watcher/watcher.js";
import { FakeClock, FakeSender, MemoryLeaseStore, ScriptedApi, pod } from "./support/fakes.js";

const env = { ACI_NODE_NAMES: "vn", PodEventsStorage: "UseDevelopmentStorage=true", WATCHER_POD_NAME: "w-a" };

function setup(identity: string, store: MemoryLeaseStore, clock: FakeClock, api = new ScriptedApi()) {
  const sender = new FakeSender();
  const logger = memoryLogger();
  const config = { ...loadWatcherConfig({ ...env, WATCHER_POD_NAME: identity }) };
  const w = new Watcher({ config, podApi: api, leaseStore: store, sender, logger, clock, random: () => 0.5 });
  return { w, sender, logger, api };
}

describe("Watcher (unit, fake clock)", () => {
  it("only the leader sends; it resyncs every cached pod on taking over; SIGTERM flushes and releases", async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore();
    const a = setup("w-a", store, clock);
    a.api.pods = [pod("p1", "1"), pod("p2", "2")];
    a.w.start();
    await clock.advance(1_000);
    const b = setup("w-b", store, clock);
    b.api.pods = a.api.pods;
    b.w.start();
    await clock.advance(1_000);
    expect(a.w.isLeader).toBe(true);
    expect(b.w.isLeader).toBe(false);
    // The list finished before the Lease was won, so the pods went out as the new leader's resync.
    expect(a.sender.sent.map((m) => `${m.name}:${m.reason}`).sort()).toEqual(["p1:resync", "p2:resync"]);
    // A burst on p1 seen by both: only the leader sends, once.
    for (const w of [a.api, b.api]) {
      w.current.onEvent("MODIFIED", pod("p1", "3", { restartPolicy: "Never" }));
      w.current.onEvent("MODIFIED", pod("p1", "4", { restartPolicy: "OnFailure" }));
      w.current.onEvent("ADDED", pod("p3", "5"));
    }
    await clock.advance(600);
    expect(a.sender.sent.slice(2).map((m) => `${m.name}:${m.reason}`)).toEqual(["p1:updated", "p3:added"]);
    expect(b.sender.sent).toEqual([]);

    // Leader shuts down: pending events are flushed, the Lease released, the follower takes over and resyncs.
    a.api.current.onEvent("DELETED", pod("p2", "6"));
    b.api.current.onEvent("DELETED", pod("p2", "6"));
    const result = await a.w.shutdown(5_000);
    expect(result).toEqual({ flushed: true, unsent: 0 });
    expect(a.sender.sent.at(-1)).toMatchObject({ name: "p2", reason: "deleted" });
    expect(a.logger.events()).toEqual(
      expect.arrayContaining(["watcher.stopping", "watcher.leader.released", "watcher.stopped"]),
    );
    await clock.advance(2_000);
    expect(b.w.isLeader).toBe(true);
    expect(b.sender.sent.map((m) => `${m.name}:${m.reason}`).sort()).toEqual(["p1:resync", "p3:resync"]);
    expect(b.w.metrics.leader.get()).toBe(1);
    await b.w.shutdown(1_000);
  });

  it("readiness waits for the first list and reports a failing queue", async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore();
    const a = setup("w-a", store, clock);
    a.api.listFails = 1;
    a.api.pods = [pod("p1", "1")];
    expect(a.w.readiness()).toEqual(["watch for node vn has not synced"]);
    a.sender.down = true;
    a.w.start();
    await clock.advance(3_000);
    expect(a.w.readiness()).toEqual(["queue sends are failing"]);
    a.sender.down = false;
    await clock.advance(5_000);
    expect(a.w.readiness()).toEqual([]);
    expect(a.sender.sent.map((m) => m.name)).toEqual(["p1"]);
    expect(a.w.metricsText()).toMatch(/aci_bridge_watcher_messages_sent_total\{reason="added"\} 1/);
    await a.w.shutdown(1_000);
  });
});

describe("loadWatcherConfig", () => {
  it("has safe defaults and several node names", () => {
    const c = loadWatcherConfig({ ...env, ACI_NODE_NAMES: "vn-a, vn-b:westus" });
    expect(c.nodeNames).toEqual(["vn-a", "vn-b"]);
    expect(c.queueName).toBe("pod-events");
    expect(c.leaderElection).toMatchObject({
      enabled: true,
      leaseDurationSeconds: 15,
      renewPeriodSeconds: 5,
    });
    expect(c.coalesceMs).toBe(500);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it.each([
    [{ PodEventsStorage: "" }, /must be set/],
    [
      { PodEventsStorage: "", WATCHER_QUEUE_SAS_URL: "https://a.queue.core.windows.net/pod-events" },
      /SAS token/,
    ],
    [{ WATCHER_LEASE_RENEW_PERIOD_SECONDS: "20" }, /RENEW_PERIOD/],
    [{ WATCHER_COALESCE_MS: "abc" }, /WATCHER_COALESCE_MS/],
    [{ ACI_NODE_NAMES: "Bad_Name" }, /ACI_NODE_NAMES/],
  ])("rejects %j", (over, message) => {
    expect(() => loadWatcherConfig({ ...env, ...over })).toThrow(message);
  });

  it("chooses SAS URL or workload identity when no connection string is set", () => {
    const sas = loadWatcherConfig({
      ...env,
      PodEventsStorage: "",
      WATCHER_QUEUE_SAS_URL: "https://a.queue.core.windows.net/pod-events?sv=1&sig=x",
    });
    expect(sas.queue.kind).toBe("sasUrl");
    const id = loadWatcherConfig({
      ...env,
      PodEventsStorage: "",
      PodEventsStorage__queueServiceUri: "https://a.queue.core.windows.net",
    });
    expect(id.queue).toEqual({ kind: "identity", queueServiceUri: "https://a.queue.core.windows.net" });
  });
});
