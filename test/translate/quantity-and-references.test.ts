import { describe, expect, it } from "vitest";
import { collectReferences, parseQuantity } from "../../lib/translate/index.js";
import { aciCpu, aciMemoryGb } from "../../lib/translate/quantity.js";
import { loadFixture } from "./harness.js";

describe("quantities", () => {
  it.each([
    ["500m", 0.5],
    ["1.5", 1.5],
    ["2Gi", 2 * 2 ** 30],
    ["1G", 1e9],
    ["512Mi", 512 * 2 ** 20],
    ["1e3", 1000],
    ["10k", 10000],
    ["100n", 1e-7],
    [2, 2],
  ] as const)("%s → %d", (input, value) => {
    expect(parseQuantity(input)).toBeCloseTo(value, 12);
  });
  it.each(["", "abc", "1Gb", "--1"])("rejects %j", (input) => expect(parseQuantity(input)).toBeUndefined());
  it("rounds up to ACI's granularity", () => {
    expect(aciCpu(0.001)).toBe(0.01);
    expect(aciCpu(0.333)).toBe(0.34);
    expect(aciCpu(0.5)).toBe(0.5);
    expect(aciMemoryGb(512 * 2 ** 20)).toBe(0.6);
    expect(aciMemoryGb(1e9)).toBe(1);
    expect(aciMemoryGb(2 * 2 ** 30)).toBe(2.2);
  });
});

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
