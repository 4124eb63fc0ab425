/** Repair's time budget, cursor, concurrency and the spread of restored status checks, against in-memory ports. */
import type { ContainerGroup } from "@azure/arm-containerinstance";
import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { memoryLogger } from "../../lib/log.js";
import type { PodMessage } from "../../lib/queue/message.js";
import { repair, RESTORE_CHECKS_PER_SECOND, type RepairDeps } from "../../lib/reconcile/repair.js";
import { TAG_CLUSTER, TAG_NAMESPACE, TAG_NODE, TAG_POD, TAG_UID } from "../../lib/translate/names.js";

const pod = (name: string, phase = "Running"): V1Pod => ({
  metadata: { namespace: "default", name, uid: `uid-${name}` },
  spec: { nodeName: "vn", containers: [] },
  status: { phase },
});
const group = (name: string): ContainerGroup => ({
  name: `default-${name}`,
  provisioningState: "Succeeded",
  tags: {
    [TAG_CLUSTER]: "c",
    [TAG_NODE]: "vn",
    [TAG_NAMESPACE]: "default",
    [TAG_POD]: name,
    [TAG_UID]: `uid-${name}`,
  },
  containers: [],
  osType: "Linux",
});

function world(pods: V1Pod[], groups: ContainerGroup[], opts: { msPerSend?: number } = {}) {
  let clock = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const sent: Array<{ message: PodMessage; delaySeconds: number }> = [];
  const deps: RepairDeps = {
    kube: { getPod: () => Promise.resolve(undefined), listPodsOnNode: () => Promise.resolve(pods) },
    aci: {
      get: () => Promise.resolve(undefined),
      beginCreate: () => Promise.resolve(),
      beginDelete: () => Promise.resolve("deleting"),
      list: () => Promise.resolve(groups),
    },
    sender: {
      async send(message, delaySeconds = 0) {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 1));
        clock += opts.msPerSend ?? 0;
        inFlight--;
        sent.push({ message, delaySeconds });
      },
    },
    clusterName: "c",
    nodeNames: ["vn"],
    rotationSlots: 1_000_000,
    slot: 1,
    log: memoryLogger(),
    now: () => clock,
  };
  return { deps, sent, maxInFlight: () => maxInFlight };
}

describe("repair budget and cursor", () => {
  it("stops at the deadline and the next repair continues after the cursor", async () => {
    const pods = Array.from({ length: 10 }, (_, i) => pod(`p${i}`)); // no groups: all missing
    const w = world(pods, [], { msPerSend: 100 });
    const first = await repair({ ...w.deps, concurrency: 1, deadline: 350 });
    expect(first).toMatchObject({ truncated: true, enqueuedMissing: 4, skipped: 6, cursor: "default/p3" });
    const second = await repair({ ...w.deps, concurrency: 1, cursor: first.cursor });
    expect(second).toMatchObject({ truncated: false, enqueuedMissing: 10, skipped: 0 });
    // The continuation starts after p3 and wraps around.
    expect(w.sent.slice(4, 10).map((s) => s.message.name)).toEqual(["p4", "p5", "p6", "p7", "p8", "p9"]);
    expect(w.sent.slice(10).map((s) => s.message.name)).toEqual(["p0", "p1", "p2", "p3"]);
  });

  it("sends with bounded concurrency", async () => {
    const pods = Array.from({ length: 40 }, (_, i) => pod(`p${i}`));
    const w = world(pods, []);
    await repair({ ...w.deps, concurrency: 5 });
    expect(w.sent).toHaveLength(40);
    expect(w.maxInFlight()).toBe(5);
  });
});

describe("restoring status chains", () => {
  it("sends a `status` check per non-final pod, spread at the restore rate; none for final pods or without the flag", async () => {
    const running = Array.from({ length: 25 }, (_, i) => pod(`r${String(i).padStart(2, "0")}`));
    const pods = [...running, pod("done", "Succeeded"), pod("failed", "Failed")];
    const groups = running.map((p) => group(p.metadata!.name!));
    const quiet = world(pods, groups);
    expect((await repair(quiet.deps)).enqueuedRestore).toBe(0);
    expect(quiet.sent).toEqual([]);

    const w = world(pods, groups);
    const report = await repair({ ...w.deps, restoreChains: true });
    expect(report.enqueuedRestore).toBe(25);
    expect(new Set(w.sent.map((s) => s.message.reason))).toEqual(new Set(["status"]));
    expect(w.sent.map((s) => s.message.name)).not.toContain("done");
    const delays = w.sent.map((s) => s.delaySeconds);
    expect(Math.max(...delays)).toBe(Math.floor(24 / RESTORE_CHECKS_PER_SECOND));
    for (let second = 0; second <= Math.max(...delays); second++) {
      expect(delays.filter((d) => d === second).length).toBeLessThanOrEqual(RESTORE_CHECKS_PER_SECOND);
    }
  });

  it("never deletes orphans when told not to, and counts them", async () => {
    const w = world([], [group("ghost")]);
    let deletes = 0;
    w.deps.aci.beginDelete = () => {
      deletes++;
      return Promise.resolve("deleting");
    };
    expect((await repair({ ...w.deps, deleteOrphans: false })).orphansRefused).toBe(1);
    expect(deletes).toBe(0);
    expect((await repair(w.deps)).orphansDeleted).toBe(1);
    expect(deletes).toBe(1);
  });
});
