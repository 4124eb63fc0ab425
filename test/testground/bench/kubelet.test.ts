// The `kubelet` bench scenario counts what it says: the windows of testground/bench/kubelet.ts, and a tiny run of the
// scenario (60 pods, 2 followed minutes, 1 minute of scrapes) against the simulator on its virtual clock.
import { describe, expect, it } from "vitest";
import { followedMinutes, meanOver, perEvent, type CountedCall } from "../../../testground/bench/kubelet.js";
import { measureKubelet } from "../../../testground/bench/scenarios/kubelet.js";

const call = (at: number, operation: string): CountedCall => ({ at, operation, kind: "read" });

describe("followedMinutes", () => {
  it("puts the request's own calls apart and a call at a minute's end in that minute", () => {
    const t = 1_000_000;
    const f = followedMinutes(
      [
        call(t - 1, "containers.listLogs"),
        call(t, "containerGroups.get"),
        call(t, "containers.listLogs"),
        call(t + 2_000, "containers.listLogs"),
        call(t + 60_000, "containerGroups.get"),
        call(t + 60_001, "containers.listLogs"),
        call(t + 90_000, "containerGroups.list"),
        call(t + 120_001, "containers.listLogs"),
      ],
      t,
      2,
    );
    expect(f.start).toEqual({ listLogs: 1, get: 1, other: 0, total: 2 });
    expect(f.minutes).toEqual([
      { listLogs: 1, get: 1, other: 0, total: 2 },
      { listLogs: 1, get: 0, other: 1, total: 2 },
    ]);
    expect(meanOver(f.minutes, 1, (m) => m.listLogs)).toBe(1);
    expect(meanOver(f.minutes, 2, (m) => m.total)).toBeNaN();
  });

  it("perEvent averages ARM and Monitor calls over the events", () => {
    const e = perEvent([
      [
        call(0, "containerGroups.listByResourceGroup"),
        call(0, "metrics.getBatch"),
        call(0, "metrics.getBatch"),
      ],
      [call(1, "containerGroups.listByResourceGroup"), call(1, "containerGroups.get")],
      [],
    ]);
    expect(e).toEqual({ events: 3, arm: 1, listPages: 2 / 3, monitor: 2 / 3 });
  });
});

describe("kubelet scenario, tiny", () => {
  it("counts the reads of followed minutes and of top refreshes and scrapes at the simulator", async () => {
    const r = (await measureKubelet({ pods: 60, followMinutes: 2, topMinutes: 1 })) as {
      follow: Record<
        "chatty" | "idle",
        {
          start: { total: number };
          firstMinute: { listLogs: number; get: number; other: number };
          laterMinutesMean: { listLogs: number; get: number };
          minutes: number[];
          linesReceived: number;
        }
      >;
      top: {
        podsInSummary: number;
        podsInMetrics: number;
        refreshes: number;
        scrapes: number;
        perRefresh: { listPages: number; monitorBatches: number; arm: number };
        perScrape: { arm: number; monitor: number };
      };
    };
    const { chatty, idle } = r.follow;
    expect(chatty.start.total).toBe(2);
    // A poll every 2 s, a state GET every 10 s.
    expect(chatty.firstMinute).toEqual({ listLogs: 30, get: 6, other: 0, total: 36 });
    expect(chatty.laterMinutesMean).toMatchObject({ listLogs: 30, get: 6 });
    // Every line: the 601 written in the 5 minutes before the request, then 2 a second for 2 minutes.
    expect(chatty.linesReceived).toBe(601 + 240);
    // Back-off 2, 4, 8, then 10 s; each idle poll also reads the state.
    expect(idle.firstMinute).toEqual({ listLogs: 7, get: 7, other: 0, total: 14 });
    expect(idle.minutes).toEqual([14, 12]);
    expect(idle.linesReceived).toBe(1);
    // 60 groups: one list page, two Monitor batches of ≤ 50; nothing per scrape.
    expect(r.top.podsInSummary).toBe(60);
    expect(r.top.podsInMetrics).toBe(60);
    expect(r.top.refreshes).toBe(1);
    expect(r.top.scrapes).toBe(8);
    expect(r.top.perRefresh).toEqual({ listPages: 1, monitorBatches: 2, arm: 1 });
    expect(r.top.perScrape).toEqual({ arm: 0, monitor: 0 });
  }, 60_000);
});
