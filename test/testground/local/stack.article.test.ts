/**
 * `npm start -- --once` in CI: the article's scenario end to end through the real watcher, Azurite, the local
 * Functions host running the deployed Function definitions, the ACI simulator and the Kubernetes API fake.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startKubeFake } from "../../../testground/sim/kube";
import { deploymentPod, runCli } from "./stack.support.js";

const NODE = "virtual-kubelet-aci-connector-linux-westus";

describe("npm start -- --once (the article's aci-helloworld scenario)", () => {
  it("shows the node, 3 pods Running on it with IPs, their 3 groups, then deletes them all and exits 0", async () => {
    // A kubectl user's shell: KUBECONFIG names a cluster (here a second fake that must see no call) and the
    // Azure and storage variables are set. Without --kubeconfig/--azure/--storage the stack stays local.
    const production = await startKubeFake();
    const dir = mkdtempSync(join(tmpdir(), "aci-bridge-shell-"));
    const kubeconfig = join(dir, "config");
    writeFileSync(kubeconfig, production.kubeconfigYaml());
    let run;
    try {
      run = await runCli(["--once", "--fast", "--timeout", "60"], {
        KUBECONFIG: kubeconfig,
        AZURE_SUBSCRIPTION_ID: "11111111-2222-3333-4444-555555555555",
        ACI_RESOURCE_GROUP: "production-rg",
        PodEventsStorage: "DefaultEndpointsProtocol=https;AccountName=prod;AccountKey=bm90LWEta2V5;",
      });
      expect(production.calls).toEqual([]);
    } finally {
      await production.close();
    }
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const out = run.stdout;

    // The first lines say which backend each part uses, and what from the shell is ignored.
    expect(out.split("\n").slice(1, 5)).toEqual([
      "  Kubernetes: local API fake",
      "  ACI: local simulator",
      "  queue: local Azurite",
      "  ignoring $KUBECONFIG, $AZURE_SUBSCRIPTION_ID, $ACI_RESOURCE_GROUP, $PodEventsStorage from the shell (pass --kubeconfig, --azure or --storage to use a real backend)",
    ]);
    expect(out).not.toContain("production-rg");
    expect(out).toMatch(/queue: Azurite http:\/\/127\.0\.0\.1:\d+/);
    expect(out).toMatch(/ACI: simulator http:\/\/127\.0\.0\.1:\d+/);
    expect(out).toMatch(/Kubernetes: API fake http:\/\/127\.0\.0\.1:\d+/);

    // The node, like `kubectl get nodes -o wide`.
    expect(out).toContain(
      "NAME                                         STATUS   ROLES   AGE   VERSION              INTERNAL-IP    EXTERNAL-IP   OS-IMAGE                    KERNEL-VERSION   CONTAINER-RUNTIME",
    );
    expect(out).toMatch(
      new RegExp(
        `^${NODE} +Ready +agent +\\d+s +v1\\.32\\.0-aci-bridge +10\\.240\\.0\\.250 +<none> +Azure Container Instances`,
        "m",
      ),
    );

    // The Deployment's 3 pods, Running with IPs on the virtual node.
    const pods = [...new Set(out.match(deploymentPod("aci-helloworld")) ?? [])];
    expect(pods).toHaveLength(3);
    expect(new Set(pods.map((p) => p.split("-").slice(0, -1).join("-"))).size).toBe(1); // one ReplicaSet
    for (const pod of pods) {
      expect(out).toMatch(new RegExp(`^${pod} +1/1 +Running +10\\.240\\.\\d+\\.\\d+ +${NODE} +\\d+s$`, "m"));
      // …and its container group, like `az container list -o table`.
      expect(out).toMatch(
        new RegExp(`^default-${pod} +Running +10\\.240\\.\\d+\\.\\d+:80 +1\\.0 core/1\\.5 gb +Linux$`, "m"),
      );
      expect(out).toContain(`pod "${pod}" deleted`);
    }
    expect(out).toContain("service/aci-helloworld-lb skipped");
    expect(out).toContain("all 3 pod(s) settled");

    // Deletion: Terminating pods, Deleting groups, then nothing left.
    const afterDelete = out.slice(out.indexOf("$ kubectl delete pod"));
    expect(afterDelete).toMatch(/ +1\/1 +Terminating +/);
    expect(afterDelete).toMatch(/^default-aci-helloworld-\S+ +Deleting +/m);
    expect(afterDelete).toContain("No resources found in default namespace.");
    expect(afterDelete).toContain("all pods and their 3 container group(s) are gone");
    expect(out).toMatch(/OK: 3 pod\(s\) Running; deleted cleanly/);
    expect(out).toMatch(/Functions: \d+ invocations \(0 failed, 0 poisoned\)/);
  }, 90_000);
});
