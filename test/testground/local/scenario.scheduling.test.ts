/** The scheduler stand-in's predicates: toleration matching, node selection, and the FailedScheduling message. */
import type { V1Node, V1Pod, V1Taint, V1Toleration } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import {
  fitsNode,
  matchesNodeAffinity,
  schedulePod,
  toleratesTaint,
  untoleratedTaint,
} from "../../../testground/local/scheduling.js";

const articleTaint: V1Taint = { key: "azure.com/aci", effect: "NoSchedule" };
const vkTaint: V1Taint = { key: "virtual-kubelet.io/provider", value: "azure", effect: "NoSchedule" };

describe("toleratesTaint (operator, value, effect, empty key)", () => {
  it.each<[string, V1Toleration, V1Taint, boolean]>([
    [
      "the article's toleration (no operator, no value) vs azure.com/aci:NoSchedule",
      { key: "azure.com/aci", effect: "NoSchedule" },
      articleTaint,
      true,
    ],
    [
      "Equal with the wrong value",
      { key: "azure.com/aci", operator: "Equal", value: "x", effect: "NoSchedule" },
      articleTaint,
      false,
    ],
    [
      "Equal with the value",
      { key: "virtual-kubelet.io/provider", value: "azure", effect: "NoSchedule" },
      vkTaint,
      true,
    ],
    [
      "Equal without the value the taint has",
      { key: "virtual-kubelet.io/provider", effect: "NoSchedule" },
      vkTaint,
      false,
    ],
    ["Exists ignores the value", { key: "virtual-kubelet.io/provider", operator: "Exists" }, vkTaint, true],
    [
      "empty effect matches every effect",
      { key: "azure.com/aci", operator: "Exists" },
      { ...articleTaint, effect: "NoExecute" },
      true,
    ],
    ["other effect", { key: "azure.com/aci", effect: "NoExecute" }, articleTaint, false],
    ["other key", { key: "virtual-kubelet.io/provider", operator: "Exists" }, articleTaint, false],
    ["empty key with Exists tolerates everything", { operator: "Exists" }, vkTaint, true],
    ["empty key with Exists and an effect", { operator: "Exists", effect: "NoExecute" }, vkTaint, false],
    ["unknown operator", { key: "azure.com/aci", operator: "Bogus" }, articleTaint, false],
  ])("%s → %s", (_name, toleration, taint, expected) => {
    expect(toleratesTaint(toleration, taint)).toBe(expected);
  });

  it("PreferNoSchedule never blocks; the first NoSchedule/NoExecute taint without a toleration does", () => {
    expect(untoleratedTaint([{ key: "a", effect: "PreferNoSchedule" }], [])).toBeUndefined();
    expect(
      untoleratedTaint([articleTaint, vkTaint], [{ key: "azure.com/aci", effect: "NoSchedule" }]),
    ).toEqual(vkTaint);
  });
});

const node: V1Node = {
  metadata: {
    name: "virtual-kubelet-aci-connector-linux-westus",
    labels: {
      "kubernetes.io/hostname": "virtual-kubelet-aci-connector-linux-westus",
      type: "virtual-kubelet",
      "kubernetes.io/os": "linux",
      tier: "3",
    },
  },
  spec: { taints: [articleTaint] },
};
const pod = (spec: Partial<NonNullable<V1Pod["spec"]>>): V1Pod => ({ spec: { containers: [], ...spec } });
const tolerating = { tolerations: [{ key: "azure.com/aci", effect: "NoSchedule" }] };

describe("node selection", () => {
  it.each<[string, Partial<NonNullable<V1Pod["spec"]>>, boolean]>([
    ["no selector", {}, true],
    [
      "the article's hostname selector",
      { nodeSelector: { "kubernetes.io/hostname": "virtual-kubelet-aci-connector-linux-westus" } },
      true,
    ],
    ["another node's hostname", { nodeSelector: { "kubernetes.io/hostname": "aks-nodepool1-0" } }, false],
    [
      "two labels, one wrong",
      { nodeSelector: { type: "virtual-kubelet", "kubernetes.io/os": "windows" } },
      false,
    ],
    [
      "affinity In",
      {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: "type", operator: "In", values: ["virtual-kubelet"] }] },
              ],
            },
          },
        },
      },
      true,
    ],
    [
      "affinity terms are ORed",
      {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: "type", operator: "NotIn", values: ["virtual-kubelet"] }] },
                {
                  matchExpressions: [
                    { key: "tier", operator: "Gt", values: ["2"] },
                    { key: "gpu", operator: "DoesNotExist" },
                  ],
                },
              ],
            },
          },
        },
      },
      true,
    ],
    [
      "affinity Exists on a missing label",
      {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: "gpu", operator: "Exists" }] }],
            },
          },
        },
      },
      false,
    ],
    [
      "matchFields metadata.name",
      {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchFields: [{ key: "metadata.name", operator: "In", values: ["n2"] }] },
              ],
            },
          },
        },
      },
      false,
    ],
    [
      "an empty term matches nothing",
      {
        affinity: {
          nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{}] } },
        },
      },
      false,
    ],
  ])("%s → %s", (_name, spec, expected) => {
    expect(matchesNodeAffinity(pod(spec), node)).toBe(expected);
  });
});

describe("schedulePod", () => {
  it("binds the article's pod to the virtual node", () => {
    expect(
      schedulePod(pod({ ...tolerating, nodeSelector: { "kubernetes.io/hostname": node.metadata!.name! } }), [
        node,
      ]),
    ).toEqual({
      node: node.metadata!.name,
    });
  });

  it("says why a pod without the toleration stays Pending, like kube-scheduler", () => {
    expect(schedulePod(pod({}), [node])).toEqual({
      message:
        "0/1 nodes are available: 1 node(s) had untolerated taint {azure.com/aci: }. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
    });
  });

  it("checks taints before the selector, counts reasons over nodes, sorted", () => {
    const other: V1Node = {
      metadata: { name: "aks-nodepool1-0", labels: { "kubernetes.io/hostname": "aks-nodepool1-0" } },
    };
    const cordoned: V1Node = { metadata: { name: "aks-nodepool1-1" }, spec: { unschedulable: true } };
    const result = schedulePod(pod({ nodeSelector: { type: "virtual-kubelet" } }), [node, other, cordoned]);
    expect(result).toEqual({
      message:
        "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {azure.com/aci: }, 1 node(s) were unschedulable. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    });
    expect(fitsNode(pod({ nodeSelector: { type: "virtual-kubelet" }, ...tolerating }), node)).toEqual({
      fits: true,
    });
  });

  it("a node still carrying the not-ready taint is not a target (pods only tolerate it for NoExecute)", () => {
    const notReady: V1Node = {
      ...node,
      spec: { taints: [articleTaint, { key: "node.kubernetes.io/not-ready", effect: "NoSchedule" }] },
    };
    const p = pod({
      ...tolerating,
      tolerations: [
        ...tolerating.tolerations,
        {
          key: "node.kubernetes.io/not-ready",
          operator: "Exists",
          effect: "NoExecute",
          tolerationSeconds: 300,
        },
      ],
    });
    expect(schedulePod(p, [notReady])).toMatchObject({
      message: expect.stringContaining("untolerated taint {node.kubernetes.io/not-ready: }"),
    });
  });
});
