// The simulator's unkind answers (docs/aci-simulator.md, "States and answers"), through the real SDK client.
import type { ContainerGroup, ContainerInstanceManagementClient } from "@azure/arm-containerinstance";
import { isRestError, type RestError } from "@azure/core-rest-pipeline";
import { afterEach, describe, expect, it } from "vitest";
import { createContainerInstanceClient } from "../../../lib/aci/armClient.js";
import {
  startAciSimulator,
  type AciSimulator,
  type AciSimulatorOptions,
} from "../../../testground/sim/aci/index.js";

const RG = "rg-states";
const FAST = { updateIntervalInMs: 20 };
const PROVISIONED_MS = 400; // pendingMs + creatingMs below, plus margin

let sim: AciSimulator | undefined;
let client: ContainerInstanceManagementClient;

async function start(opts: AciSimulatorOptions = {}): Promise<AciSimulator> {
  await sim?.close();
  const s = await startAciSimulator({ timing: { pendingMs: 100, creatingMs: 200 }, ...opts });
  sim = s;
  client = createContainerInstanceClient({
    subscriptionId: s.subscriptionId,
    endpoint: s.endpoint,
    insecure: true,
    retryOptions: { maxRetries: 0 },
  });
  return s;
}

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const group = (image = "nginx:1.27", extra: Partial<ContainerGroup> = {}): ContainerGroup => ({
  location: "westeurope",
  osType: "Linux",
  restartPolicy: "Never",
  containers: [{ name: "web", image, resources: { requests: { cpu: 1, memoryInGB: 1.5 } } }],
  ...extra,
});

async function restError(p: Promise<unknown>): Promise<RestError> {
  try {
    await p;
  } catch (e) {
    if (isRestError(e)) return e;
    throw e;
  }
  throw new Error("expected a RestError");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const put = (name: string, body = group()) =>
  client.containerGroups.beginCreateOrUpdate(RG, name, body, FAST);

describe("409 ContainerGroupTransitioning on writes to a group mid-operation", () => {
  it("PUT, DELETE and stop on a Pending group are refused with ACI's code and message", async () => {
    await start({ transitionConflicts: true });
    await put("busy");
    for (const call of [
      put("busy", group("nginx:1.28")),
      client.containerGroups.beginDelete(RG, "busy"),
      client.containerGroups.stop(RG, "busy"),
    ]) {
      const e = await restError(call);
      expect(e.statusCode).toBe(409);
      expect(e.code).toBe("ContainerGroupTransitioning");
      expect(JSON.parse(e.response?.bodyAsText ?? "{}")).toEqual({
        error: {
          code: "ContainerGroupTransitioning",
          message: "The container group 'busy' is still transitioning, please retry later.",
        },
      });
    }
    await sleep(PROVISIONED_MS);
    // Provisioned: the same writes are accepted.
    await client.containerGroups.stop(RG, "busy");
    expect((await client.containerGroups.get(RG, "busy")).instanceView?.state).toBe("Stopped");
  });

  it("an in-place update is Updating for updatingMs and refuses writes meanwhile", async () => {
    await start({ transitionConflicts: true, timing: { pendingMs: 100, creatingMs: 200, updatingMs: 300 } });
    await put("upd");
    await sleep(PROVISIONED_MS);
    await put("upd", group("nginx:1.27", { tags: { t: "2" } }));
    expect((await client.containerGroups.get(RG, "upd")).provisioningState).toBe("Updating");
    expect((await restError(client.containerGroups.beginDelete(RG, "upd"))).statusCode).toBe(409);
    await sleep(350);
    expect((await client.containerGroups.get(RG, "upd")).provisioningState).toBe("Succeeded");
  });

  it("off by default: a DELETE right after a create is accepted", async () => {
    await start();
    await put("quick");
    const poller = await client.containerGroups.beginDelete(RG, "quick");
    expect(poller.getOperationState().status).not.toBe("failed");
  });
});

describe("states and conditions", () => {
  it("stop → Stopped with a group event; start runs the group again", async () => {
    const s = await start();
    await put("stopme", group("nginx:1.27", { restartPolicy: "Always" }));
    await sleep(PROVISIONED_MS);
    await client.containerGroups.stop(RG, "stopme");
    const stopped = await client.containerGroups.get(RG, "stopme");
    expect(stopped.instanceView?.state).toBe("Stopped");
    expect(stopped.containers[0]?.instanceView?.currentState?.state).toBe("Terminated");
    expect(stopped.instanceView?.events?.map((e) => e.name)).toEqual(["Stopped"]);
    await (await client.containerGroups.beginStart(RG, "stopme")).pollUntilDone();
    await sleep(PROVISIONED_MS);
    const again = await client.containerGroups.get(RG, "stopme");
    expect(again.instanceView?.state).toBe("Running");
    expect(again.instanceView?.events?.map((e) => e.name)).toEqual(["Stopped", "Started"]);
    expect(s.countCalls({ operation: "containerGroups.stop" })).toBe(1);
  });

  it("OOMKilled: Terminated with exit code 137 and detail status OOMKilled", async () => {
    await start();
    await put("oom", group("aci-sim/oom-after-50ms"));
    await sleep(PROVISIONED_MS + 100);
    const g = await client.containerGroups.get(RG, "oom");
    expect(g.containers[0]?.instanceView?.currentState).toMatchObject({
      state: "Terminated",
      exitCode: 137,
      detailStatus: "OOMKilled",
    });
    expect(g.instanceView?.state).toBe("Failed");
  });

  it("a Spot group evicted: Stopped, containers Terminated (Evicted), a SpotEviction event", async () => {
    const s = await start();
    await put("spot", group("nginx:1.27", { priority: "Spot", restartPolicy: "Always" }));
    await put("regular", group("nginx:1.27", { restartPolicy: "Always" }));
    await sleep(PROVISIONED_MS);
    expect(() => s.setGroupCondition(RG, "regular", { kind: "spotEvicted" })).toThrow(/not a priority Spot/);
    s.setGroupCondition(RG, "spot", { kind: "spotEvicted" });
    const g = await client.containerGroups.get(RG, "spot");
    expect(g.instanceView?.state).toBe("Stopped");
    expect(g.containers[0]?.instanceView?.currentState).toMatchObject({
      state: "Terminated",
      detailStatus: "Evicted",
    });
    expect(g.instanceView?.events?.[0]).toMatchObject({ name: "SpotEviction", type: "Warning" });
  });

  it("Repairing until cleared; an unhealthy container gets Warning Unhealthy events", async () => {
    const s = await start();
    await put("fix", group("nginx:1.27", { restartPolicy: "Always" }));
    await sleep(PROVISIONED_MS);
    s.setGroupCondition(RG, "fix", { kind: "repairing" });
    expect((await client.containerGroups.get(RG, "fix")).instanceView?.state).toBe("Repairing");
    s.setGroupCondition(RG, "fix", { kind: "unhealthy" });
    const sick = await client.containerGroups.get(RG, "fix");
    expect(sick.instanceView?.state).toBe("Running");
    expect(sick.containers[0]?.instanceView?.events?.at(-1)).toMatchObject({
      name: "Unhealthy",
      type: "Warning",
    });
    s.setGroupCondition(RG, "fix", { kind: "clear" });
    const healthy = await client.containerGroups.get(RG, "fix");
    expect(healthy.containers[0]?.instanceView?.events?.map((e) => e.name)).not.toContain("Unhealthy");
    // The group events stay: they happened.
    expect(healthy.instanceView?.events?.map((e) => e.name)).toEqual(["Repairing"]);
  });
});

describe("create-rate 429 without Retry-After", () => {
  it("is not retried by the SDK (one PUT on the wire)", async () => {
    const s = await start({ quotas: { createsPer5Min: 1 }, createRateRetryAfter: false });
    const retrying = createContainerInstanceClient({
      subscriptionId: s.subscriptionId,
      endpoint: s.endpoint,
      insecure: true,
      retryOptions: { maxRetries: 3, retryDelayInMs: 10, maxRetryDelayInMs: 20 },
    });
    await retrying.containerGroups.beginCreateOrUpdate(RG, "first", group(), FAST);
    const e = await restError(retrying.containerGroups.beginCreateOrUpdate(RG, "second", group(), FAST));
    expect(e.statusCode).toBe(429);
    expect(e.response?.headers.get("retry-after")).toBeUndefined();
    expect(s.countCalls({ method: "PUT" })).toBe(2);
  });
});

describe("latency profile", () => {
  const timeGets = async (n: number): Promise<number[]> => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await client.containerGroups.get(RG, "slow").catch(() => undefined);
      out.push(performance.now() - t0);
    }
    return out;
  };

  it("off by default; on, GETs take about the profile's time with seeded jitter", async () => {
    await start();
    const quick = await timeGets(3);
    expect(Math.max(...quick)).toBeLessThan(100);
    await start({ latency: { name: "get", seed: 7, ranges: { "arm.read": { minMs: 105, maxMs: 195 } } } });
    const times = await timeGets(4);
    for (const t of times) {
      expect(t).toBeGreaterThanOrEqual(150 * 0.7 - 5);
      expect(t).toBeLessThan(150 * 1.3 + 100);
    }
    // Jitter: not all the same.
    expect(new Set(times.map((t) => Math.round(t / 5))).size).toBeGreaterThan(1);
  });
});
