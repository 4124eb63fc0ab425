/**
 * The chart's RBAC for the watcher grants exactly what a running watcher uses: the watcher runs against the
 * Kubernetes API fake (its own HTTP client, leader election on), sees pods come and go, renews and releases its
 * Lease; every recorded call must be allowed by the ClusterRole/Role that the real `helm template` (Helm 4,
 * test/chart/helm.ts) renders, and every granted verb used.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startKubeFake, type KubeFake } from "../../testground/sim/kube/index.js";
import { find, renderChart } from "../chart/helm.js";
import { createQueue, startTestWatcher, testPod, waitFor } from "../watcher/support/integration.js";
import { allows, key, toRbacRequest, type RbacRequest, type RbacRule } from "./rbac.js";

const NAMESPACE = "aci-bridge";
const rendered = renderChart(4, {
  values: { queue: { existingSecret: "aci-bridge-queue" } },
  namespace: NAMESPACE,
});
const clusterRules = (find(rendered, "ClusterRole")?.rules ?? []) as RbacRule[];
const role = find(rendered, "Role") as { metadata: { name: string; namespace: string }; rules: RbacRule[] };

function permitted(request: RbacRequest): boolean {
  if (clusterRules.some((r) => allows(r, request))) return true;
  return request.namespace === role.metadata.namespace && role.rules.some((r) => allows(r, request));
}

let kube: KubeFake;
const requests: RbacRequest[] = [];

beforeAll(async () => {
  kube = await startKubeFake({ bookmarkIntervalMs: 500 });
  kube.createNamespace(NAMESPACE);
  kube.createNamespace("shop");
  const queue = await createQueue(inject("azuriteConnectionString"));
  const identity = "aci-bridge-watcher-0";
  // The lease name the chart configures (its fullname), so resourceNames rules apply.
  const { watcher } = await startTestWatcher({
    kube,
    queue,
    node: "aci-bridge",
    identity,
    leaseName: role.metadata.name,
  });
  await waitFor("leader and synced", () => watcher.isLeader && watcher.readiness().length === 0);
  kube.createPod(testPod("rbac-a"), { nodeName: "aci-bridge" });
  await new Promise((r) => setTimeout(r, 2500)); // a few lease renewals and watch bookmarks
  kube.deletePodNow("shop", "rbac-a");
  await new Promise((r) => setTimeout(r, 500));
  await watcher.shutdown(2000); // releases the lease (update)
  const user = `system:serviceaccount:${NAMESPACE}:${identity}`;
  for (const call of kube.calls) {
    if (call.user !== user) continue;
    const request = toRbacRequest(call.method, call.path);
    if (request) requests.push(request);
  }
}, 60_000);

afterAll(async () => {
  await kube?.close();
});

describe("charts/aci-bridge-watcher RBAC", () => {
  it("allows every call the watcher made", () => {
    expect(requests.map(key)).toEqual(
      expect.arrayContaining(["list core/pods", "create coordination.k8s.io/leases"]),
    );
    const denied = requests
      .filter((r) => !permitted(r))
      .map((r) => `${key(r)} ${r.namespace ?? ""}/${r.name ?? ""}`);
    expect([...new Set(denied)]).toEqual([]);
  });

  it("grants nothing the watcher did not use", () => {
    const used = new Set(requests.map(key));
    const granted: string[] = [];
    for (const rule of [...clusterRules, ...role.rules]) {
      for (const group of rule.apiGroups ?? [])
        for (const resource of rule.resources ?? [])
          for (const verb of rule.verbs ?? []) granted.push(`${verb} ${group || "core"}/${resource}`);
    }
    // The architecture's contract (docs/architecture.md#identities) names pods get/list/watch; `get` is unused by the watcher but grants nothing that
    // cluster-wide `list` does not already give. Any other unused grant fails here.
    const contractOnly = new Set(["get core/pods"]);
    expect(granted.filter((g) => !used.has(g) && !contractOnly.has(g))).toEqual([]);
  });
});
