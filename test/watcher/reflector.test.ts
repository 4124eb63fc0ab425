import { describe, expect, it } from "vitest";
import { memoryLogger } from "../../lib/log.js";
import { watcherMetrics } from "../../lib/watcher/metrics.js";
import type { PodRecord } from "../../lib/watcher/pods.js";
import { PodReflector } from "../../lib/watcher/reflector.js";
import { FakeClock, ScriptedApi, pod } from "./support/fakes.js";

function setup() {
  const clock = new FakeClock();
  const api = new ScriptedApi();
  const logger = memoryLogger();
  const metrics = watcherMetrics();
  const seen: string[] = [];
  const r = new PodReflector({
    node: "vn",
    api,
    clock,
    logger,
    metrics,
    retryBaseMs: 1000,
    retryMaxMs: 8000,
    idleMs: 60_000,
    pageSize: 2,
    random: () => 0.5,
    handler: {
      added: (p: PodRecord) => seen.push(`add ${p.name}`),
      updated: (_b: PodRecord, p: PodRecord) => seen.push(`update ${p.name}`),
      deleted: (p: PodRecord) => seen.push(`delete ${p.name}`),
      ignored: (p: PodRecord) => seen.push(`ignore ${p.name}`),
    },
  });
  return { clock, api, logger, metrics, seen, r };
}

describe("PodReflector", () => {
  it("lists in pages, then watches from the list's resourceVersion with the node's field selector", async () => {
    const { clock, api, seen, r } = setup();
    api.pods = [pod("a", "1"), pod("b", "2"), pod("c", "3")];
    r.start();
    await clock.advance(0);
    expect(api.lists).toEqual([{}, { continueToken: "2" }]);
    expect(seen).toEqual(["add a", "add b", "add c"]);
    expect(r.hasSynced).toBe(true);
    expect(api.current.req.fieldSelector).toBe("spec.nodeName=vn");
    expect(api.current.req.resourceVersion).toBe("10");
    expect(api.current.req.timeoutSeconds).toBeGreaterThan(0);
    expect(api.current.req.timeoutSeconds).toBeLessThan(60);
    r.stop();
  });

  it("reports adds, meaningful updates, deletes; ignores status-only updates; follows bookmarks", async () => {
    const { clock, api, seen, r, metrics } = setup();
    api.pods = [pod("a", "1")];
    r.start();
    await clock.advance(0);
    const w = api.current;
    w.onEvent("ADDED", pod("b", "11"));
    w.onEvent("MODIFIED", { ...pod("b", "12"), status: { phase: "Running" } });
    w.onEvent("MODIFIED", pod("b", "13", { restartPolicy: "Never" }));
    w.onEvent("DELETED", pod("a", "14"));
    w.onEvent("BOOKMARK", { metadata: { resourceVersion: "20" } });
    expect(seen.slice(1)).toEqual(["add b", "ignore b", "update b", "delete a"]);
    expect(metrics.events.get({ node: "vn", type: "update" })).toBe(2);
    expect(metrics.ignored.get({ node: "vn" })).toBe(1);
    // A normal end of the stream re-watches from the last resourceVersion, without a relist.
    await clock.advance(5_000);
    w.onDone(null);
    await clock.advance(0);
    expect(api.lists).toHaveLength(1);
    expect(api.current.req.resourceVersion).toBe("20");
    r.stop();
  });

  it("relists after 410 Gone and reports what changed meanwhile, including missed deletes", async () => {
    const { clock, api, seen, r, metrics } = setup();
    api.pods = [pod("a", "1"), pod("b", "2")];
    r.start();
    await clock.advance(0);
    api.pods = [pod("b", "5", { restartPolicy: "Never" }), pod("c", "6")];
    api.listRv = "30";
    api.current.onEvent("ERROR", { kind: "Status", code: 410, reason: "Expired" });
    await clock.advance(0);
    expect(seen.slice(2)).toEqual(["update b", "add c", "delete a"]);
    expect(api.current.req.resourceVersion).toBe("30");
    expect(metrics.watchRestarts.get({ node: "vn", cause: "gone" })).toBe(1);
    // 410 as the HTTP status of the watch request works the same way.
    api.current.onDone(Object.assign(new Error("Gone"), { statusCode: 410 }));
    await clock.advance(0);
    expect(api.lists.length).toBe(3);
    r.stop();
  });

  it("restarts after errors with growing backoff and resets it on success", async () => {
    const { clock, api, r, logger, metrics } = setup();
    api.listFails = 3;
    r.start();
    await clock.advance(0);
    expect(api.lists).toHaveLength(1);
    await clock.advance(700);
    expect(api.lists).toHaveLength(1); // first retry: base 1 s with equal jitter (fixed at 0.5 here) → 750 ms
    await clock.advance(50);
    expect(api.lists).toHaveLength(2);
    await clock.advance(10_000);
    expect(api.lists.length).toBe(4);
    expect(r.hasSynced).toBe(true);
    expect(logger.events().filter((e) => e === "watcher.watch.failed")).toHaveLength(3);
    // A 500 on the watch: re-watch from the same resourceVersion after a backoff.
    const before = api.watches.length;
    api.current.onDone(Object.assign(new Error("Internal Server Error"), { statusCode: 500 }));
    await clock.advance(100);
    expect(api.watches.length).toBe(before);
    await clock.advance(2_000);
    expect(api.watches.length).toBe(before + 1);
    expect(api.current.req.resourceVersion).toBe("10");
    expect(metrics.watchRestarts.get({ node: "vn", cause: "error" })).toBe(4);
    r.stop();
  });

  it("the watchdog restarts a watch that went silent, and ignores the old stream afterwards", async () => {
    const { clock, api, seen, r, logger } = setup();
    r.start();
    await clock.advance(0);
    const stale = api.current;
    await clock.advance(59_000);
    stale.onEvent("BOOKMARK", { metadata: { resourceVersion: "11" } });
    await clock.advance(59_000);
    expect(api.watches).toHaveLength(1);
    await clock.advance(1_000);
    expect(api.watches).toHaveLength(2);
    expect(stale.aborted).toBe(true);
    expect(api.current.req.resourceVersion).toBe("11");
    expect(logger.events()).toContain("watcher.watch.stalled");
    stale.onEvent("ADDED", pod("ghost", "99"));
    stale.onDone(new Error("late"));
    await clock.advance(0);
    expect(seen).not.toContain("add ghost");
    expect(api.watches).toHaveLength(2);
    r.stop();
  });
});
