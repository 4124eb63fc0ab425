/**
 * Table-driven: every manifest under test/fixtures/pods translates to the whole expected body (or the exact
 * error) in `<name>.expected.json` next to it. The table below states the intended outcome of each, so a
 * regenerated expectation file cannot silently turn a rejection into a body or back.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InvalidPodSpecError } from "../../lib/errors.js";
import { podToContainerGroup } from "../../lib/translate/index.js";
import { FIXTURES, loadFixture } from "./harness.js";

type Outcome = "ok" | `error:${string}:${string}`;

const EXPECTED: Record<string, Outcome> = {
  "admitted-pod-kube-1.32": "ok",
  "aci-helloworld-deployment": "ok",
  "statefulset-web": "ok",
  "statefulset-pvc": "error:UnsupportedPodSpec:spec.volumes[0].persistentVolumeClaim",
  "job-pi": "ok",
  "cronjob-hello": "ok",
  "sidecar-logging": "ok",
  "init-containers": "ok",
  "secret-env": "ok",
  "envfrom-prefix": "ok",
  "projected-volume": "ok",
  "downwardapi-volume": "ok",
  "long-names": "ok",
  "named-port-probes": "ok",
  "tcpsocket-probe": "error:UnsupportedPodSpec:spec.containers[0].readinessProbe.tcpSocket",
  "tcpsocket-probe-dropped": "ok",
  "grpc-probe": "error:UnsupportedPodSpec:spec.containers[0].livenessProbe.grpc",
  "startup-probe": "ok",
  "args-without-command": "ok",
  "args-without-command-unresolved": "error:MissingReference:spec.containers[0].args",
  azurefile: "ok",
  "csi-azurefile": "ok",
  "image-pull-secrets": "ok",
  "hostpath-volume": "error:UnsupportedPodSpec:spec.volumes[0].hostPath",
  "host-network": "error:UnsupportedPodSpec:spec.hostNetwork",
  privileged: "error:UnsupportedPodSpec:spec.containers[0].securityContext.privileged",
  "capabilities-add": "error:UnsupportedPodSpec:spec.containers[0].securityContext.capabilities.add",
  "capabilities-default-set": "ok",
  "restricted-security-context": "ok",
  subpath: "error:UnsupportedPodSpec:spec.containers[0].volumeMounts[0].subPath",
  "subpath-emptydir-shared": "ok",
  "subpath-emptydir-also-whole": "error:UnsupportedPodSpec:spec.containers[1].volumeMounts[0].subPath",
  "subpath-emptydir-overlap": "error:UnsupportedPodSpec:spec.containers[0].volumeMounts[0].subPath",
  "working-dir": "ok",
  "working-dir-matches-image": "ok",
  "working-dir-shell-wrapper": "ok",
  "working-dir-policy-reject": "error:UnsupportedPodSpec:spec.containers[0].workingDir",
  "missing-secret": "error:MissingReference:spec.containers[0].env[0].valueFrom.secretKeyRef",
  "optional-references": "ok",
  "public-ip-dns-label": "ok",
  "public-ip-not-allowed": "error:UnsupportedPodSpec:metadata.annotations['aci-bridge.io/public-ip']",
  "confidential-spot-identity": "ok",
  "resource-quantities": "ok",
  "too-much-cpu": "error:UnsupportedPodSpec:spec.containers[*].resources.requests.cpu",
  gpu: "error:UnsupportedPodSpec:spec.containers[0].resources.limits['nvidia.com/gpu']",
  "fieldref-podip": "error:UnsupportedPodSpec:spec.containers[0].env[0].valueFrom.fieldRef.fieldPath",
  "fieldref-podip-substitute": "ok",
  "secret-in-args": "error:UnsupportedPodSpec:spec.containers[0].command[1]",
  "dns-config": "ok",
  "configmap-volume-items": "ok",
  "lifecycle-poststart": "error:UnsupportedPodSpec:spec.containers[0].lifecycle.postStart",
  "pvc-volume": "error:UnsupportedPodSpec:spec.volumes[0].persistentVolumeClaim",
  "sidecar-init-container": "ok",
  "sidecar-job": "ok",
  "too-many-ports": "error:UnsupportedPodSpec:spec.containers[*].ports",
  "too-many-ports-no-ip": "ok",
  "too-many-ports-first5": "ok",
  "pod-level-resources": "ok",
  "pod-level-resources-limits-only": "ok",
  "resourcefieldref-divisor-zero": "ok",
  "azure-aci-annotations": "ok",
  "azure-aci-sku-only": "ok",
  "azure-aci-gpu-type": "error:UnsupportedPodSpec:metadata.annotations['virtual-kubelet.io/gpu-type']",
  "probes-node-policy-drop": "ok",
  "probes-pod-rejects-under-drop": "error:UnsupportedPodSpec:spec.containers[0].livenessProbe.tcpSocket",
  "fieldref-podip-node-substitute": "ok",
  "error-order": "error:UnsupportedPodSpec:spec.volumes[0].hostPath",
  "error-order-policy-before-missing":
    "error:UnsupportedPodSpec:spec.containers[0].env[1].valueFrom.fieldRef.fieldPath",
  "workload-identity-projected-token": "ok",
  "emptydir-memory-gitrepo": "ok",
};

export function translateFixture(name: string): Record<string, unknown> {
  const { pod, refs, node } = loadFixture(name);
  try {
    const t = podToContainerGroup(pod, refs, node);
    return {
      name: t.name,
      containerGroup: t.containerGroup,
      warnings: (t.warnings ?? []).map((w) => `${w.reason}: ${w.message}`),
    };
  } catch (error) {
    if (!(error instanceof InvalidPodSpecError)) throw error;
    return { error: { reason: error.reason, field: error.field, message: error.message } };
  }
}

const names = readdirSync(FIXTURES)
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => f.slice(0, -".yaml".length))
  .sort();

describe("podToContainerGroup over realistic manifests", () => {
  it("has an intended outcome for every fixture (and at least 30 of them)", () => {
    expect(names.length).toBeGreaterThanOrEqual(30);
    expect(names.filter((n) => !(n in EXPECTED))).toEqual([]);
  });

  it.each(names)("%s", (name) => {
    const outcome = translateFixture(name);
    const intended = EXPECTED[name];
    if (intended === "ok") {
      expect(outcome["error"]).toBeUndefined();
    } else {
      const [, reason, field] = /^error:([^:]+):(.*)$/.exec(intended ?? "") ?? [];
      expect(outcome["error"]).toMatchObject({ reason, field });
    }
    // Compared as JSON (so Prettier may format the files). A missing expectation fails; it is written only on
    // request (ACI_BRIDGE_WRITE_EXPECTED=1), to be reviewed like code before it is committed.
    const file = join(FIXTURES, `${name}.expected.json`);
    if (process.env["ACI_BRIDGE_WRITE_EXPECTED"] === "1")
      writeFileSync(file, `${JSON.stringify(outcome, null, 2)}\n`);
    expect(existsSync(file), `${file} is missing`).toBe(true);
    expect(JSON.parse(JSON.stringify(outcome))).toEqual(JSON.parse(readFileSync(file, "utf8")));
  });
});
