/**
 * The watcher against the Kubernetes API fake (real HTTP, the watcher's own client) and Azurite (real queue): the issue's
 * "Done when" list. Messages are read back from the queue and decoded as the Functions host does.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startKubeFake, type KubeFake } from "../../sim/kube/index.js";
import type { PodMessageSender } from "../../lib/queue/message.js";
import { queueSender } from "../../lib/queue/client.js";
import {
  collectUntil,
  createQueue,
  drainQueue,
  sleep,
  startTestWatcher,
  testPod,
  uniqueName,
  waitFor,
} from "./support/integration.js";

let kube: KubeFake;
const conn = () => inject("azuriteConnectionString");

beforeAll(async () => {
  kube = await startKubeFake({ bookmarkIntervalMs: 1_000 });
  kube.createNamespace("shop");
  kube.createNamespace("other");
  kube.createNamespace("aci-bridge");
});

afterAll(async () => {
  await kube?.close();
});

const summary = (msgs: { ns: string; name: string; reason: string }[]) =>
  msgs.map((m) => `${m.ns}/${m.name}:${m.reason}`).sort();

describe("watcher ⇄ Kubernetes API fake ⇄ Azurite", () => {
  it("sends one message per pod event on its node; nothing for other nodes or status-only updates; bursts coalesce", async () => {
    const queue = await createQueue(conn());
    const name = uniqueName("w");
    const { watcher } = await startTestWatcher({
      kube,
      queue,
      node: name,
      identity: `${name}-a`,
      leaseName: name,
    });
    await waitFor("leader and synced", () => watcher.isLeader && watcher.readiness().length === 0);

    const created = kube.createPod(testPod(`${name}-p1`), { nodeName: name });
    kube.createPod(testPod(`${name}-elsewhere`, "other"), { nodeName: "aks-nodepool1-0" });
    kube.createPod(testPod(`${name}-unscheduled`, "other"));
    const added = await waitFor("added message", async () => {
      const m = await drainQueue(queue);
      return m.length ? m : undefined;
    });
    expect(added).toEqual([
      expect.objectContaining({
        v: 1,
        ns: "shop",
        name: `${name}-p1`,
        uid: created.metadata!.uid,
        reason: "added",
      }),
    ]);

    // Status-only updates (what the Functions write) produce nothing.
    kube.updatePodStatus("shop", `${name}-p1`, { phase: "Running", podIP: "10.1.0.4" });
    kube.updatePodStatus("shop", `${name}-p1`, { phase: "Running", podIP: "10.1.0.5" });
    await sleep(800);
    expect(await drainQueue(queue)).toEqual([]);
    expect(watcher.metrics.ignored.get({ node: name })).toBeGreaterThanOrEqual(2);

    // A burst of label changes within the window → one message.
    for (let i = 0; i < 10; i++)
      kube.patch("pods", "shop", `${name}-p1`, { metadata: { labels: { rev: String(i) } } });
    await sleep(800);
    expect(summary(await drainQueue(queue))).toEqual([`shop/${name}-p1:updated`]);

    // Graceful delete (deletionTimestamp set) and the final removal.
    kube.delete("pods", "shop", `${name}-p1`);
    await sleep(600);
    kube.deletePodNow("shop", `${name}-p1`);
    const deletions = await waitFor("deleted messages", async () => {
      const m = await drainQueue(queue);
      return m.length >= 1 ? m : undefined;
    });
    await sleep(400);
    deletions!.push(...(await drainQueue(queue)));
    expect(new Set(summary(deletions!))).toEqual(new Set([`shop/${name}-p1:deleted`]));
    expect(watcher.metrics.sent.total()).toBeGreaterThanOrEqual(3);
    await watcher.shutdown(2_000);
  });

  it("survives a 500 on the watch, a cut stream and 410 Gone (compacted history), and misses nothing", async () => {
    const queue = await createQueue(conn());
    const name = uniqueName("f");
    const { watcher, logger } = await startTestWatcher({
      kube,
      queue,
      node: name,
      identity: `${name}-a`,
      leaseName: name,
    });
    await waitFor("leader and synced", () => watcher.isLeader && watcher.readiness().length === 0);
    await drainQueue(queue);

    // Informer error: the next two watch requests fail with 500.
    kube.faults.add({ method: "GET", path: /\/api\/v1\/pods\?.*watch=true/, status: 500, times: 2 });
    kube.cutWatches();
    kube.createPod(testPod(`${name}-during-500`), { nodeName: name });
    await waitFor("message after 500s", async () =>
      summary(await drainQueue(queue)).includes(`shop/${name}-during-500:added`),
    );
    expect(watcher.metrics.watchRestarts.get({ node: name, cause: "error" })).toBeGreaterThanOrEqual(1);

    // 410: history compacted while the watch is down → the resumed watch gets Expired → relist.
    kube.faults.add({ method: "GET", path: /\/api\/v1\/pods\?.*watch=true/, status: 500, times: 1 });
    kube.cutWatches();
    kube.createPod(testPod(`${name}-during-gap`), { nodeName: name });
    kube.compactHistory();
    await waitFor("message after 410", async () =>
      summary(await drainQueue(queue)).includes(`shop/${name}-during-gap:added`),
    );
    expect(watcher.metrics.watchRestarts.get({ node: name, cause: "gone" })).toBeGreaterThanOrEqual(1);
    expect(logger.events()).toContain("watcher.watch.listed");

    // Still watching normally afterwards.
    kube.createPod(testPod(`${name}-after`), { nodeName: name });
    await waitFor("message after recovery", async () =>
      summary(await drainQueue(queue)).includes(`shop/${name}-after:added`),
    );
    await watcher.shutdown(2_000);
  });

  it("keeps a backlog while the queue is unavailable and delivers it when the queue comes back", async () => {
    const queue = await createQueue(conn(), false); // does not exist yet: every send fails (404 QueueNotFound)
    const name = uniqueName("q");
    const { watcher, logger } = await startTestWatcher({
      kube,
      queue,
      node: name,
      identity: `${name}-a`,
      leaseName: name,
    });
    await waitFor("leader", () => watcher.isLeader);
    for (let i = 0; i < 5; i++) kube.createPod(testPod(`${name}-p${i}`), { nodeName: name });
    await waitFor(
      "all five in the backlog",
      () => watcher.metrics.sendFailures.total() >= 2 && watcher.backlog === 5,
    );
    expect(watcher.readiness()).toContain("queue sends are failing");
    expect(logger.events()).toContain("watcher.queue.send.failed");

    await queue.create();
    const received = await waitFor("backlog delivered", async () => {
      await sleep(200);
      return watcher.backlog === 0 ? drainQueue(queue) : undefined;
    });
    const mine = summary(received!).filter((s) => s.includes(name));
    expect(mine).toEqual([0, 1, 2, 3, 4].map((i) => `shop/${name}-p${i}:added`));
    expect(logger.events()).toContain("watcher.queue.recovered");
    expect(watcher.readiness()).toEqual([]);
    await watcher.shutdown(2_000);
  });

  it("two replicas with leader election send each event once, and the follower takes over when the leader stops", async () => {
    const queue = await createQueue(conn());
    const name = uniqueName("le");
    const a = await startTestWatcher({ kube, queue, node: name, identity: `${name}-a`, leaseName: name });
    await waitFor("a leads", () => a.watcher.isLeader);
    const b = await startTestWatcher({ kube, queue, node: name, identity: `${name}-b`, leaseName: name });
    await waitFor("b synced", () => b.watcher.readiness().length === 0);
    await drainQueue(queue);

    for (let i = 0; i < 5; i++) kube.createPod(testPod(`${name}-p${i}`), { nodeName: name });
    await sleep(1_500);
    const once = summary(await drainQueue(queue)).filter((s) => s.includes(name));
    expect(once).toEqual([0, 1, 2, 3, 4].map((i) => `shop/${name}-p${i}:added`));
    expect(b.watcher.metrics.sent.total()).toBe(0);
    expect(kube.get("leases", "aci-bridge", name).spec.holderIdentity).toBe(`${name}-a`);

    // The leader stops (SIGTERM path): it releases the Lease, the follower takes over and resyncs its cache.
    const stoppedAt = Date.now();
    await a.watcher.shutdown(2_000);
    await waitFor("b leads", () => b.watcher.isLeader, 15_000);
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
    kube.createPod(testPod(`${name}-after`), { nodeName: name });
    const after = summary(await collectUntil(queue, (all) => all.some((m) => m.name === `${name}-after`)));
    expect(after).toEqual([
      `shop/${name}-after:added`,
      ...[0, 1, 2, 3, 4].map((i) => `shop/${name}-p${i}:resync`),
    ]);
    expect(kube.get("leases", "aci-bridge", name).spec.holderIdentity).toBe(`${name}-b`);
    await b.watcher.shutdown(2_000);
    expect(kube.get("leases", "aci-bridge", name).spec.holderIdentity ?? "").toBe("");
  });

  it("on shutdown flushes what is pending (coalescing window and backlog) before releasing the Lease", async () => {
    const queue = await createQueue(conn());
    const name = uniqueName("t");
    let failures = 3;
    const real = queueSender(queue);
    const flaky: PodMessageSender = {
      async send(m, d) {
        if (failures-- > 0) throw new Error("queue: connection reset");
        return real.send(m, d);
      },
    };
    const { watcher } = await startTestWatcher({
      kube,
      queue,
      node: name,
      identity: `${name}-a`,
      leaseName: name,
      env: { WATCHER_COALESCE_MS: "60000" },
      sender: flaky,
    });
    await waitFor("leader and synced", () => watcher.isLeader && watcher.readiness().length === 0);
    for (let i = 0; i < 3; i++) kube.createPod(testPod(`${name}-p${i}`), { nodeName: name });
    await sleep(300); // seen by the watch, held by the 60 s coalescing window
    expect(await drainQueue(queue)).toEqual([]);
    const result = await watcher.shutdown(5_000);
    expect(result).toEqual({ flushed: true, unsent: 0 });
    expect(summary(await drainQueue(queue))).toEqual([0, 1, 2].map((i) => `shop/${name}-p${i}:added`));
    expect(kube.get("leases", "aci-bridge", name).spec.holderIdentity ?? "").toBe("");
  });
});
