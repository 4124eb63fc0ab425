/**
 * lib/aci/armClient.ts against the ACI simulator through the real SDK: the SDK's retries are kept for reads and
 * taken off writes, so a PUT whose response was lost after ARM applied it is not sent a second time (the
 * bridge re-plans from a fresh read instead; the chaos run's maxPutsPerPodLifecycle found the double create).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createContainerInstanceClient } from "../../lib/aci/armClient.js";
import { startAciSimulator, type AciSimulator } from "../../testground/sim/aci/index.js";

const RG = "rg-retry";
let sim: AciSimulator;
beforeEach(async () => {
  sim = await startAciSimulator({ timing: { pendingMs: 50, creatingMs: 50 } });
});
afterEach(async () => {
  await sim.close();
});

const client = () =>
  createContainerInstanceClient({
    subscriptionId: sim.subscriptionId,
    endpoint: sim.endpoint,
    insecure: true,
    retryOptions: { maxRetries: 3, retryDelayInMs: 10, maxRetryDelayInMs: 50 },
  });

const body = {
  location: "westeurope",
  osType: "Linux" as const,
  containers: [{ name: "web", image: "nginx:1.27", resources: { requests: { cpu: 1, memoryInGB: 1.5 } } }],
};

describe("SDK retries: reads only", () => {
  it("a PUT whose response is lost is sent once and surfaces the error", async () => {
    sim.faults.add({ method: "PUT", times: 1, effect: { kind: "lostResponse" } });
    await expect(client().containerGroups.beginCreateOrUpdate(RG, "lost", body)).rejects.toThrow();
    expect(sim.countCalls({ method: "PUT" })).toBe(1);
    expect(sim.getGroup(RG, "lost")).toBeDefined(); // ARM applied it: the next plan reads, then does not create
  });

  it("a PUT answered 503 is not retried by the SDK either", async () => {
    sim.faults.add({ method: "PUT", times: 1, effect: { kind: "status", status: 503 } });
    await expect(client().containerGroups.beginCreateOrUpdate(RG, "busy", body)).rejects.toThrow();
    expect(sim.countCalls({ method: "PUT" })).toBe(1);
  });

  it("a GET answered 503 is still retried by the SDK", async () => {
    await client().containerGroups.beginCreateOrUpdate(RG, "read", body);
    sim.faults.add({ operation: "containerGroups.get", times: 1, effect: { kind: "status", status: 503 } });
    const got = await client().containerGroups.get(RG, "read");
    expect(got.name).toBe("read");
    expect(sim.countCalls({ method: "GET", operation: "containerGroups.get" })).toBeGreaterThanOrEqual(2);
  });
});
