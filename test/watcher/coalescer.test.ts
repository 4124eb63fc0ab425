import { describe, expect, it } from "vitest";
import { strongerReason, type PodChange } from "../../lib/queue/message.js";
import { Coalescer } from "../../lib/watcher/coalescer.js";
import { FakeClock } from "./support/fakes.js";

describe("Coalescer", () => {
  it("turns a burst of updates to one pod into one message with the latest uid", async () => {
    const clock = new FakeClock();
    const out: PodChange[] = [];
    const c = new Coalescer(500, clock, (e) => out.push(e));
    c.push({ ns: "a", name: "p", uid: "u1", reason: "added" });
    for (let i = 0; i < 10; i++) {
      await clock.advance(20);
      c.push({ ns: "a", name: "p", uid: "u1", reason: "updated" });
    }
    c.push({ ns: "a", name: "q", uid: "u9", reason: "updated" });
    expect(out).toEqual([]);
    await clock.advance(500);
    expect(out).toEqual([
      { ns: "a", name: "p", uid: "u1", reason: "added" },
      { ns: "a", name: "q", uid: "u9", reason: "updated" },
    ]);
  });

  it("lets deleted win and uses a fixed window (a pod updated forever still gets messages)", async () => {
    const clock = new FakeClock();
    const out: PodChange[] = [];
    const c = new Coalescer(500, clock, (e) => out.push(e));
    c.push({ ns: "a", name: "p", uid: "u1", reason: "updated" });
    c.push({ ns: "a", name: "p", uid: "u1", reason: "deleted" });
    c.push({ ns: "a", name: "p", uid: "u1", reason: "updated" });
    await clock.advance(499);
    expect(out).toHaveLength(0);
    await clock.advance(1);
    expect(out).toEqual([{ ns: "a", name: "p", uid: "u1", reason: "deleted" }]);
    for (let i = 0; i < 20; i++) {
      c.push({ ns: "a", name: "p", uid: "u1", reason: "updated" });
      await clock.advance(100);
    }
    expect(out.length).toBe(1 + 4);
  });

  it("orders reasons deleted > added > updated > resync > status", () => {
    expect(strongerReason("updated", "deleted")).toBe("deleted");
    expect(strongerReason("deleted", "added")).toBe("deleted");
    expect(strongerReason("resync", "updated")).toBe("updated");
    expect(strongerReason("added", "updated")).toBe("added");
  });

  it("flushAll emits pending events at once; clear forgets them", async () => {
    const clock = new FakeClock();
    const out: PodChange[] = [];
    const c = new Coalescer(500, clock, (e) => out.push(e));
    c.push({ ns: "a", name: "p", reason: "added" });
    c.flushAll();
    expect(out).toHaveLength(1);
    c.push({ ns: "a", name: "q", reason: "added" });
    c.clear();
    await clock.advance(1000);
    expect(out).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });
});
