/**
 * `--kubeconfig`: the stack treats the API behind a kubeconfig file as a real cluster — manifests are created as they
 * are through the API (no expansion, no binding), and everything is deleted with `kubectl delete -f` semantics.
 * The "cluster" here is the API fake, reached only through the kubeconfig file.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKubeFake, type KubeFake } from "../../../testground/sim/kube/index.js";
import { runCli } from "./stack.support.js";

const NODE = "virtual-kubelet-aci-connector-linux-westus";
let kube: KubeFake;
const dir = mkdtempSync(join(tmpdir(), "aci-bridge-cluster-"));

beforeAll(async () => {
  kube = await startKubeFake({ nodeLifecycleDelayMs: 50 });
});
afterAll(async () => {
  await kube?.close();
});

describe("npm start -- --kubeconfig <file>", () => {
  it("applies the manifests through the API, lets the bridge run the bound pod, deletes it, and says which backend it used", async () => {
    const kubeconfig = join(dir, "kubeconfig.yaml");
    writeFileSync(kubeconfig, kube.kubeconfigYaml());
    const scenario = join(dir, "bound.yaml");
    // A "real" cluster's scheduler would bind it; this one has none, so the manifest names the node.
    writeFileSync(
      scenario,
      `apiVersion: v1
kind: Pod
metadata: {name: bound}
spec:
  nodeName: ${NODE}
  containers: [{name: web, image: microsoft/aci-helloworld, ports: [{containerPort: 80}]}]
`,
    );
    const run = await runCli([
      "--once",
      "--fast",
      "--timeout",
      "60",
      "--kubeconfig",
      kubeconfig,
      "--scenario",
      scenario,
    ]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Kubernetes: cluster ${kube.url} (context kube-fake)`);
    expect(run.stdout).toContain("pod/bound created");
    expect(run.stdout).not.toContain("expanded here");
    expect(run.stdout).toMatch(new RegExp(`^bound +1/1 +Running +10\\.240\\.\\d+\\.\\d+ +${NODE} `, "m"));
    expect(run.stdout).toContain(`$ kubectl delete -f ${scenario}`);
    expect(run.stdout).toContain('pod "bound" deleted');
    expect(run.stdout).toContain("all pods and their 1 container group(s) are gone");
    expect(kube.get("pods", "default", "bound")).toBeUndefined();
    // The scenario's create went through the API as the kubeconfig's user.
    expect(
      kube.calls.some((c) => c.method === "POST" && c.path.startsWith("/api/v1/namespaces/default/pods")),
    ).toBe(true);
  }, 90_000);
});
