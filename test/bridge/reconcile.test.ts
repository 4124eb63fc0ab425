/** The reconcile timer: heartbeat (Lease + Node), Ready from ARM health, repair cost. */
import type { V1Lease, V1Node } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { added, NODE, simplePod, startBridgeHarness, type BridgeHarness } from "../support/bridge.js";

let h: BridgeHarness;
beforeEach(async () => {
  h = await startBridgeHarness({ aci: { throttling: false }, env: { ACI_REPAIR_INTERVAL_SECONDS: "3600" } });
});
afterEach(async () => {
  await h?.close();
});

const lease = () => h.kube.get<V1Lease>("leases", "kube-node-lease", NODE);
const node = () => h.kube.get<V1Node>("nodes", undefined, NODE);
const ready = () => node()?.status?.conditions?.find((c) => c.type === "Ready");

describe("reconcile timer", () => {
  it("registers the virtual node with labels, taint, capacity and Ready=True", async () => {
    await h.tick();
    const n = node()!;
    expect(n.metadata?.labels).toMatchObject({
      type: "virtual-kubelet",
      "kubernetes.io/role": "agent",
      "kubernetes.io/hostname": NODE,
      "kubernetes.io/os": "linux",
      "node.kubernetes.io/exclude-from-external-load-balancers": "true",
    });
    expect(n.spec?.taints).toContainEqual({
      key: "virtual-kubelet.io/provider",
      value: "azure",
      effect: "NoSchedule",
    });
    expect(n.status?.capacity).toMatchObject({ pods: "5k" }); // canonicalised by the API server
    expect(n.status?.daemonEndpoints?.kubeletEndpoint?.Port).toBe(10250);
    expect(ready()).toMatchObject({ status: "True", reason: "KubeletReady" });
    expect(h.events("node.registered")).toHaveLength(1);
  });

  it("registers without reserved labels when NodeRestriction forbids them (node credentials)", async () => {
    h.kube.faults.add({ method: "POST", path: /\/api\/v1\/nodes$/, status: 403, times: 1 });
    await h.tick();
    const labels = node()!.metadata!.labels!;
    expect(labels["kubernetes.io/role"]).toBeUndefined();
    expect(labels).toMatchObject({ type: "virtual-kubelet", "kubernetes.io/hostname": NODE });
    expect(h.events("node.labels.restricted")[0]?.fields.dropped).toEqual(["kubernetes.io/role"]);
    expect(ready()).toMatchObject({ status: "True" });
  });

  it("renews the Lease on every tick", async () => {
    await h.tick();
    const first = lease()!;
    expect(first.spec).toMatchObject({ holderIdentity: NODE, leaseDurationSeconds: 40 });
    const times: string[] = [String(first.spec?.renewTime)];
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 20));
      await h.tick();
      times.push(String(lease()!.spec?.renewTime));
    }
    expect(new Set(times).size).toBe(4);
    expect(Number(lease()!.metadata?.resourceVersion)).toBeGreaterThan(
      Number(first.metadata?.resourceVersion),
    );
  });

  it("reports Ready=False with a reason while ARM answers 401, and True again after", async () => {
    await h.tick();
    const removeFault = h.aci.faults.add({ effect: { kind: "auth", status: 401 } });
    h.runtime.tickState.lastArmCheckAt = 0; // force a fresh probe instead of waiting 30 s
    await h.tick();
    expect(ready()).toMatchObject({ status: "False", reason: "ArmUnauthorized" });
    expect(lease()).toBeDefined(); // the heartbeat itself goes on
    removeFault();
    h.runtime.tickState.lastArmCheckAt = 0;
    await h.tick();
    expect(ready()).toMatchObject({ status: "True", reason: "KubeletReady" });
    // Registration (→True), the outage (→False), the recovery (→True).
    expect(h.events("node.ready.changed").map((l) => l.fields.ready)).toEqual(["True", "False", "True"]);
  });

  it("reports ArmUnreachable while ARM answers 503", async () => {
    h.aci.faults.add({ effect: { kind: "status", status: 503 } });
    await h.tick();
    expect(ready()).toMatchObject({ status: "False", reason: "ArmUnreachable" });
  });

  it("patches the Node only when something changed or the heartbeat is getting old", async () => {
    await h.tick();
    const rv = node()!.metadata?.resourceVersion;
    await h.tick();
    expect(node()!.metadata?.resourceVersion).toBe(rv);
  });
});

describe("ARM budget of one pod's lifecycle", () => {
  it("1 PUT, 1 DELETE, and one GET per slow follow-up while running", async () => {
    const pod = h.createBoundPod(simplePod("budget"));
    h.aci.resetCalls();
    await h.deliver(added(pod));
    await h.runUntil(() => h.pod("default", "budget")?.status?.phase === "Running");
    // Steady state: follow-ups every ACI_STATUS_SLOW_SECONDS (1 s here, 45 s in production), one GET each.
    const windowStart = h.aci.calls.length;
    const kubeWindowStart = h.kube.calls.length;
    const runForMs = 4000;
    const until = Date.now() + runForMs;
    await h.runUntil(() => Date.now() > until);
    const steadyReads = h.aci.calls.slice(windowStart).filter((c) => c.kind === "read").length;
    expect(steadyReads).toBeGreaterThanOrEqual(2);
    expect(steadyReads).toBeLessThanOrEqual(runForMs / 1000 + 1);
    // Nothing changed while it ran: no Kubernetes status patches either.
    const statusPatches = h.kube.calls
      .slice(kubeWindowStart)
      .filter((c) => c.method === "PATCH" && c.path.endsWith("/status"));
    expect(statusPatches).toEqual([]);
    const allStatusPatches = h.kube.calls.filter((c) => c.method === "PATCH" && c.path.endsWith("/status"));
    expect(allStatusPatches.length).toBeGreaterThan(0); // the filter above does see status patches
    const core = h.kube.kubeConfig().makeApiClient((await import("@kubernetes/client-node")).CoreV1Api);
    await core.deleteNamespacedPod({ namespace: "default", name: "budget" });
    await h.deliver(added(pod, "updated"));
    await h.runUntil(() => h.pod("default", "budget") === undefined);
    expect(h.aci.countCalls({ operation: "containerGroups.createOrUpdate" })).toBe(1);
    expect(h.aci.countCalls({ operation: "containerGroups.delete" })).toBe(1);
    expect(h.aci.countCalls({ kind: "write" }) + h.aci.countCalls({ kind: "delete" })).toBe(2);
  });
});

describe("safety-net resync", () => {
  it("costs no ARM read for a running pod whose follow-up chain is alive", async () => {
    const pod = h.createBoundPod(simplePod("rotation"));
    await h.deliver(added(pod));
    await h.runUntil(() => h.pod("default", "rotation")?.status?.phase === "Running");
    const reads = h.aci.countCalls({ kind: "read" });
    await h.deliver(added(pod, "resync"));
    expect(h.aci.countCalls({ kind: "read" })).toBe(reads);
  });
});
