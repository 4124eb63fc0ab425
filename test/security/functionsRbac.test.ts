/**
 * The RBAC alternative for the Functions (deploy/kubernetes/functions-rbac.yaml) grants exactly the calls the
 * bridge makes: a whole pod lifecycle (secret env, configmap volume, service-account token, Events, graceful
 * delete), node registration, heartbeat and repair run against the Kubernetes API fake, and every recorded
 * call must be allowed by the rules, and every (verb, resource) the rules grant must have been used.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { added, simplePod, startBridgeHarness, type BridgeHarness } from "../support/bridge.js";
import { allows, key, toRbacRequest, type RbacRequest, type RbacRule } from "./rbac.js";

interface Doc {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: RbacRule[];
}

const docs = parseAllDocuments(readFileSync("deploy/kubernetes/functions-rbac.yaml", "utf8")).map(
  (d) => d.toJSON() as Doc,
);
const clusterRules = docs.find((d) => d.kind === "ClusterRole")!.rules!;
const leaseRole = docs.find((d) => d.kind === "Role")!;

function permitted(request: RbacRequest): boolean {
  if (clusterRules.some((r) => allows(r, request))) return true;
  return (
    request.namespace === leaseRole.metadata.namespace && leaseRole.rules!.some((r) => allows(r, request))
  );
}

let h: BridgeHarness;
const requests: RbacRequest[] = [];

beforeAll(async () => {
  h = await startBridgeHarness({ aci: { throttling: false }, env: { ACI_REPAIR_INTERVAL_SECONDS: "0" } });
  const start = h.kube.calls.length;
  h.kube.createSecret({
    metadata: { name: "db", namespace: "default" },
    stringData: { password: "p4ss-w0rd" },
  });
  h.kube.createConfigMap({ metadata: { name: "cfg", namespace: "default" }, data: { "app.conf": "x=1" } });
  await h.tick(); // registers the node, creates the lease
  await h.tick(); // renews the lease
  const pod = h.createBoundPod(
    simplePod("rbac", "nginx", {
      volumes: [{ name: "cfg", configMap: { name: "cfg" } }],
      containers: [
        {
          name: "app",
          image: "nginx",
          env: [{ name: "PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } }],
          volumeMounts: [{ name: "cfg", mountPath: "/etc/app" }],
        },
      ],
    }),
  );
  await h.deliver(added(pod));
  await h.runUntil(() => h.pod("default", "rbac")?.status?.phase === "Running");
  await h.tick(); // repair: list pods on the node
  const { CoreV1Api } = await import("@kubernetes/client-node");
  await h.kube
    .kubeConfig()
    .makeApiClient(CoreV1Api)
    .deleteNamespacedPod({ namespace: "default", name: "rbac" });
  await h.deliver(added(pod, "updated"));
  await h.runUntil(() => h.pod("default", "rbac") === undefined);
  // The same Event twice: the second is a count bump (patch).
  await h.runtime.kube.recordEvent(
    pod,
    { type: "Normal", reason: "Test", message: "m", key: "k", count: 1 },
    "i",
  );
  await h.runtime.kube.recordEvent(
    pod,
    { type: "Normal", reason: "Test", message: "m", key: "k", count: 2 },
    "i",
  );
  // Calls made by the test itself (createSecret…, the admin delete) go through helpers or the admin user;
  // only the bridge's own HTTP calls count.
  const bridgeUser = h.kube.calls.find((c) => c.path.includes("/leases"))?.user;
  for (const call of h.kube.calls.slice(start)) {
    if (call.user !== bridgeUser) continue;
    const request = toRbacRequest(call.method, call.path);
    if (request) requests.push(request);
  }
}, 60_000);

afterAll(async () => {
  await h?.close();
});

describe("deploy/kubernetes/functions-rbac.yaml", () => {
  it("allows every call the bridge made", () => {
    expect(requests.length).toBeGreaterThan(10);
    const denied = requests.filter((r) => !permitted(r)).map(key);
    expect([...new Set(denied)]).toEqual([]);
  });

  it("grants nothing the bridge did not use", () => {
    const used = new Set(requests.map(key));
    const granted: string[] = [];
    for (const rule of [...clusterRules, ...leaseRole.rules!]) {
      for (const group of rule.apiGroups ?? [])
        for (const resource of rule.resources ?? [])
          for (const verb of rule.verbs ?? []) granted.push(`${verb} ${group || "core"}/${resource}`);
    }
    expect(granted.filter((g) => !used.has(g))).toEqual([]);
  });
});
