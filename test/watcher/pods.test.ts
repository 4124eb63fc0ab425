/* eslint-disable @typescript-eslint/no-explicit-any -- rendered manifests and pod fixtures are untyped YAML/JSON */
import type { V1Pod } from "@kubernetes/client-node";
import { ObjectSerializer } from "@kubernetes/client-node/dist/serializer.js";
import { describe, expect, it } from "vitest";
import { canonicalJson, changeMatters, podRecord } from "../../lib/watcher/pods.js";

function rawPod(): Record<string, any> {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "web-0",
      namespace: "shop",
      uid: "0b5f1c1e-4e55-4a5e-9b0e-2f3a1d1c0001",
      resourceVersion: "100",
      labels: { app: "web" },
      annotations: { "example.com/x": "1" },
      creationTimestamp: "2026-01-01T00:00:00Z",
      managedFields: [{ manager: "kubectl", operation: "Apply" }],
    },
    spec: {
      nodeName: "aci-bridge",
      containers: [{ name: "web", image: "nginx:1.27", resources: { requests: { cpu: "500m" } } }],
      tolerations: [{ key: "virtual-kubelet.io/provider", operator: "Exists", effect: "NoSchedule" }],
    },
    status: { phase: "Pending" },
  };
}

const deserialize = (raw: unknown): V1Pod => ObjectSerializer.deserialize(raw, "V1Pod") as V1Pod;
const rec = (mutate: (p: Record<string, any>) => void = () => undefined) => {
  const raw = rawPod();
  mutate(raw);
  return podRecord(deserialize(raw));
};

describe("which pod updates produce a message", () => {
  const base = rec();
  it.each([
    [
      "status-only change (the Functions' own patches)",
      (p: any) => (p.status = { phase: "Running", podIP: "10.0.0.4" }),
      false,
    ],
    [
      "resourceVersion and managedFields bookkeeping",
      (p: any) => {
        p.metadata.resourceVersion = "101";
        p.metadata.managedFields = [];
      },
      false,
    ],
    [
      "deletionTimestamp set (kubectl delete)",
      (p: any) => {
        p.metadata.deletionTimestamp = "2026-01-01T00:01:00Z";
        p.metadata.deletionGracePeriodSeconds = 30;
      },
      true,
    ],
    ["spec change (image)", (p: any) => (p.spec.containers[0].image = "nginx:1.28"), true],
    ["label change", (p: any) => (p.metadata.labels.tier = "front"), true],
    ["annotation change", (p: any) => (p.metadata.annotations["example.com/x"] = "2"), true],
    [
      "new uid (same name recreated)",
      (p: any) => (p.metadata.uid = "0b5f1c1e-4e55-4a5e-9b0e-2f3a1d1c0002"),
      true,
    ],
  ])("%s → %s", (_what, mutate, expected) => {
    expect(changeMatters(base, rec(mutate))).toBe(expected);
  });

  it("marks a terminating pod", () => {
    expect(base.deleting).toBe(false);
    expect(rec((p) => (p.metadata.deletionTimestamp = "2026-01-01T00:01:00Z")).deleting).toBe(true);
  });

  it("gives the same fingerprint whatever the key order and empty defaults", () => {
    const reordered = rawPod();
    reordered.spec = {
      tolerations: reordered.spec.tolerations,
      containers: reordered.spec.containers,
      nodeName: "aci-bridge",
      volumes: [],
    };
    expect(podRecord(deserialize(reordered)).fingerprint).toBe(base.fingerprint);
  });

  it("canonical JSON sorts keys and drops empties", () => {
    expect(canonicalJson({ b: 1, a: { d: [], c: null, e: "x" }, z: {} })).toBe('{"a":{"e":"x"},"b":1}');
    expect(canonicalJson(new Date("2026-01-01T00:00:00Z"))).toBe('"2026-01-01T00:00:00.000Z"');
  });
});
