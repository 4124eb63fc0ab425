/**
 * The bridge loop end to end through the real SDKs: ACI simulator (ARM), Kubernetes API fake, Azurite,
 * and the exported podEvents/reconcile handlers.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
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

const running = (pod: V1Pod | undefined) => pod?.status?.phase === "Running";
const puts = () => h.aci.countCalls({ operation: "containerGroups.createOrUpdate" });

describe("the cluster identity in the tags", () => {
  it("without ACI_CLUSTER_ID or a cluster name, a create tags the kube-system uid (read once per process)", async () => {
    h = await startBridgeHarness({ aci: { throttling: false }, env: { ACI_BRIDGE_CLUSTER_NAME: "" } });
    const uid = h.kube.get<{ metadata: { uid: string } }>("namespaces", undefined, "kube-system")!.metadata
      .uid;
    for (const name of ["web-a", "web-b"]) await h.deliver(added(h.createBoundPod(simplePod(name))));
    for (const name of ["web-a", "web-b"]) {
      const tags = (h.group("default", name) as { tags: Record<string, string> }).tags;
      expect(tags["aci-bridge.cluster"]).toBe(uid);
    }
    expect(h.kube.calls.filter((c) => c.path.endsWith("/namespaces/kube-system"))).toHaveLength(1);
  });

  it("while it cannot be read (API server 5xx), the message is retried instead of tagging a guess", async () => {
    h = await startBridgeHarness({ aci: { throttling: false }, env: { ACI_BRIDGE_CLUSTER_NAME: "" } });
    h.kube.faults.add({ method: "GET", path: /\/namespaces\/kube-system$/, status: 503, times: 1 });
    await h.deliver(added(h.createBoundPod(simplePod("web"))));
    expect(puts()).toBe(0);
    expect(h.events("message.retry.deferred")).toHaveLength(1);
  });
});

describe("a pod bound to the virtual node", () => {
  beforeEach(async () => {
    h = await startBridgeHarness({ aci: { throttling: false } });
  });

  it("becomes a container group, then Running with podIP and container statuses", async () => {
    const pod = h.createBoundPod(simplePod("web"));
    await h.deliver(added(pod));
    expect(h.events("cg.created")).toHaveLength(1);
    const group = h.group("default", "web");
    expect(group).toBeDefined();
    const tags = (group as { tags: Record<string, string> }).tags;
    expect(tags).toMatchObject({
      "aci-bridge.cluster": "test-cluster",
      "aci-bridge.node": "aci-bridge",
      "aci-bridge.namespace": "default",
      "aci-bridge.pod": "web",
      "aci-bridge.uid": pod.metadata!.uid,
    });
    await h.runUntil(() => running(h.pod("default", "web")));
    const status = h.pod("default", "web")!.status!;
    expect(status.podIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(status.containerStatuses?.[0]).toMatchObject({ name: "app", ready: true, restartCount: 0 });
    expect(status.containerStatuses?.[0]?.state?.running?.startedAt).toBeDefined();
    expect(status.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
    expect(puts()).toBe(1);
  });

  it("a Job-style pod ends Succeeded with exit code 0", async () => {
    const pod = h.createBoundPod(simplePod("job", "aci-sim/exit-0-after-300ms", { restartPolicy: "Never" }));
    await h.deliver(added(pod));
    await h.runUntil(() => h.pod("default", "job")?.status?.phase === "Succeeded");
    const terminated = h.pod("default", "job")!.status!.containerStatuses![0]!.state!.terminated!;
    expect(terminated.exitCode).toBe(0);
    expect(terminated.reason).toBe("Completed");
  });

  it("a crash-looping container shows its restartCount", async () => {
    const pod = h.createBoundPod(
      simplePod("crash", "aci-sim/crashloop-2-after-100ms", { restartPolicy: "Always" }),
    );
    await h.deliver(added(pod));
    await h.runUntil(
      () => (h.pod("default", "crash")?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2,
    );
    const status = h.pod("default", "crash")!.status!.containerStatuses![0]!;
    expect(status.lastState?.terminated?.exitCode).toBe(2);
  });

  it("an image pull failure shows Waiting with the reason and an Event", async () => {
    const pod = h.createBoundPod(simplePod("pull", "example.azurecr.io/app:does-not-exist"));
    await h.deliver(added(pod));
    await h.runUntil(() =>
      /ImagePull/.test(
        h.pod("default", "pull")?.status?.containerStatuses?.[0]?.state?.waiting?.reason ?? "",
      ),
    );
    const waiting = h.pod("default", "pull")!.status!.containerStatuses![0]!.state!.waiting!;
    expect(waiting.reason).toMatch(/ImagePull|ErrImagePull/);
    const events = h.kube.list<{ involvedObject: { name: string }; reason: string; type: string }>(
      "events",
      "default",
    );
    expect(events.some((e) => e.involvedObject.name === "pull" && e.type === "Warning")).toBe(true);
  });

  it("graceful delete: the pod stays Terminating until its group is gone, then disappears", async () => {
    const pod = h.createBoundPod(simplePod("grace"));
    await h.deliver(added(pod));
    await h.runUntil(() => running(h.pod("default", "grace")));
    const core = h.kube.kubeConfig().makeApiClient((await import("@kubernetes/client-node")).CoreV1Api);
    await core.deleteNamespacedPod({ namespace: "default", name: "grace" });
    expect(h.pod("default", "grace")?.metadata?.deletionTimestamp).toBeDefined();
    await h.deliver(added(pod, "updated"));
    // ARM accepted the DELETE (202) but has not finished: the pod object must still be there.
    expect(h.pod("default", "grace")).toBeDefined();
    await h.runUntil(() => h.pod("default", "grace") === undefined);
    expect(h.group("default", "grace")).toBeUndefined();
    expect(h.aci.countCalls({ operation: "containerGroups.delete" })).toBe(1);
    expect(h.events("pod.finalized")).toHaveLength(1);
    // The kubelet's Killing Event, saying what ACI cannot do.
    const killing = h.kube
      .list<{ involvedObject: { name: string }; reason: string; message: string }>("events", "default")
      .filter((e) => e.involvedObject.name === "grace" && e.reason === "Killing");
    expect(killing.map((e) => e.message)).toEqual([
      "Stopping container app (ACI gives no grace period: terminationGracePeriodSeconds 30 not honoured)",
    ]);
  });

  it("force delete leaves no orphan after the next message", async () => {
    const pod = h.createBoundPod(simplePod("force"));
    await h.deliver(added(pod));
    h.kube.deletePodNow("default", "force");
    await h.deliver(added(pod, "deleted"));
    await h.runUntil(() => h.group("default", "force") === undefined);
    expect(h.events("cg.deleted")[0]?.fields).toMatchObject({ why: "pod gone" });
  });

  it("force delete with the message lost: the timer's repair deletes the orphan", async () => {
    const pod = h.createBoundPod(simplePod("lost-delete"));
    await h.deliver(added(pod));
    h.kube.deletePodNow("default", "lost-delete");
    await h.tick();
    await h.runUntil(() => h.group("default", "lost-delete") === undefined);
    expect(h.events("cg.orphan.deleted")).toHaveLength(1);
  });

  it("three concurrent deliveries of the same message → exactly one PUT", async () => {
    const pod = h.createBoundPod(simplePod("dup"));
    await Promise.all([h.deliver(added(pod)), h.deliver(added(pod)), h.deliver(added(pod))]);
    await h.runUntil(() => running(h.pod("default", "dup")));
    expect(puts()).toBe(1);
  });

  it("reordered messages (deleted before added) reach the right end state", async () => {
    const pod = h.createBoundPod(simplePod("order"));
    await h.deliver(added(pod, "deleted"));
    await h.deliver(added(pod, "added"));
    await h.runUntil(() => running(h.pod("default", "order")));
    expect(puts()).toBe(1);
  });

  it("a lost added message is repaired by the timer", async () => {
    h.createBoundPod(simplePod("lost"));
    await h.tick();
    await h.runUntil(() => running(h.pod("default", "lost")));
    expect(h.events("repair.completed")[0]?.fields.enqueuedMissing).toBe(1);
  });

  it("an invalid pod is Failed with reason and Event, and the message is not retried", async () => {
    const pod = h.createBoundPod(
      simplePod("bad", "nginx", {
        volumes: [{ name: "host", hostPath: { path: "/var/run" } }],
      }),
    );
    await h.deliver(added(pod));
    const status = h.pod("default", "bad")!.status!;
    expect(status.phase).toBe("Failed");
    expect(status.reason).toBe("UnsupportedPodSpec");
    expect(status.message).toContain("spec.volumes[0]");
    const events = h.kube.list<{ involvedObject: { name: string }; reason: string }>("events", "default");
    expect(events.some((e) => e.involvedObject.name === "bad" && e.reason === "UnsupportedPodSpec")).toBe(
      true,
    );
    expect(puts()).toBe(0);
    expect(h.events("cg.create.failed")).toHaveLength(1);
    // Handling again is a no-op: a final pod is not retried.
    await h.deliver(added(pod));
    expect(h.events("cg.create.failed")).toHaveLength(1);
  });

  it("a garbage message goes to the poison queue with an error log", async () => {
    await h.deliver("this is not json");
    await h.deliver({ v: 2, ns: "default", name: "x", reason: "added" });
    expect(h.events("message.invalid")).toHaveLength(2);
    const peeked = await h.poison.peekMessages({ numberOfMessages: 10 });
    const bodies = peeked.peekedMessageItems.map((m) =>
      Buffer.from(m.messageText, "base64").toString("utf8"),
    );
    expect(bodies).toEqual([
      "this is not json",
      JSON.stringify({ v: 2, ns: "default", name: "x", reason: "added" }),
    ]);
  });

  it("a foreign group in the same resource group is untouched after many ticks", async () => {
    const foreign = {
      location: "westeurope",
      properties: {
        osType: "Linux",
        containers: [
          { name: "c", properties: { image: "nginx", resources: { requests: { cpu: 1, memoryInGB: 1.5 } } } },
        ],
      },
    };
    h.aci.seedGroup(RESOURCE_GROUP, "someone-elses-app", foreign);
    h.aci.seedGroup(RESOURCE_GROUP, "other-cluster-app", {
      ...foreign,
      tags: {
        "aci-bridge.cluster": "another-cluster",
        "aci-bridge.node": "aci-bridge",
        "aci-bridge.namespace": "default",
        "aci-bridge.pod": "app",
        "aci-bridge.uid": "00000000-dead-beef-0000-000000000000",
      },
    });
    for (let i = 0; i < 5; i++) await h.tick();
    await h.pump();
    expect(h.aci.getGroup(RESOURCE_GROUP, "someone-elses-app")).toBeDefined();
    expect(h.aci.getGroup(RESOURCE_GROUP, "other-cluster-app")).toBeDefined();
    expect(h.aci.countCalls({ operation: "containerGroups.delete" })).toBe(0);
  });

  it("a foreign group holding the pod's name is never touched; the pod says why", async () => {
    h.aci.seedGroup(RESOURCE_GROUP, "default-taken", {
      location: "westeurope",
      properties: {
        osType: "Linux",
        containers: [
          { name: "c", properties: { image: "nginx", resources: { requests: { cpu: 1, memoryInGB: 1.5 } } } },
        ],
      },
    });
    const pod = h.createBoundPod(simplePod("taken"));
    await h.deliver(added(pod));
    expect(h.pod("default", "taken")!.status!.reason).toBe("ContainerGroupNameConflict");
    expect(puts()).toBe(0);
    expect(h.aci.getGroup(RESOURCE_GROUP, "default-taken")).toBeDefined();
  });

  it("a pod recreated with the same name replaces the old pod's group", async () => {
    const first = h.createBoundPod(simplePod("sts-0"));
    await h.deliver(added(first));
    h.kube.deletePodNow("default", "sts-0");
    const second = h.createBoundPod(simplePod("sts-0"));
    expect(second.metadata!.uid).not.toBe(first.metadata!.uid);
    await h.deliver(added(second));
    await h.runUntil(() => running(h.pod("default", "sts-0")));
    const tags = (h.group("default", "sts-0") as { tags: Record<string, string> }).tags;
    expect(tags["aci-bridge.uid"]).toBe(second.metadata!.uid);
    expect(h.aci.countCalls({ operation: "containerGroups.delete" })).toBe(1);
  });
});

describe("transient ARM errors", () => {
  beforeEach(async () => {
    h = await startBridgeHarness({ aci: { throttling: false } });
  });

  it("503 on create is retried and the pod is never Failed", async () => {
    h.aci.faults.add({
      operation: "containerGroups.createOrUpdate",
      times: 1,
      effect: { kind: "status", status: 503 },
    });
    const pod = h.createBoundPod(simplePod("flaky"));
    // Completed with a delayed copy (attempt 1) instead of a failure that spends the host's dequeue count.
    await h.deliver(added(pod));
    expect(h.pod("default", "flaky")!.status?.phase).not.toBe("Failed");
    expect(h.events("message.retry")).toHaveLength(0);
    expect(h.events("message.retry.deferred")[0]?.fields).toMatchObject({ attempt: 1, retrySeconds: 2 });
    expect(h.events("message.retry.deferred")[0]?.fields.error).toMatch(/503/);
    await h.deliver({ ...added(pod), attempt: 1 });
    // The SDK never retries a write (lib/aci/armClient.ts): one refused PUT, then the delayed copy's PUT.
    expect(puts()).toBe(2);
    await h.runUntil(() => running(h.pod("default", "flaky")));
    expect(h.logs.some((l) => l.event === "pod.failed")).toBe(false);
  });

  it("a duplicate delivery that fails too sends no second retry copy: one retry chain per pod", async () => {
    h.kube.faults.add({ method: "GET", path: /\/pods\/dup$/, status: 503, times: 2 });
    const pod = h.createBoundPod(simplePod("dup"));
    const before = (await h.queue.getProperties()).approximateMessagesCount ?? 0;
    await h.deliver(added(pod));
    await h.deliver(added(pod)); // the same message again (the queue delivers at least once)
    const retries = h.events("message.retry.deferred");
    expect(retries.map((l) => l.fields.coalesced ?? false)).toEqual([false, true]);
    expect((await h.queue.getProperties()).approximateMessagesCount).toBe(before + 1);
  });

  it("429 with a long Retry-After defers the message instead of hammering ARM", async () => {
    h.aci.faults.add({
      operation: "containerGroups.createOrUpdate",
      times: 1,
      effect: { kind: "throttle", retryAfterSeconds: 60 },
    });
    const a = h.createBoundPod(simplePod("throttled-a"));
    const b = h.createBoundPod(simplePod("throttled-b"));
    await h.deliver(added(a));
    await h.deliver(added(b));
    // One PUT reached ARM; the second create waited behind the gate without calling ARM.
    expect(puts()).toBe(1);
    expect(h.events("arm.throttled")[0]?.fields).toMatchObject({ retryAfterMs: 60_000 });
    expect(h.events("cg.create.deferred")).toHaveLength(1);
    const peeked = await h.queue.peekMessages({ numberOfMessages: 32 });
    expect(peeked.peekedMessageItems).toHaveLength(0); // both are invisible for ~60 s
    expect(h.pod("default", "throttled-a")!.status?.phase).toBe("Pending");
  });
});

describe("a short create gate", () => {
  it("429 with a short Retry-After: a create behind the gate waits it out in the invocation, no queue round trip", async () => {
    h = await startBridgeHarness({ aci: { throttling: false } });
    h.aci.faults.add({
      operation: "containerGroups.createOrUpdate",
      times: 1,
      effect: { kind: "throttle", retryAfterSeconds: 2 },
    });
    const a = h.createBoundPod(simplePod("short-a"));
    const b = h.createBoundPod(simplePod("short-b"));
    await h.deliver(added(a)); // its PUT answered 429 (Retry-After 2 s): a is deferred, the gate closes
    expect(h.events("arm.throttled").map((l) => l.fields.pod)).toEqual(["default/short-a"]);
    await h.deliver(added(b)); // behind the 2 s gate: waited for here, then created
    expect(h.events("cg.create.deferred")).toHaveLength(0);
    expect(h.events("cg.created").map((l) => l.fields.pod)).toEqual(["default/short-b"]);
  });
});

describe("configuration errors", () => {
  it("a missing setting fails the invocation with config.invalid naming it", async () => {
    const { InvocationContext } = await import("@azure/functions");
    const { createPodEventsHandler, lazyRuntime } = await import("../../lib/functions/handlers.js");
    const { loadBridgeConfig } = await import("../../lib/config.js");
    const { createBridgeRuntime } = await import("../../lib/runtime.js");
    const lines: string[] = [];
    const handler = createPodEventsHandler(lazyRuntime(() => createBridgeRuntime(loadBridgeConfig({}))));
    const context = new InvocationContext({ logHandler: (_level, ...args) => lines.push(args.join(" ")) });
    await expect(handler({ v: 1, ns: "default", name: "x", reason: "added" }, context)).rejects.toThrow(
      /AZURE_SUBSCRIPTION_ID must be set/,
    );
    expect(lines).toEqual([
      `config.invalid ${JSON.stringify({ error: "AZURE_SUBSCRIPTION_ID must be set" })}`,
    ]);
  });
});

describe("throttling scope", () => {
  it("a throttled read does not pause creates; a throttled write does, without spending reads", async () => {
    h = await startBridgeHarness({ aci: { throttling: false } });
    h.aci.faults.add({
      operation: "containerGroups.get",
      times: 1,
      effect: { kind: "throttle", retryAfterSeconds: 30 },
    });
    const a = h.createBoundPod(simplePod("read-throttled"));
    const b = h.createBoundPod(simplePod("after-read-throttle"));
    await h.deliver(added(a)); // GET 429 → deferred, gate stays open
    await h.deliver(added(b));
    expect(h.events("cg.created").map((l) => l.fields.pod)).toEqual(["default/after-read-throttle"]);

    h.aci.faults.add({
      operation: "containerGroups.createOrUpdate",
      times: 1,
      effect: { kind: "throttle", retryAfterSeconds: 30 },
    });
    const c = h.createBoundPod(simplePod("write-throttled"));
    const d = h.createBoundPod(simplePod("behind-the-gate"));
    await h.deliver(added(c));
    const readsBefore = h.aci.countCalls({ kind: "read" });
    await h.deliver(added(d));
    expect(h.aci.countCalls({ kind: "read" })).toBe(readsBefore); // deferred without a GET
    expect(h.events("cg.create.deferred").at(-1)?.fields.pod).toBe("default/behind-the-gate");
  });
});
