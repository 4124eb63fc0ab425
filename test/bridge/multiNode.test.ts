/** One deployment serving two virtual nodes in two regions (ACI_NODE_NAMES=name[:region],…). */
import type { V1Node } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  added,
  RESOURCE_GROUP,
  simplePod,
  startBridgeHarness,
  type BridgeHarness,
} from "../support/bridge.js";

let h: BridgeHarness;
beforeAll(async () => {
  h = await startBridgeHarness({
    aci: { throttling: false },
    env: {
      ACI_NODE_NAMES: "aci-east, aci-west:westus",
      ACI_REGION: "eastus",
      ACI_REPAIR_INTERVAL_SECONDS: "3600",
    },
  });
});
afterAll(async () => {
  await h?.close();
});

describe("several virtual nodes", () => {
  it("registers each node with its region", async () => {
    await h.tick();
    for (const [name, region] of [
      ["aci-east", "eastus"],
      ["aci-west", "westus"],
    ] as const) {
      const node = h.kube.get<V1Node>("nodes", undefined, name);
      expect(node?.metadata?.labels?.["topology.kubernetes.io/region"]).toBe(region);
      expect(h.kube.get("leases", "kube-node-lease", name)).toBeDefined();
    }
  });

  it("creates each pod's group in its node's region, tagged with its node", async () => {
    const east = h.kube.createPod(simplePod("on-east"), { nodeName: "aci-east" });
    const west = h.kube.createPod(simplePod("on-west"), { nodeName: "aci-west" });
    const elsewhere = h.kube.createPod(simplePod("on-real-node"), { nodeName: "aks-nodepool1-0" });
    await h.deliver(added(east));
    await h.deliver(added(west));
    await h.deliver(added(elsewhere));
    const eastGroup = h.aci.getGroup(RESOURCE_GROUP, "default-on-east") as {
      location: string;
      tags: Record<string, string>;
    };
    const westGroup = h.aci.getGroup(RESOURCE_GROUP, "default-on-west") as {
      location: string;
      tags: Record<string, string>;
    };
    expect([eastGroup.location, eastGroup.tags["aci-bridge.node"]]).toEqual(["eastus", "aci-east"]);
    expect([westGroup.location, westGroup.tags["aci-bridge.node"]]).toEqual(["westus", "aci-west"]);
    expect(h.aci.getGroup(RESOURCE_GROUP, "default-on-real-node")).toBeUndefined();
    expect(h.events("pod.ignored")[0]?.fields).toMatchObject({
      pod: "default/on-real-node",
      node: "aks-nodepool1-0",
    });
  });
});
