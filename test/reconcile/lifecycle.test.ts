/**
 * Pod lifecycle the kubelet gets right, end to end through the real SDK clients (ACI simulator, Kubernetes
 * API fake, Azurite). Bridge time runs ×10 (`timeScale`): the pod's timeline (back-offs, deadlines, status
 * times) is in bridge seconds, the test waits a tenth of it.
 */
import type { CoreV1Event } from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import { added, simplePod, startBridgeHarness, type BridgeHarness } from "../support/bridge.js";

let h: BridgeHarness;
afterEach(async () => {
  await h?.close();
});

const SCALE = 10;
const puts = () => h.aci.countCalls({ operation: "containerGroups.createOrUpdate" });
const podEvents = (name: string) =>
  h.kube.list<CoreV1Event>("events", "default").filter((e) => e.involvedObject.name === name);
const secondsSince = (t0: Date) => (h.now().getTime() - t0.getTime()) / 1000;

describe("a Secret that appears 30 s after the pod", () => {
  it("keeps the pod Pending with CreateContainerConfigError and a Failed Event, then runs it", async () => {
    h = await startBridgeHarness({ aci: { throttling: false }, timeScale: SCALE });
    const pod = h.createBoundPod(
      simplePod("needs-secret", undefined, {
        containers: [
          {
            name: "app",
            image: "mcr.microsoft.com/azuredocs/aci-helloworld",
            env: [{ name: "PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } }],
          },
        ],
      }),
    );
    const t0 = h.now();
    await h.deliver(added(pod));

    const waiting = () => h.pod("default", "needs-secret")!.status!;
    expect(waiting().phase).toBe("Pending");
    expect(waiting().containerStatuses?.[0]?.state?.waiting).toEqual({
      reason: "CreateContainerConfigError",
      message: 'secret "db" not found',
    });
    const failed = podEvents("needs-secret").find((e) => e.reason === "Failed");
    expect(failed).toMatchObject({
      type: "Warning",
      message: 'Error: secret "db" not found',
      involvedObject: { fieldPath: "spec.containers{app}" },
    });

    // Wait 30 s of the pod's time; the bridge looks again with its back-off, each look without ARM.
    const armCallsWhileWaiting = h.aci.calls.length;
    await h.runUntil(() => secondsSince(t0) >= 30, 10_000);
    expect(h.aci.calls.length).toBe(armCallsWhileWaiting);
    expect(waiting().phase).toBe("Pending");
    expect(puts()).toBe(0);
    const retries = h.events("pod.waiting.reference").map((l) => Number(l.fields.retrySeconds));
    const looks = retries.length;
    // A back-off, not a poll: 10 s first, then as long as the pod has waited (the queue rounds delays up
    // to whole real seconds, so a look may come a little late).
    expect(retries[0]).toBe(10);
    expect(looks).toBeGreaterThanOrEqual(2);
    expect(looks).toBeLessThanOrEqual(4);
    for (let i = 1; i < looks; i++) expect(retries[i]).toBeGreaterThanOrEqual(retries[i - 1]!);
    expect(podEvents("needs-secret").find((e) => e.reason === "Failed")?.count).toBe(looks);

    h.kube.createSecret({
      metadata: { name: "db", namespace: "default" },
      data: { password: Buffer.from("s3cret-value").toString("base64") },
    });
    await h.runUntil(() => h.pod("default", "needs-secret")?.status?.phase === "Running", 15_000);
    const ranAfter = secondsSince(t0);
    expect(ranAfter).toBeGreaterThan(30);
    expect(ranAfter).toBeLessThan(70); // the look after 40 s creates it
    expect(puts()).toBe(1);
    const status = h.pod("default", "needs-secret")!.status!;
    expect(status.conditions?.some((c) => c.type.startsWith("aci-bridge.io/"))).toBe(false);
    expect(h.logs.some((l) => l.event === "pod.failed")).toBe(false);
    expect((await h.poison.peekMessages({ numberOfMessages: 32 })).peekedMessageItems).toHaveLength(0);
  }, 40_000);

  it("a missing secret volume shows ContainerCreating and FailedMount; an optional one does not wait", async () => {
    h = await startBridgeHarness({ aci: { throttling: false }, timeScale: SCALE });
    const pod = h.createBoundPod(
      simplePod("mounts", undefined, {
        volumes: [
          { name: "certs", secret: { secretName: "tls" } },
          { name: "extra", configMap: { name: "maybe", optional: true } },
        ],
      }),
    );
    await h.deliver(added(pod));
    const status = h.pod("default", "mounts")!.status!;
    expect(status.phase).toBe("Pending");
    expect(status.containerStatuses?.[0]?.state?.waiting).toEqual({ reason: "ContainerCreating" });
    expect(podEvents("mounts").find((e) => e.reason === "FailedMount")).toMatchObject({
      type: "Warning",
      message: 'MountVolume.SetUp failed for volume "certs" : secret "tls" not found',
    });
    expect(puts()).toBe(0);
  });
});

describe("activeDeadlineSeconds", () => {
  it("fails the pod with DeadlineExceeded and kills its group at the deadline, not a slow period later", async () => {
    // Slow follow-ups every 600 s: only the deadline folded into the schedule makes the bridge look at 20 s.
    h = await startBridgeHarness({
      aci: { throttling: false },
      timeScale: SCALE,
      env: { ACI_STATUS_SLOW_SECONDS: "600" },
    });
    const pod = h.createBoundPod(simplePod("deadline", undefined, { activeDeadlineSeconds: 20 }));
    await h.deliver(added(pod));
    await h.runUntil(() => h.pod("default", "deadline")?.status?.phase === "Running", 10_000);
    const readsWhileRunning = h.aci.countCalls({ kind: "read" });
    await h.runUntil(() => h.pod("default", "deadline")?.status?.phase === "Failed", 10_000);
    const p = h.pod("default", "deadline")!;
    expect(p.status).toMatchObject({
      reason: "DeadlineExceeded",
      message: "Pod was active on the node longer than the specified deadline",
    });
    const startedAt = new Date(p.status!.startTime!).getTime();
    expect(h.now().getTime() - startedAt).toBeLessThan(40_000);
    expect(p.status!.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 137 });
    expect(h.aci.countCalls({ operation: "containerGroups.delete" })).toBe(1);
    // One look at the deadline (a GET), no poll in between.
    expect(h.aci.countCalls({ kind: "read" }) - readsWhileRunning).toBeLessThanOrEqual(2);
    expect(podEvents("deadline").find((e) => e.reason === "DeadlineExceeded")?.type).toBe("Normal");
  }, 30_000);
});
