/**
 * Many Functions instances at once, and outages, end to end: separate runtimes (no shared memory) over the
 * same ACI simulator, Kubernetes API fake and queue; the harness moves a message that failed 5 times to the
 * poison queue, as the host does with maxDequeueCount 5.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import { CLAIM_TTL_MS } from "../../lib/reconcile/createClaim.js";
import {
  added,
  RESOURCE_GROUP,
  simplePod,
  startBridgeHarness,
  type BridgeHarness,
} from "../support/bridge.js";

let h: BridgeHarness;
afterEach(async () => {
  await h?.close();
});

const puts = () => h.aci.countCalls({ operation: "containerGroups.createOrUpdate" });
const running = (name: string) => h.pod("default", name)?.status?.phase === "Running";
const poisoned = async () =>
  (await h.poison.peekMessages({ numberOfMessages: 32 })).peekedMessageItems.length;

describe("duplicates on two instances", () => {
  it("exactly one PUT per pod when two instances handle copies of the same message at once", async () => {
    h = await startBridgeHarness({ aci: { throttling: false } });
    const a = h.newInstance();
    const b = h.newInstance();
    expect(a.runtime.instance).not.toBe(b.runtime.instance);
    const pods: V1Pod[] = [];
    for (let i = 0; i < 6; i++) pods.push(h.createBoundPod(simplePod(`dup-${i}`)));
    await Promise.all(
      pods.flatMap((pod) => [
        a.deliver(added(pod)),
        b.deliver(added(pod)),
        a.deliver(added(pod)),
        b.deliver(added(pod)),
      ]),
    );
    expect(puts()).toBe(pods.length);
    await h.runUntil(() => pods.every((p) => running(p.metadata!.name!)));
    expect(puts()).toBe(pods.length);
    expect(h.events("cg.created")).toHaveLength(pods.length);
    for (const p of pods) {
      const conditions = h.pod("default", p.metadata!.name!)!.status!.conditions ?? [];
      expect(conditions.map((c) => c.type)).not.toContain("aci-bridge.io/ContainerGroup");
    }
  });

  it("an instance that died between its claim and its PUT is replaced after the claim expires", async () => {
    h = await startBridgeHarness({ aci: { throttling: false }, timeScale: 10 });
    const pod = h.createBoundPod(simplePod("orphan-claim"));
    // The first instance claims, then its PUT never succeeds (refused at once, as if the instance died there).
    const dead = h.newInstance();
    const removeFault = h.aci.faults.add({
      operation: "containerGroups.createOrUpdate",
      effect: { kind: "auth", status: 403 },
    });
    await dead.deliver(added(pod));
    removeFault();
    expect(h.group("default", "orphan-claim")).toBeUndefined();
    // Another instance waits while the claim is fresh, then creates the group.
    const claimedAt = h.now();
    const other = h.newInstance();
    await other.deliver(added(pod));
    expect(h.group("default", "orphan-claim")).toBeUndefined();
    expect(h.events("cg.created")).toHaveLength(0);
    const start = Date.now();
    while (!running("orphan-claim")) {
      if (Date.now() - start > 20_000) throw new Error("never created");
      await new Promise((r) => setTimeout(r, 300));
      await other.deliver(added(pod, "status"));
    }
    expect(h.events("cg.created")).toHaveLength(1);
    // Not before the claim expired (CLAIM_TTL_MS of bridge time; the claim's time is kept in whole seconds).
    expect(h.now().getTime() - claimedAt.getTime()).toBeGreaterThanOrEqual(CLAIM_TTL_MS - 1000);
  }, 30_000);
});

describe("outages do not spend the poison budget", () => {
  it("a 60 s Kubernetes outage: messages are re-enqueued with back-off, none poisoned, the pod runs after", async () => {
    h = await startBridgeHarness({ aci: { throttling: false }, timeScale: 10 });
    const pods = [h.createBoundPod(simplePod("k-a")), h.createBoundPod(simplePod("k-b"))];
    const stop = h.kube.faults.add({ path: /\/api\/v1\/namespaces\/default\/pods/, status: 503 });
    for (const pod of pods)
      await h.queue.sendMessage(Buffer.from(JSON.stringify(added(pod))).toString("base64"));
    const t0 = h.now();
    await h.runUntil(() => h.now().getTime() - t0.getTime() >= 60_000, 10_000);
    stop();
    await h.runUntil(() => pods.every((p) => running(p.metadata!.name!)), 15_000);
    expect(await poisoned()).toBe(0);
    expect(h.events("message.retry")).toHaveLength(0);
    const deferred = h.events("message.retry.deferred");
    expect(deferred.length).toBeGreaterThanOrEqual(pods.length * 3);
    // Back-off, not a hot loop: each pod's attempts stay few over 60 s (2, 4, 8, 16, 32 s …).
    for (const p of pods) {
      const mine = deferred.filter((l) => l.fields.pod === `default/${p.metadata!.name}`);
      expect(mine.length).toBeLessThanOrEqual(8);
      expect(mine.map((l) => l.fields.attempt)).toEqual(mine.map((_, i) => i + 1));
    }
    expect(puts()).toBe(pods.length);
  }, 40_000);

  it("an ARM outage on a running pod's follow-ups: no poison, status sync resumes", async () => {
    h = await startBridgeHarness({ aci: { throttling: false }, timeScale: 10 });
    const pod = h.createBoundPod(simplePod("arm-out"));
    await h.deliver(added(pod));
    await h.runUntil(() => running("arm-out"));
    const stop = h.aci.faults.add({
      operation: "containerGroups.get",
      effect: { kind: "status", status: 503 },
    });
    const t0 = h.now();
    await h.runUntil(() => h.now().getTime() - t0.getTime() >= 60_000, 15_000);
    stop();
    expect(h.events("message.retry.deferred").length).toBeGreaterThanOrEqual(1);
    // The follow-up chain survived the outage: a crash afterwards still reaches the pod's status.
    h.aci.crashContainer(RESOURCE_GROUP, "default-arm-out", "app", 3);
    await h.runUntil(
      () =>
        h.pod("default", "arm-out")?.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode === 3,
      15_000,
    );
    expect(await poisoned()).toBe(0);
    expect(h.events("message.retry")).toHaveLength(0);
  }, 45_000);
});
