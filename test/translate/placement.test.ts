import { describe, expect, it } from "vitest";
import { group, run } from "./helpers.js";

const pod = (annotations: Record<string, string>) => ({
  metadata: { name: "p", namespace: "default", annotations },
  spec: { containers: [{ name: "app", image: "nginx" }] },
});

describe("placement annotations", () => {
  it("virtual-kubelet.io/container-sku selects the SKU like aci-bridge.io/sku", () => {
    expect(group(run(pod({ "virtual-kubelet.io/container-sku": "Confidential" }))).sku).toBe("Confidential");
    expect(group(run(pod({ "aci-bridge.io/sku": "confidential" }))).sku).toBe("Confidential");
    expect(group(run(pod({}))).sku).toBeUndefined();
  });

  it("virtual-kubelet.io/confidential-compute-cce-policy sets the policy and the Confidential SKU", () => {
    const cg = group(run(pod({ "virtual-kubelet.io/confidential-compute-cce-policy": "cG9saWN5" })));
    expect(cg).toMatchObject({
      sku: "Confidential",
      confidentialComputeProperties: { ccePolicy: "cG9saWN5" },
    });
  });

  it("ours wins over the alias, and a bad SKU is rejected naming the key used", () => {
    expect(
      group(run(pod({ "aci-bridge.io/sku": "Standard", "virtual-kubelet.io/container-sku": "Confidential" })))
        .sku,
    ).toBe("Standard");
    expect(run(pod({ "virtual-kubelet.io/container-sku": "Dedicated" }))).toMatchObject({
      error: { field: "metadata.annotations['virtual-kubelet.io/container-sku']" },
    });
  });

  it("virtual-kubelet.io/gpu-type is rejected: ACI has no GPUs any more", () => {
    expect(run(pod({ "virtual-kubelet.io/gpu-type": "K80" }))).toMatchObject({
      error: { field: "metadata.annotations['virtual-kubelet.io/gpu-type']", reason: "UnsupportedPodSpec" },
    });
  });
});
