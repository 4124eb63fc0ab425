import { describe, expect, it } from "vitest";
import {
  containerGroupName,
  containerGroupTags,
  isOwnedBy,
  isValidContainerGroupName,
  ownerFromTags,
} from "../../lib/translate/names.js";

describe("containerGroupName", () => {
  it.each([
    ["default", "aci-helloworld-674f5554bd-57z7g", "default-aci-helloworld-674f5554bd-57z7g"],
    ["kube-system", "coredns-0", "kube-system-coredns-0"],
  ])("%s/%s → %s", (ns, pod, expected) => {
    expect(containerGroupName(ns, pod)).toBe(expected);
  });

  it("shortens long names with a stable hash and stays valid", () => {
    const long = "a-very-long-statefulset-name-that-goes-on-and-on-forever-0";
    const name = containerGroupName("my-team-namespace", long);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(isValidContainerGroupName(name)).toBe(true);
    expect(name).toMatch(/^my-team-namespace-a-very-long-.*-[0-9a-f]{8}$/);
    expect(containerGroupName("my-team-namespace", long)).toBe(name);
    expect(containerGroupName("my-team-namespace", long.replace(/0$/, "1"))).not.toBe(name);
  });

  it("replaces characters ACI does not allow (dots in pod names)", () => {
    const name = containerGroupName("default", "web.v2");
    expect(isValidContainerGroupName(name)).toBe(true);
    expect(name).toMatch(/^default-web-v2-[0-9a-f]{8}$/);
  });

  it.each(["", "-a", "a-", "a--b", "A", "a_b", "a".repeat(64)])("rejects %j as a group name", (name) => {
    expect(isValidContainerGroupName(name)).toBe(false);
  });
});

describe("ownership tags", () => {
  const owner = { cluster: "c1", node: "aci-bridge", namespace: "default", pod: "web-0", uid: "u1" };
  const tags = containerGroupTags(owner);

  it("round-trips the owner", () => {
    expect(ownerFromTags(tags)).toEqual(owner);
  });

  it("owns only groups of this cluster and one of our nodes", () => {
    expect(isOwnedBy(tags, "c1", ["aci-bridge"])).toBe(true);
    expect(isOwnedBy(tags, "c2", ["aci-bridge"])).toBe(false);
    expect(isOwnedBy(tags, "c1", ["other-node"])).toBe(false);
    expect(isOwnedBy(undefined, "c1", ["aci-bridge"])).toBe(false);
    expect(isOwnedBy({ ...tags, "aci-bridge.uid": "" }, "c1", ["aci-bridge"])).toBe(false);
  });
});

describe("kubeletSettableLabels (NodeRestriction)", () => {
  it("keeps what a kubelet may set and drops other kubernetes.io/k8s.io labels", async () => {
    const { kubeletSettableLabels } = await import("../../lib/reconcile/node.js");
    expect(
      kubeletSettableLabels({
        type: "virtual-kubelet",
        "kubernetes.io/role": "agent",
        "kubernetes.io/hostname": "aci-bridge",
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/exclude-from-external-load-balancers": "true",
        "topology.kubernetes.io/region": "westus",
        "node-role.kubernetes.io/agent": "",
        "example.k8s.io/x": "y",
      }),
    ).toEqual({
      type: "virtual-kubelet",
      "kubernetes.io/hostname": "aci-bridge",
      "kubernetes.io/os": "linux",
      "node.kubernetes.io/exclude-from-external-load-balancers": "true",
      "topology.kubernetes.io/region": "westus",
    });
  });
});
