import { describe, expect, it } from "vitest";
import { collectReferences } from "../../lib/translate/index.js";
import { loadFixture } from "./harness.js";

describe("collectReferences", () => {
  it("lists what the admitted pod needs: its secret, the CA configmaps, one default-audience token", () => {
    const { pod } = loadFixture("admitted-pod-kube-1.32");
    expect(collectReferences(pod)).toEqual({
      secrets: ["app-secret"],
      configMaps: ["kube-root-ca.crt", "openshift-service-ca.crt"],
      entrypointImages: [],
      serviceAccountToken: { serviceAccountName: "default", expirationSeconds: 3607 },
      serviceAccountTokens: [{ serviceAccountName: "default", expirationSeconds: 3607 }],
    });
  });
  it("asks for entrypoints, pull secrets, azure file secrets and per-audience tokens", () => {
    expect(collectReferences(loadFixture("args-without-command-unresolved").pod).entrypointImages).toEqual([
      { image: "registry.k8s.io/e2e-test-images/agnhost:2.39", pullSecretNames: [] },
    ]);
    expect(collectReferences(loadFixture("image-pull-secrets").pod).secrets).toEqual([
      "acr-pull",
      "hub-pull",
      "missing-pull-secret",
    ]);
    expect(collectReferences(loadFixture("csi-azurefile").pod).secrets).toEqual(["azure-secret"]);
    const wi = collectReferences(loadFixture("workload-identity-projected-token").pod);
    expect(wi.serviceAccountTokens).toEqual([
      { serviceAccountName: "workload-sa", audience: "api://AzureADTokenExchange", expirationSeconds: 3600 },
      { serviceAccountName: "workload-sa", expirationSeconds: 3607 },
    ]);
    expect(wi.serviceAccountToken).toEqual({ serviceAccountName: "workload-sa", expirationSeconds: 3607 });
    expect(collectReferences(loadFixture("init-containers").pod).serviceAccountToken).toBeUndefined();
  });
});
