import { describe, expect, it } from "vitest";
import { group, podWith, run } from "./helpers.js";

const SUBNET = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/aci";
const ports = (n: number) => ({ ports: Array.from({ length: n }, (_, i) => ({ containerPort: 8000 + i })) });

describe("ports and IP addresses", () => {
  it("more than 5 ports without an IP: informational, the pod runs with NoIPAddress", () => {
    const out = run(podWith({}, ports(7)));
    expect(out).toMatchObject({ warnings: ["NoIPAddress"] });
    expect(group(out).containers[0]?.ports).toHaveLength(7);
    expect(group(out).ipAddress).toBeUndefined();
  });

  it("more than 5 ports with an IP: rejected by default, first 5 exposed under first5", () => {
    expect(run(podWith({}, ports(6)), {}, { subnetId: SUBNET })).toMatchObject({
      error: { field: "spec.containers[*].ports", reason: "UnsupportedPodSpec" },
    });
    const out = run(podWith({}, ports(6)), {}, { subnetId: SUBNET, policy: { excessPorts: "first5" } });
    expect(out).toMatchObject({ warnings: ["PortsNotExposed"] });
    expect(group(out).ipAddress?.ports.map((p) => p.port)).toEqual([8000, 8001, 8002, 8003, 8004]);
    expect(group(out).containers[0]?.ports).toHaveLength(6);
  });

  it("5 ports with an IP are all exposed", () => {
    expect(group(run(podWith({}, ports(5)), {}, { subnetId: SUBNET })).ipAddress?.ports).toHaveLength(5);
  });
});
