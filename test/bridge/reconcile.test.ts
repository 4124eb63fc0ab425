/**
 * The reconcile timer: heartbeat (Lease + Node), Ready from ARM health, repair cost, the heartbeat during a
 * long repair, restoring status chains after an outage, orphan deletion and the cluster identity.
 */
import type { V1Lease, V1Node } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { memoryLogger } from "../../lib/log.js";
import type { PodMessage } from "../../lib/queue/message.js";
import { runTick, type TickDeps } from "../../lib/reconcile/tick.js";
import {
  containerGroupName,
  TAG_CLUSTER,
  TAG_NAMESPACE,
  TAG_NODE,
  TAG_POD,
  TAG_UID,
} from "../../lib/translate/names.js";
import {
  added,
  CLUSTER,
  NODE,
  RESOURCE_GROUP,
  simplePod,
  startBridgeHarness,
  type BridgeHarness,
  type HarnessOptions,
} from "../support/bridge.js";

let h: BridgeHarness;
const harnessOptions = (extra: HarnessOptions = {}): HarnessOptions => ({
  ...extra,
  aci: { throttling: false, ...extra.aci },
  env: { ACI_REPAIR_INTERVAL_SECONDS: "3600", ...extra.env },
});
beforeEach(async () => {
  h = await startBridgeHarness(harnessOptions());
});
afterEach(async () => {
  await h?.close();
});

/** Restart the harness with other options (the default one is closed). */
async function restart(extra: HarnessOptions): Promise<void> {
  await h.close();
  h = await startBridgeHarness(harnessOptions(extra));
}

/** Lease writes (create/replace) the API fake answered 2xx, in order, with the time they were answered. */
const leaseWrites = () =>
  h.kube.calls.filter(
    (c) =>
      (c.method === "PUT" || c.method === "POST") &&
      c.path.includes("/namespaces/kube-node-lease/leases") &&
      c.status >= 200 &&
      c.status < 300,
  );
const maxGapMs = (times: number[]) => Math.max(0, ...times.slice(1).map((t, i) => t - times[i]!));

/** runTick with the harness's runtime and state, plus test knobs (the handler passes none). */
function tickWith(extra: Partial<TickDeps> = {}, log = memoryLogger()) {
  const r = h.runtime;
  return {
    log,
    run: () =>
      runTick(
        {
          kube: r.kube,
          aci: r.aci,
          sender: r.sender,
          config: r.config,
          now: r.now,
          log,
          rotationSlots: 1_000_000, // no safety-net rotation: only what the test arranges is sent
          ...extra,
        },
        r.tickState,
      ),
  };
}

async function queued(): Promise<PodMessage[]> {
  const peeked = await h.queue.peekMessages({ numberOfMessages: 32 });
  return peeked.peekedMessageItems.map(
    (m) => JSON.parse(Buffer.from(m.messageText, "base64").toString("utf8")) as PodMessage,
  );
}

/** Running pods in the API fake, each with its tagged group already in the simulator. */
function seedRunningPods(count: number, prefix = "seed"): void {
  for (let i = 0; i < count; i++) {
    const name = `${prefix}-${i}`;
    const pod = h.createBoundPod(simplePod(name));
    h.kube.updatePodStatus("default", name, { phase: "Running", podIP: `10.1.${i >> 8}.${i & 255}` });
    h.aci.seedGroup(RESOURCE_GROUP, containerGroupName("default", name), {
      location: "westeurope",
      tags: ownerTags(name, pod.metadata?.uid ?? ""),
      properties: {
        osType: "Linux",
        containers: [
          { name: "app", properties: { image: "nginx", resources: { requests: { cpu: 1, memoryInGB: 1 } } } },
        ],
      },
    });
  }
}

const ownerTags = (pod: string, uid: string, cluster = CLUSTER) => ({
  [TAG_CLUSTER]: cluster,
  [TAG_NODE]: NODE,
  [TAG_NAMESPACE]: "default",
  [TAG_POD]: pod,
  [TAG_UID]: uid,
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

describe("a failed heartbeat is visible", () => {
  it("logs the API server's reason and fails the invocation, after the rest of the tick ran", async () => {
    const message =
      'Lease in version "v1" cannot be handled as a Lease: parsing time "2026-12-01T19:12:48.863Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse ".863Z" as ".000000"';
    h.kube.faults.add({ method: "POST", path: /\/leases$/, status: 400, reason: "BadRequest", message });
    h.aci.resetCalls();
    await expect(h.tick()).rejects.toThrow(/heartbeat failed .*400 BadRequest: Lease in version "v1"/);
    const failed = h.events("node.heartbeat.failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]!.level).toBe("error");
    expect(failed[0]!.fields).toMatchObject({ node: NODE, status: 400, message });
    expect(failed[0]!.text).not.toMatch(/kube-fake-token|Bearer/i);
    // The Node was registered first and the ARM probe still ran in the same invocation.
    expect(node()).toBeDefined();
    expect(h.aci.countCalls({ kind: "read" })).toBeGreaterThan(0);
    h.kube.faults.clear();
    await expect(h.tick()).resolves.toBeUndefined();
    expect(lease()).toBeDefined();
  });
});

describe("Lease ownership", () => {
  it("the Lease is owned by its Node (apiVersion v1, kind Node, name, uid)", async () => {
    await h.tick();
    expect(lease()!.metadata?.ownerReferences).toEqual([
      { apiVersion: "v1", kind: "Node", name: NODE, uid: node()!.metadata!.uid },
    ]);
  });

  it("a Lease renewed while the Node could not be registered gets its owner on a later renewal", async () => {
    h.kube.faults.add({ method: "POST", path: /\/api\/v1\/nodes$/, status: 500, times: 1 });
    await expect(h.tick()).rejects.toThrow(/create node/);
    expect(lease()!.metadata?.ownerReferences ?? []).toEqual([]); // renewed without an owner meanwhile
    await h.tick();
    expect(lease()!.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: "Node",
      uid: node()!.metadata!.uid,
    });
  });
});

describe("late heartbeat", () => {
  it("logs node.heartbeat.late with the gap when the previous renewal is more than 20 s old", async () => {
    await h.tick();
    expect(h.events("node.heartbeat.late")).toEqual([]);
    const old = lease()!;
    const renewTime = new Date(Date.now() - 31_000).toISOString().replace("Z", "000Z");
    h.kube.update("leases", { ...old, spec: { ...old.spec, renewTime } });
    await h.tick();
    const late = h.events("node.heartbeat.late");
    expect(late).toHaveLength(1);
    expect(late[0]!.level).toBe("warning");
    expect(Number(late[0]!.fields.gapSeconds)).toBeGreaterThanOrEqual(31);
    expect(Number(late[0]!.fields.gapSeconds)).toBeLessThan(40);
    expect(h.events("repair.chains.restore")[0]?.fields).toEqual({ why: "heartbeat late" });
  });
});

// Full scale (HEARTBEAT_FULL_SCALE=1): 5,000 groups in ARM pages of 100 at 100–600 ms each, the production
// 10 s cadence. Default: the same shape scaled down (200 groups, pages of 10, 2 s cadence) to run in seconds.
const FULL = process.env.HEARTBEAT_FULL_SCALE === "1";
const SCALE = FULL
  ? { groups: 5000, pageSize: 100, everyMs: 10_000 }
  : { groups: 200, pageSize: 10, everyMs: 2_000 };

describe("the heartbeat never waits on repair", () => {
  async function longRepair(heartbeatEveryMs: number) {
    await restart({ aci: { pageSize: SCALE.pageSize } });
    seedRunningPods(SCALE.groups);
    await h.tick(); // registers the node, repairs once without latency
    // ARM list pages: 100 ms plus 0–500 ms (five coin flips of 100 ms), like ARM under load.
    h.aci.faults.add({
      operation: "containerGroups.listByResourceGroup",
      effect: { kind: "latency", ms: 100 },
    });
    for (let i = 0; i < 5; i++) {
      h.aci.faults.add({
        operation: "containerGroups.listByResourceGroup",
        probability: 0.5,
        effect: { kind: "latency", ms: 100 },
      });
    }
    h.runtime.tickState.lastRepairAt = undefined; // repair due
    // …after an outage: one queue send per pod on top of the listing (the worst repair there is).
    h.runtime.tickState.restoreChains = "test";
    const from = leaseWrites().length;
    const tick = tickWith({ heartbeatEveryMs });
    const t0 = Date.now();
    const report = await tick.run();
    const tickMs = Date.now() - t0;
    // The next timer occurrence: the next multiple of the period after the tick ended (NCRONTAB).
    await new Promise((r) => setTimeout(r, SCALE.everyMs - (Date.now() % SCALE.everyMs)));
    await tickWith({ heartbeatEveryMs }).run();
    const times = leaseWrites()
      .slice(from)
      .map((c) => c.at);
    return { report, tickMs, gap: maxGapMs(times), renewals: times.length };
  }

  it(
    `renews the Lease every period while a repair over ${SCALE.groups} groups with ARM latency runs`,
    async () => {
      const { report, tickMs, gap, renewals } = await longRepair(SCALE.everyMs);
      console.log(
        `heartbeat: ${SCALE.groups} groups, ARM pages of ${SCALE.pageSize} at 100–600 ms: tick ${tickMs} ms, ` +
          `${renewals} renewals, max Lease renewal gap ${gap} ms (cadence ${SCALE.everyMs} ms), ` +
          `${report.repair!.enqueuedRestore} sends, truncated ${report.repair!.truncated}`,
      );
      expect(report.repair?.ownedGroups).toBe(SCALE.groups);
      // Every pod got its check, or is left for the next tick after the cursor (the time budget).
      expect(report.repair!.enqueuedRestore + report.repair!.skipped).toBe(SCALE.groups);
      if (report.repair!.truncated) expect(report.repair!.cursor).toBeDefined();
      expect(tickMs).toBeGreaterThan(2 * SCALE.everyMs); // long enough to starve a Lease renewed only per tick
      expect(report.heartbeats).toBeGreaterThanOrEqual(3);
      expect(gap).toBeLessThan(2 * SCALE.everyMs); // 20 s at the production 10 s cadence
      expect(h.events("node.heartbeat.late")).toEqual([]);
    },
    FULL ? 300_000 : 60_000,
  );

  it(
    "without the heartbeat loop the same repair leaves the Lease unrenewed for the whole tick",
    async () => {
      const { tickMs, gap } = await longRepair(3_600_000);
      console.log(`heartbeat without the loop: tick ${tickMs} ms, max Lease renewal gap ${gap} ms`);
      expect(gap).toBeGreaterThan(2 * SCALE.everyMs);
      expect(gap).toBeGreaterThanOrEqual(tickMs - 100);
    },
    FULL ? 300_000 : 60_000,
  );
});

describe("repair restores status chains after an outage", () => {
  async function runningPodWithLostChain(name: string) {
    const pod = h.createBoundPod(simplePod(name, undefined, { restartPolicy: "Never" }));
    await h.deliver(added(pod));
    await h.runUntil(() => h.pod("default", name)?.status?.phase === "Running");
    await h.tick();
    await h.queue.clearMessages(); // every follow-up status check lost
    h.aci.crashContainer(RESOURCE_GROUP, containerGroupName("default", name), "app", 1);
    return pod;
  }

  it("after ARM was unhealthy, the next repair sends a status check for each non-final pod, once", async () => {
    await runningPodWithLostChain("crashed");
    const done = h.createBoundPod(simplePod("done"));
    h.kube.updatePodStatus("default", "done", { phase: "Succeeded" });
    void done;
    const removeFault = h.aci.faults.add({ effect: { kind: "status", status: 503 } });
    h.runtime.tickState.lastArmCheckAt = 0;
    await tickWith().run(); // ARM unhealthy: no repair now, but the outage is remembered
    expect(await queued()).toEqual([]);
    removeFault();
    const first = tickWith();
    const report = await first.run();
    expect(report.repair?.enqueuedRestore).toBe(1);
    const messages = await queued();
    expect(messages.map((m) => `${m.reason} ${m.ns}/${m.name}`)).toEqual(["status default/crashed"]);
    // The check sees the crash the lists could not show.
    await h.runUntil(() => h.pod("default", "crashed")?.status?.phase === "Failed");
    // Cheap: not every tick. The next repair sends no restore.
    h.runtime.tickState.lastRepairAt = undefined;
    const again = await tickWith().run();
    expect(again.repair?.enqueuedRestore).toBe(0);
  });

  it("without an outage the repair alone never notices the crash (what the restore is for)", async () => {
    await runningPodWithLostChain("unnoticed");
    h.runtime.tickState.lastRepairAt = undefined;
    const report = await tickWith().run();
    expect(report.repair).toMatchObject({ enqueuedRestore: 0, enqueuedStale: 0, enqueuedMissing: 0 });
    expect(await queued()).toEqual([]);
    expect(h.pod("default", "unnoticed")?.status?.phase).toBe("Running");
  });
});

describe("orphan deletion and the cluster identity", () => {
  function seedOrphan(cluster: string): string {
    const name = containerGroupName("default", "ghost");
    h.aci.seedGroup(RESOURCE_GROUP, name, {
      location: "westeurope",
      tags: ownerTags("ghost", "uid-of-a-pod-long-gone", cluster),
      properties: {
        osType: "Linux",
        containers: [
          { name: "app", properties: { image: "nginx", resources: { requests: { cpu: 1, memoryInGB: 1 } } } },
        ],
      },
    });
    return name;
  }

  it("deletes an orphan under an explicit identity", async () => {
    const name = seedOrphan(CLUSTER);
    await h.tick();
    await h.runUntil(() => !h.aci.getGroup(RESOURCE_GROUP, name));
    expect(h.events("cg.orphan.deleted")).toHaveLength(1);
    expect(h.events("repair.orphans.refused")).toEqual([]);
  });

  const kubeSystemUid = () =>
    h.kube.get<{ metadata: { uid: string } }>("namespaces", undefined, "kube-system")!.metadata.uid;

  it("without a setting, derives the identity from the kube-system uid: its tags, its orphans only", async () => {
    await restart({ env: { ACI_BRIDGE_CLUSTER_NAME: "" } });
    expect(h.runtime.config.clusterIdentity).toBe("derive");
    const uid = kubeSystemUid();
    expect(uid).toMatch(/^[0-9a-f-]{36}$/);
    const ours = seedOrphan(uid);
    // What another default install (or this one before the upgrade) tagged: not provably ours, never deleted.
    const legacy = containerGroupName("default", "ghost-legacy");
    h.aci.seedGroup(RESOURCE_GROUP, legacy, {
      location: "westeurope",
      tags: ownerTags("ghost-legacy", "uid-of-another-install", "default"),
      properties: {
        osType: "Linux",
        containers: [
          { name: "app", properties: { image: "nginx", resources: { requests: { cpu: 1, memoryInGB: 1 } } } },
        ],
      },
    });
    await h.tick();
    await h.runUntil(() => !h.aci.getGroup(RESOURCE_GROUP, ours));
    expect(h.runtime.config).toMatchObject({ clusterName: uid, clusterIdentity: "kube-system" });
    // New groups carry it: the per-node settings the translation tags from were rebuilt.
    expect([...h.runtime.nodes.values()].map((n) => n.clusterName)).toEqual([uid]);
    expect(h.aci.getGroup(RESOURCE_GROUP, legacy)).toBeDefined();
    expect(h.events("repair.orphans.refused")).toEqual([]);
    // Read once per process, not per run.
    const reads = () => h.kube.calls.filter((c) => c.path.endsWith("/namespaces/kube-system")).length;
    const before = reads();
    await h.tick();
    expect(reads()).toBe(before);
  });

  it("with no identity (kube-system not readable, as with node credentials) repair deletes nothing, as an error", async () => {
    await restart({ env: { ACI_BRIDGE_CLUSTER_NAME: "" } });
    h.kube.faults.add({ method: "GET", path: /\/namespaces\/kube-system$/, status: 403 });
    const name = seedOrphan("default");
    await h.tick();
    await h.tick();
    expect(h.runtime.config).toMatchObject({ clusterName: "default", clusterIdentity: "default" });
    expect(h.aci.getGroup(RESOURCE_GROUP, name)).toBeDefined();
    const refused = h.events("repair.orphans.refused");
    expect(refused).toHaveLength(1); // once per instance, not every repair
    expect(refused[0]).toMatchObject({ level: "error" });
    expect(refused[0]!.fields).toMatchObject({ reason: "default-identity", cluster: "default" });
    expect(h.events("repair.completed")[0]?.fields.orphansRefused).toBe(1);
  });

  it("while the API server cannot say (5xx) nothing is cached: the identity is derived once it answers", async () => {
    await restart({ env: { ACI_BRIDGE_CLUSTER_NAME: "" } });
    h.kube.faults.add({ method: "GET", path: /\/namespaces\/kube-system$/, status: 503, times: 1 });
    await h.tick();
    expect(h.runtime.config.clusterIdentity).toBe("derive");
    expect(h.events("repair.completed")).toEqual([]); // repair waits for the identity
    await h.tick();
    expect(h.runtime.config).toMatchObject({ clusterName: kubeSystemUid(), clusterIdentity: "kube-system" });
  });

  it("ACI_BRIDGE_CLUSTER_NAME=default pins the old default tags: nothing derived, no orphan deleted", async () => {
    await restart({ env: { ACI_BRIDGE_CLUSTER_NAME: "default" } });
    const name = seedOrphan("default");
    await h.tick();
    await h.tick();
    expect(h.runtime.config).toMatchObject({ clusterName: "default", clusterIdentity: "default" });
    expect(h.aci.getGroup(RESOURCE_GROUP, name)).toBeDefined();
    const refused = h.events("repair.orphans.refused");
    expect(refused[0]!.fields).toMatchObject({ reason: "default-identity" });
    expect(refused[0]!.fields.hint).toBe(`set ACI_CLUSTER_ID=${kubeSystemUid()}`);
  });

  it("ACI_CLUSTER_ID is the ownership identity; one that is not this cluster's kube-system uid deletes nothing", async () => {
    await restart({ env: { ACI_CLUSTER_ID: "11111111-2222-3333-4444-555555555555" } });
    expect(h.runtime.config.clusterName).toBe("11111111-2222-3333-4444-555555555555");
    const name = seedOrphan("11111111-2222-3333-4444-555555555555");
    await h.tick();
    const uid = h.kube.get<{ metadata: { uid: string } }>("namespaces", undefined, "kube-system")?.metadata
      .uid;
    expect(uid).toBeDefined();
    expect(h.aci.getGroup(RESOURCE_GROUP, name)).toBeDefined();
    expect(h.events("repair.orphans.refused")[0]?.fields).toMatchObject({
      reason: "identity-mismatch",
      kubeSystemUid: uid,
    });
  });
});
