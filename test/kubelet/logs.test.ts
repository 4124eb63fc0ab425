/**
 * `GET /containerLogs/…` through the kubelet endpoint over real HTTPS, backed by the ACI simulator's logs
 * through the real SDK: options, the kubelet's answers to bad input, following until the container stops,
 * the client leaving mid-follow, a restart while following, and the ARM calls a followed minute costs.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { makeTestPki, type TestPki } from "./support/certs.js";
import { get, RG, seedPod, startHarness, stream, type Harness } from "./support/harness.js";

let pki: TestPki;
let h: Harness;

beforeAll(() => {
  pki = makeTestPki();
});

afterEach(async () => {
  await h?.close();
});

const FAST = { activeMs: 50, idleMs: 200, stateEveryMs: 200, pollTail: 1000 };
const lines = (body: string): string[] => body.split("\n").filter((l) => l !== "");

describe("kubectl logs", () => {
  beforeAll(() => undefined);
  afterAll(() => undefined);

  it("returns the current log without timestamps by default", async () => {
    h = await startHarness(pki, { followTiming: FAST });
    seedPod(
      h.sim,
      "default",
      "web",
      [{ name: "app", image: "aci-sim/logger-log-every-100ms", command: ["/app", "--serve"] }],
      {
        startedAgoMs: 1000,
      },
    );
    const r = await get(h, pki, "/containerLogs/default/web/app");
    expect(r.status).toBe(200);
    const l = lines(r.body);
    expect(l[0]).toBe("[aci-sim] app started: /app --serve");
    expect(l.slice(1, 4)).toEqual(["[aci-sim] app tick 1", "[aci-sim] app tick 2", "[aci-sim] app tick 3"]);
    expect(l.length).toBeGreaterThanOrEqual(11);
    expect(r.body).not.toMatch(/^\d{4}-/m);
  });

  it("honours tailLines, timestamps, limitBytes and sinceSeconds", async () => {
    h = await startHarness(pki, { followTiming: FAST });
    seedPod(h.sim, "default", "web", [{ name: "app", image: "aci-sim/logger" }], { startedAgoMs: 5500 });

    const tail = lines((await get(h, pki, "/containerLogs/default/web/app?tailLines=2")).body);
    expect(tail).toEqual(["[aci-sim] app tick 4", "[aci-sim] app tick 5"]);

    const legacyTail = lines((await get(h, pki, "/containerLogs/default/web/app?tail=1")).body);
    expect(legacyTail).toEqual(["[aci-sim] app tick 5"]);

    const stamped = lines(
      (await get(h, pki, "/containerLogs/default/web/app?timestamps=true&tailLines=3")).body,
    );
    expect(stamped).toHaveLength(3);
    for (const l of stamped)
      expect(l).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z \[aci-sim\] app tick \d$/);

    const limited = await get(h, pki, "/containerLogs/default/web/app?limitBytes=12");
    expect(Buffer.byteLength(limited.body)).toBe(12);
    expect(limited.body).toBe("[aci-sim] ap");

    const since = lines((await get(h, pki, "/containerLogs/default/web/app?sinceSeconds=2")).body);
    expect(since).toContain("[aci-sim] app tick 5");
    expect(since).toContain("[aci-sim] app tick 4");
    expect(since).not.toContain("[aci-sim] app tick 2");
    expect(since.some((l) => l.includes("started"))).toBe(false);

    const sinceTime = new Date(Date.now() + 60_000).toISOString();
    expect((await get(h, pki, `/containerLogs/default/web/app?sinceTime=${sinceTime}`)).body).toBe("");
  });

  it("answers bad options like the kubelet", async () => {
    h = await startHarness(pki, { followTiming: FAST });
    seedPod(h.sim, "default", "web", [{ name: "app", image: "aci-sim/logger" }]);
    const base = "/containerLogs/default/web/app";
    for (const q of ["tailLines=abc", "follow=maybe", "sinceTime=yesterday", "limitBytes=1.5"]) {
      const r = await get(h, pki, `${base}?${q}`);
      expect([q, r.status, r.body]).toEqual([q, 400, '{"message": "Unable to decode query."}']);
    }
    const cases: Array<[string, RegExp]> = [
      ["tailLines=-1", /tailLines must be >= 0/],
      ["limitBytes=0", /limitBytes must be > 0/],
      ["sinceSeconds=0", /sinceSeconds must be > 0/],
      ["sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z", /at most one of sinceTime or sinceSeconds/],
    ];
    for (const [q, re] of cases) {
      const r = await get(h, pki, `${base}?${q}`);
      expect(r.status, q).toBe(422);
      expect(r.body, q).toMatch(re);
    }
    const prev = await get(h, pki, `${base}?previous=true`);
    expect(prev.status).toBe(400);
    expect(prev.body).toMatch(/keeps only the current instance's log/);
    // Option errors are found before ARM is asked anything.
    expect(h.sim.countCalls({ operation: "containers.listLogs" })).toBe(0);
  });

  it("a pod bound to the node whose group does not exist yet is waiting to start, as on a kubelet", async () => {
    h = await startHarness(pki, { followTiming: FAST });
    const spec = { containers: [{ name: "app", image: "nginx" }] };
    h.kube.createPod({ metadata: { name: "new", namespace: "default" }, spec }, { nodeName: "aci-bridge" });
    const refused = h.kube.createPod(
      { metadata: { name: "refused", namespace: "default" }, spec },
      { nodeName: "aci-bridge" },
    );
    h.kube.updatePodStatus("default", "refused", {
      containerStatuses: [
        {
          name: "app",
          ready: false,
          restartCount: 0,
          image: "nginx",
          imageID: "",
          state: { waiting: { reason: "CreateContainerConfigError" } },
        },
      ],
    });
    expect(refused.metadata?.uid).toBeTruthy();
    h.kube.createPod(
      { metadata: { name: "other-node", namespace: "default" }, spec },
      { nodeName: "node-1" },
    );

    const waiting = await get(h, pki, "/containerLogs/default/new/app");
    expect([waiting.status, waiting.body]).toEqual([
      400,
      'container "app" in pod "new" is waiting to start: ContainerCreating',
    ]);
    const reason = await get(h, pki, "/containerLogs/default/refused/app");
    expect([reason.status, reason.body]).toEqual([
      400,
      'container "app" in pod "refused" is waiting to start: CreateContainerConfigError',
    ]);
    const noContainer = await get(h, pki, "/containerLogs/default/new/sidecar");
    expect([noContainer.status, noContainer.body]).toEqual([
      404,
      'container "sidecar" not found in pod "new"',
    ]);
    // Not ours: bound elsewhere, or not there at all.
    expect((await get(h, pki, "/containerLogs/default/other-node/app")).status).toBe(404);
    expect((await get(h, pki, "/containerLogs/default/gone/app")).status).toBe(404);
    expect(h.sim.countCalls({ operation: "containers.listLogs" })).toBe(0);
  });

  it("404s for a missing pod, a missing container, and a same-named group that is not ours", async () => {
    h = await startHarness(pki, { followTiming: FAST });
    seedPod(h.sim, "default", "web", [{ name: "app", image: "aci-sim/logger" }]);
    seedPod(h.sim, "default", "foreign", [{ name: "app", image: "aci-sim/logger" }], {
      tags: { owner: "someone" },
    });
    seedPod(h.sim, "default", "elsewhere", [{ name: "app", image: "aci-sim/logger" }], {
      tags: {
        "aci-bridge.cluster": "other-cluster",
        "aci-bridge.node": "aci-bridge",
        "aci-bridge.namespace": "default",
        "aci-bridge.pod": "elsewhere",
        "aci-bridge.uid": "u",
      },
    });
    expect((await get(h, pki, "/containerLogs/default/nope/app")).status).toBe(404);
    const c = await get(h, pki, "/containerLogs/default/web/sidecar");
    expect([c.status, c.body]).toEqual([404, 'container "sidecar" not found in pod "web"']);
    expect((await get(h, pki, "/containerLogs/default/foreign/app")).status).toBe(404);
    expect((await get(h, pki, "/containerLogs/default/elsewhere/app")).status).toBe(404);
    expect(h.sim.countCalls({ operation: "containers.listLogs" })).toBe(0);
  });
});

describe("kubectl logs -f", () => {
  it("streams new lines without repeats and ends when the container stops", async () => {
    h = await startHarness(pki, { followTiming: FAST });
    seedPod(
      h.sim,
      "default",
      "job",
      [{ name: "main", image: "aci-sim/exit-3-after-700ms-log-every-100ms" }],
      {
        restartPolicy: "Never",
        startedAgoMs: 0,
      },
    );
    const s = stream(h, pki, "/containerLogs/default/job/main?follow=true");
    expect(await s.status).toBe(200);
    await s.ended;
    const l = lines(s.text());
    expect(l[0]).toMatch(/started/);
    expect(l.slice(1, -1)).toEqual(Array.from({ length: 7 }, (_, i) => `[aci-sim] main tick ${i + 1}`));
    expect(l[l.length - 1]).toBe("[aci-sim] main exited with code 3");
    const ended = h.logger.lines.filter((x) => x.event === "kubelet.logs.follow.ended");
    expect(ended.map((x) => x.fields.reason)).toEqual(["stopped"]);
  });

  it("stops polling ARM when the client hangs up mid-follow", async () => {
    h = await startHarness(pki, { followTiming: FAST });
    seedPod(h.sim, "default", "web", [{ name: "app", image: "aci-sim/logger-log-every-50ms" }]);
    const s = stream(h, pki, "/containerLogs/default/web/app?follow=true&tailLines=0");
    await s.waitFor(/tick \d+\n.*tick \d+\n/s);
    expect(s.text()).not.toMatch(/started/);
    s.abort();
    await expect
      .poll(() => h.logger.lines.filter((x) => x.event === "kubelet.logs.follow.ended").length)
      .toBe(1);
    expect(h.logger.lines.find((x) => x.event === "kubelet.logs.follow.ended")?.fields.reason).toBe("client");
    const after = h.sim.countCalls({ operation: "containers.listLogs" });
    await new Promise((r) => setTimeout(r, 300));
    expect(h.sim.countCalls({ operation: "containers.listLogs" })).toBe(after);
  });

  it("ends cleanly, without repeating lines, when the container restarts while followed", async () => {
    h = await startHarness(pki, { followTiming: FAST, sim: { timing: { restartBackoffMs: 400 } } });
    seedPod(
      h.sim,
      "default",
      "crash",
      [{ name: "app", image: "aci-sim/crashloop-after-600ms-log-every-100ms" }],
      {
        startedAgoMs: 0,
      },
    );
    const s = stream(h, pki, "/containerLogs/default/crash/app?follow=true&timestamps=true");
    await s.ended;
    const l = lines(s.text());
    expect(new Set(l).size).toBe(l.length);
    const texts = l.map((x) => x.replace(/^\S+ /, ""));
    expect(texts).toContain("[aci-sim] app exited with code 1");
    expect(texts.filter((t) => /started/.test(t))).toHaveLength(1);
    const reason = h.logger.lines.find((x) => x.event === "kubelet.logs.follow.ended")?.fields.reason;
    expect(["stopped", "restarted"]).toContain(reason);
    // After the restart, a plain `kubectl logs` shows only the new instance (ACI keeps no earlier one).
    await new Promise((r) => setTimeout(r, 500));
    const now = lines((await get(h, pki, "/containerLogs/default/crash/app")).body);
    expect(now.filter((t) => /started/.test(t))).toHaveLength(1);
    expect(now).not.toContain("[aci-sim] app tick 5");
  });
});

describe("ARM calls per followed minute (virtual clock)", () => {
  async function followedMinute(image: string): Promise<{ logs: number; gets: number; lines: number }> {
    let clock = Date.UTC(2026, 11, 1, 12, 0, 0);
    const startAt = clock;
    let atLimit!: () => void;
    const limit = new Promise<void>((r) => (atLimit = r));
    h = await startHarness(pki, {
      sim: { now: () => clock },
      extra: {
        now: () => clock,
        sleep: (ms, signal) => {
          if (clock + ms > startAt + 60_000) {
            atLimit();
            return new Promise((r) => signal.addEventListener("abort", () => r()));
          }
          clock += ms;
          return new Promise((r) => setImmediate(r));
        },
      },
    });
    seedPod(h.sim, "default", "web", [{ name: "app", image }]);
    h.sim.resetCalls();
    const s = stream(h, pki, "/containerLogs/default/web/app?follow=true");
    await limit;
    const counts = {
      logs: h.sim.countCalls({ operation: "containers.listLogs" }),
      gets: h.sim.countCalls({ operation: "containerGroups.get" }),
      lines: lines(s.text()).length,
    };
    s.abort();
    return counts;
  }

  it("costs 36 ARM reads a minute for a chatty container and 14 for an idle one", async () => {
    const chatty = await followedMinute("aci-sim/logger-log-every-500ms");
    // 1 GET (ownership, state) + 1 read to start; then a poll every 2 s (30) and a state GET every 10 s (6).
    expect(chatty).toEqual({ logs: 31, gets: 7, lines: 121 });
    await h.close();
    const idle = await followedMinute("aci-sim/quiet");
    // Polls back off 2, 4, 8, 10, 10… s: 7 in the minute, each idle poll also reads the state.
    expect(idle).toEqual({ logs: 8, gets: 8, lines: 1 });
  });
});

void RG;
