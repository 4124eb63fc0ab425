// ACI simulator behaviour, checked through the real @azure/arm-containerinstance client.
import type { ContainerGroup, ContainerInstanceManagementClient } from "@azure/arm-containerinstance";
import { isRestError, type RestError } from "@azure/core-rest-pipeline";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createContainerInstanceClient } from "../../../lib/aci/armClient.js";
import {
  startAciSimulator,
  type AciSimulator,
  type AciSimulatorOptions,
} from "../../../testground/sim/aci/index.js";

const RG = "rg-test";
const FAST = { updateIntervalInMs: 20 };

let sim: AciSimulator;
let client: ContainerInstanceManagementClient;

async function start(opts: AciSimulatorOptions = {}): Promise<void> {
  if (sim) await sim.close();
  sim = await startAciSimulator(opts);
  client = createContainerInstanceClient({
    subscriptionId: sim.subscriptionId,
    endpoint: sim.endpoint,
    insecure: true,
    retryOptions: { maxRetries: 3, retryDelayInMs: 10, maxRetryDelayInMs: 50 },
  });
}

function group(
  over: Partial<{
    image: string;
    cpu: number;
    restartPolicy: "Always" | "OnFailure" | "Never";
    subnet: boolean;
    init: string[];
    ports: boolean;
  }> = {},
): ContainerGroup {
  return {
    location: "westeurope",
    osType: "Linux",
    restartPolicy: over.restartPolicy ?? "Always",
    tags: { "aci-bridge.pod": "default/web" },
    containers: [
      {
        name: "web",
        image: over.image ?? "nginx:1.27",
        resources: { requests: { cpu: over.cpu ?? 1, memoryInGB: 1.5 } },
        ports: [{ port: 80 }],
        environmentVariables: [{ name: "TOKEN", secureValue: "s3cret" }],
      },
    ],
    initContainers: (over.init ?? []).map((image, i) => ({ name: `init-${i}`, image })),
    ...(over.subnet
      ? {
          subnetIds: [
            {
              id: "/subscriptions/x/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v/subnets/aci",
            },
          ],
        }
      : {}),
    ...(over.ports === false
      ? {}
      : { ipAddress: { type: over.subnet ? "Private" : "Public", ports: [{ port: 80, protocol: "TCP" }] } }),
  };
}

async function statusOf(p: Promise<unknown>): Promise<RestError> {
  try {
    await p;
  } catch (e) {
    if (isRestError(e)) return e;
    throw e;
  }
  throw new Error("expected a RestError");
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(fn: () => Promise<T | undefined>, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error("timed out");
    await sleep(20);
  }
}

beforeEach(async () => {
  await start();
});
afterEach(async () => {
  await sim.close();
});

describe("ACI simulator: create and read", () => {
  it("answers a PUT with 201 Pending + Azure-AsyncOperation and the LRO polls it to Succeeded, then Running", async () => {
    const poller = await client.containerGroups.beginCreateOrUpdate(RG, "web-1", group(), FAST);
    const initial = sim.calls.find((c) => c.method === "PUT");
    expect(initial?.status).toBe(201);
    const result = await poller.pollUntilDone();
    expect(result.provisioningState).toBe("Succeeded");
    expect(sim.countCalls({ operation: "operations.get" })).toBeGreaterThan(0);
    const cg = await client.containerGroups.get(RG, "web-1");
    expect(cg.instanceView?.state).toBe("Running");
    expect(cg.ipAddress?.type).toBe("Public");
    expect(cg.ipAddress?.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(cg.ipAddress?.ip).not.toMatch(/^10\./);
    const c = cg.containers[0]!;
    expect(c.instanceView?.currentState?.state).toBe("Running");
    expect(c.instanceView?.restartCount).toBe(0);
    expect(c.instanceView?.events?.map((e) => e.name)).toEqual(["Pulling", "Pulled", "Created", "Started"]);
    expect(c.environmentVariables?.[0]).toEqual({ name: "TOKEN" }); // secureValue never comes back
    expect(cg.id).toBe(
      `/subscriptions/${sim.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.ContainerInstance/containerGroups/web-1`,
    );
    expect(cg.tags).toEqual({ "aci-bridge.pod": "default/web" });
  });

  it("sends the operation URL and the headers of the recordings", async () => {
    // Long enough Pending that the operation poll below still sees it on a loaded machine.
    await start({ timing: { pendingMs: 5_000 } });
    const res = await fetch(
      `${sim.endpoint}/subscriptions/${sim.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.ContainerInstance/containerGroups/raw?api-version=2023-05-01`,
      {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          location: "eastus",
          properties: {
            osType: "Linux",
            containers: [
              {
                name: "c",
                properties: { image: "nginx", resources: { requests: { cpu: 1, memoryInGB: 1 } } },
              },
            ],
          },
        }),
      },
    );
    expect(res.status).toBe(201);
    const body = (await res.json()) as {
      properties: { provisioningState: string; instanceView: { state: string } };
    };
    expect(body.properties.provisioningState).toBe("Pending");
    expect(body.properties.instanceView.state).toBe("Pending");
    expect(res.headers.get("azure-asyncoperation")).toMatch(
      /\/providers\/Microsoft\.ContainerInstance\/locations\/eastus\/operations\/[0-9a-f-]+\?api-version=2018-06-01$/,
    );
    expect(res.headers.get("x-ms-ratelimit-remaining-subscription-resource-requests-pt5m")).toBe("99");
    expect(res.headers.get("x-ms-ratelimit-remaining-subscription-resource-requests-pt1h")).toBe("299");
    expect(res.headers.get("x-ms-request-id")).toMatch(/^eastus:[0-9a-f-]{36}$/);
    const op = await fetch(res.headers.get("azure-asyncoperation")!);
    const opBody = (await op.json()) as Record<string, unknown>;
    expect(Object.keys(opBody).sort()).toEqual(["id", "properties", "startTime", "status"]);
    expect(opBody.status).toBe("Pending");
  });

  it("private IP from the subnet when subnetIds are given", async () => {
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, "vnet", group({ subnet: true }), FAST);
    const cg = await client.containerGroups.get(RG, "vnet");
    expect(cg.ipAddress?.type).toBe("Private");
    expect(cg.ipAddress?.ip).toMatch(/^10\./);
    expect(cg.ipAddress?.ports).toEqual([{ port: 80, protocol: "TCP" }]);
  });

  it("runs init containers to completion before the main containers start", async () => {
    await client.containerGroups.beginCreateOrUpdate(
      RG,
      "init",
      group({ init: ["busybox", "busybox"] }),
      FAST,
    );
    const during = sim.getGroup(RG, "init")!.properties as { provisioningState: string };
    expect(during.provisioningState).toBe("Pending");
    const cg = await waitFor(async () => {
      const g = await client.containerGroups.get(RG, "init");
      return g.instanceView?.state === "Running" ? g : undefined;
    });
    expect(cg.initContainers).toHaveLength(2);
    for (const ic of cg.initContainers!) {
      expect(ic.instanceView?.currentState?.state).toBe("Terminated");
      expect(ic.instanceView?.currentState?.exitCode).toBe(0);
      expect(ic.instanceView?.currentState?.detailStatus).toBe("Completed");
    }
    const [i0, i1] = cg.initContainers!;
    expect(i1!.instanceView!.currentState!.startTime!.getTime()).toBeGreaterThanOrEqual(
      i0!.instanceView!.currentState!.finishTime!.getTime(),
    );
    expect(cg.containers[0]!.instanceView!.currentState!.startTime!.getTime()).toBeGreaterThanOrEqual(
      i1!.instanceView!.currentState!.finishTime!.getTime(),
    );
  });

  it("fails loudly on an unimplemented path (501 with the path) and requires api-version", async () => {
    const res = await fetch(
      `${sim.endpoint}/subscriptions/${sim.subscriptionId}/providers/Microsoft.Network/virtualNetworks?api-version=2023-05-01`,
    );
    expect(res.status).toBe(501);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.message).toContain("/providers/Microsoft.Network/virtualNetworks");
    const noVersion = await fetch(
      `${sim.endpoint}/subscriptions/${sim.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.ContainerInstance/containerGroups/x`,
    );
    expect(noVersion.status).toBe(400);
    expect(((await noVersion.json()) as { error: { code: string } }).error.code).toBe(
      "MissingApiVersionParameter",
    );
  });
});

describe("ACI simulator: list", () => {
  it("has no instanceView key in list items and pages with nextLink", async () => {
    await start({ pageSize: 2, throttling: false });
    for (let i = 0; i < 5; i++)
      sim.seedGroup(RG, `g-${i}`, {
        location: "westeurope",
        properties: {
          osType: "Linux",
          containers: [
            { name: "c", properties: { image: "nginx", resources: { requests: { cpu: 1, memoryInGB: 1 } } } },
          ],
        },
      });
    sim.seedGroup("other-rg", "elsewhere", {
      location: "westeurope",
      properties: {
        osType: "Linux",
        containers: [
          { name: "c", properties: { image: "nginx", resources: { requests: { cpu: 1, memoryInGB: 1 } } } },
        ],
      },
    });
    const names: string[] = [];
    for await (const cg of client.containerGroups.listByResourceGroup(RG)) names.push(cg.name!);
    expect(names.sort()).toEqual(["g-0", "g-1", "g-2", "g-3", "g-4"]);
    expect(sim.countCalls({ operation: "containerGroups.listByResourceGroup" })).toBe(3);
    const all: string[] = [];
    for await (const cg of client.containerGroups.list()) all.push(cg.name!);
    expect(all).toHaveLength(6);

    const raw = await fetch(
      `${sim.endpoint}/subscriptions/${sim.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.ContainerInstance/containerGroups?api-version=2023-05-01`,
    );
    const page = (await raw.json()) as {
      value: Array<{
        properties: Record<string, unknown> & { containers: Array<{ properties: Record<string, unknown> }> };
      }>;
      nextLink: string;
    };
    expect(page.value).toHaveLength(2);
    expect(page.nextLink).toContain("api-version=2023-05-01");
    for (const item of page.value) {
      expect("instanceView" in item.properties).toBe(false);
      expect("instanceView" in item.properties.containers[0]!.properties).toBe(false);
      expect(item.properties.provisioningState).toBe("Succeeded");
    }
  });

  it("lists 5,000 groups quickly", async () => {
    await start({ throttling: false, quotas: { groupsPerRegion: 10_000, coresPerRegion: 10_000 } });
    for (let i = 0; i < 5000; i++)
      sim.seedGroup(RG, `g-${i}`, {
        location: "westeurope",
        properties: {
          osType: "Linux",
          containers: [
            { name: "c", properties: { image: "nginx", resources: { requests: { cpu: 1, memoryInGB: 1 } } } },
          ],
        },
      });
    const t0 = Date.now();
    let n = 0;
    for await (const _ of client.containerGroups.listByResourceGroup(RG)) n++;
    expect(n).toBe(5000);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});

describe("ACI simulator: delete", () => {
  it("answers 202 + Azure-AsyncOperation, beginDeleteAndWait completes, then GET is 404 ResourceNotFound", async () => {
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, "del", group(), FAST);
    await client.containerGroups.beginDeleteAndWait(RG, "del", FAST);
    expect(sim.calls.find((c) => c.method === "DELETE")?.status).toBe(202);
    const err = await statusOf(client.containerGroups.get(RG, "del"));
    expect(err.statusCode).toBe(404);
    expect(err.code).toBe("ResourceNotFound");
  });

  it("answers 204 for a group that does not exist", async () => {
    await client.containerGroups.beginDeleteAndWait(RG, "missing", FAST);
    expect(sim.calls.find((c) => c.method === "DELETE")?.status).toBe(204);
  });

  it("sync mode answers 200 with the group body, like the recording", async () => {
    await start({ deleteMode: "sync" });
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, "del", group(), FAST);
    const res = await client.containerGroups.beginDeleteAndWait(RG, "del", FAST);
    expect(res.name).toBe("del");
    expect(sim.calls.find((c) => c.method === "DELETE")?.status).toBe(200);
    expect(sim.getGroup(RG, "del")).toBeUndefined();
  });
});

describe("ACI simulator: validation and quotas", () => {
  it.each(["-web", "web-", "we--b", "Web", "a".repeat(64), "web_1"])(
    "rejects the name %j with 400 InvalidContainerGroupName",
    async (name) => {
      const err = await statusOf(client.containerGroups.beginCreateOrUpdate(RG, name, group(), FAST));
      expect(err.statusCode).toBe(400);
      expect(err.code).toBe("InvalidContainerGroupName");
    },
  );

  it("rejects too many ports, unknown volume mounts and oversize groups", async () => {
    const ports = group();
    ports.ipAddress!.ports = [80, 81, 82, 83, 84, 85].map((port) => ({ port }));
    expect((await statusOf(client.containerGroups.beginCreateOrUpdate(RG, "ports", ports))).statusCode).toBe(
      400,
    );
    const mounts = group();
    mounts.containers[0]!.volumeMounts = [{ name: "nope", mountPath: "/x" }];
    expect((await statusOf(client.containerGroups.beginCreateOrUpdate(RG, "mounts", mounts))).code).toBe(
      "VolumeMountNameNotFound",
    );
    expect(
      (await statusOf(client.containerGroups.beginCreateOrUpdate(RG, "big", group({ cpu: 8 })))).statusCode,
    ).toBe(400);
    expect(sim.listGroups()).toHaveLength(0);
  });

  it("rejects groups and cores over the region quota with ContainerGroupQuotaReached", async () => {
    await start({ quotas: { groupsPerRegion: 2, coresPerRegion: 3 } });
    await client.containerGroups.beginCreateOrUpdate(RG, "a", group({ cpu: 2 }), FAST);
    const cores = await statusOf(
      client.containerGroups.beginCreateOrUpdate(RG, "b", group({ cpu: 2 }), FAST),
    );
    expect(cores.code).toBe("ContainerGroupQuotaReached");
    expect(cores.message).toContain("StandardCores");
    await client.containerGroups.beginCreateOrUpdate(RG, "c", group({ cpu: 1 }), FAST);
    const groups = await statusOf(
      client.containerGroups.beginCreateOrUpdate(RG, "d", group({ cpu: 0.5 }), FAST),
    );
    expect(groups.code).toBe("ContainerGroupQuotaReached");
    expect(groups.message).toContain("'ContainerGroups'");
  });

  it("limits the create rate with 429 + Retry-After and counts down the pt5m header", async () => {
    await start({ quotas: { createsPer5Min: 2 } });
    const noRetry = createContainerInstanceClient({
      subscriptionId: sim.subscriptionId,
      endpoint: sim.endpoint,
      insecure: true,
      retryOptions: { maxRetries: 0 },
    });
    await noRetry.containerGroups.beginCreateOrUpdate(RG, "r1", group(), FAST);
    await noRetry.containerGroups.beginCreateOrUpdate(RG, "r2", group(), FAST);
    const err = await statusOf(noRetry.containerGroups.beginCreateOrUpdate(RG, "r3", group(), FAST));
    expect(err.statusCode).toBe(429);
    const retryAfter = Number(err.response?.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(200);
    expect(retryAfter).toBeLessThanOrEqual(300);
    expect(err.response?.headers.get("x-ms-ratelimit-remaining-subscription-resource-requests-pt5m")).toBe(
      "0",
    );
    // Updating an existing group is not a create.
    await noRetry.containerGroups.beginCreateOrUpdate(RG, "r1", { ...group(), tags: { t: "2" } }, FAST);
    expect(sim.calls.filter((c) => c.method === "PUT").map((c) => c.status)).toEqual([201, 201, 429, 200]);
  });
});

describe("ACI simulator: throttling and faults", () => {
  it("decrements the ARM bucket headers and throttles with 429 + Retry-After when empty", async () => {
    await start({ throttling: { reads: { burst: 3, refillPerSecond: 1 } } });
    const url = `${sim.endpoint}/subscriptions/${sim.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.ContainerInstance/containerGroups?api-version=2023-05-01`;
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await fetch(url);
      seen.push(
        `${r.status}:${r.headers.get("x-ms-ratelimit-remaining-subscription-reads")}:${r.headers.get("retry-after")}`,
      );
    }
    expect(seen).toEqual(["200:2:null", "200:1:null", "200:0:null", "429:0:1"]);
  });

  it("the SDK retries a 429 with Retry-After and succeeds", async () => {
    sim.faults.add({
      operation: "containerGroups.get",
      times: 1,
      effect: { kind: "throttle", retryAfterSeconds: 1 },
    });
    sim.seedGroup(RG, "t", {
      location: "westeurope",
      properties: {
        osType: "Linux",
        containers: [
          { name: "c", properties: { image: "nginx", resources: { requests: { cpu: 1, memoryInGB: 1 } } } },
        ],
      },
    });
    const cg = await client.containerGroups.get(RG, "t");
    expect(cg.name).toBe("t");
    expect(sim.calls.filter((c) => c.operation === "containerGroups.get").map((c) => c.status)).toEqual([
      429, 200,
    ]);
  });

  it("a 429 without Retry-After surfaces as RestError 429", async () => {
    sim.faults.add({ operation: "containerGroups.get", times: 1, effect: { kind: "throttle" } });
    const err = await statusOf(client.containerGroups.get(RG, "t"));
    expect(err.statusCode).toBe(429);
    expect(sim.countCalls({ operation: "containerGroups.get" })).toBe(1);
  });

  it("the SDK retries a 503 and a connection reset", async () => {
    sim.seedGroup(RG, "t", {
      location: "westeurope",
      properties: {
        osType: "Linux",
        containers: [
          { name: "c", properties: { image: "nginx", resources: { requests: { cpu: 1, memoryInGB: 1 } } } },
        ],
      },
    });
    const remove = sim.faults.add({
      operation: "containerGroups.get",
      times: 1,
      effect: { kind: "status", status: 503 },
    });
    expect((await client.containerGroups.get(RG, "t")).name).toBe("t");
    remove();
    sim.faults.add({ operation: "containerGroups.get", times: 1, effect: { kind: "reset" } });
    expect((await client.containerGroups.get(RG, "t")).name).toBe("t");
    expect(sim.calls.filter((c) => c.operation === "containerGroups.get").map((c) => c.status)).toEqual([
      503, 200, 0, 200,
    ]);
  });

  it("lostResponse applies the PUT server-side although the client sees an error", async () => {
    const noRetry = createContainerInstanceClient({
      subscriptionId: sim.subscriptionId,
      endpoint: sim.endpoint,
      insecure: true,
      retryOptions: { maxRetries: 0 },
    });
    sim.faults.add({ method: "PUT", times: 1, effect: { kind: "lostResponse" } });
    await expect(noRetry.containerGroups.beginCreateOrUpdate(RG, "lost", group(), FAST)).rejects.toThrow();
    expect(sim.getGroup(RG, "lost")).toBeDefined();
    expect(sim.countCalls({ method: "PUT" })).toBe(1);
  });

  it("injects 401/403 with ARM codes and latency", async () => {
    const off = sim.faults.add({ operation: "containerGroups.get", effect: { kind: "auth", status: 403 } });
    const err = await statusOf(client.containerGroups.get(RG, "t"));
    expect(err.statusCode).toBe(403);
    expect(err.code).toBe("AuthorizationFailed");
    off();
    sim.faults.add({ operation: "containerGroups.get", times: 1, effect: { kind: "latency", ms: 150 } });
    const t0 = Date.now();
    await statusOf(client.containerGroups.get(RG, "t"));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });
});

describe("ACI simulator: container behaviours", () => {
  it("exit 0 under Never: Terminated Completed, group Succeeded", async () => {
    await client.containerGroups.beginCreateOrUpdateAndWait(
      RG,
      "job",
      group({ image: "example/aci-sim/exit-0", restartPolicy: "Never" }),
      FAST,
    );
    const cg = await waitFor(async () => {
      const g = await client.containerGroups.get(RG, "job");
      return g.instanceView?.state === "Succeeded" ? g : undefined;
    });
    const s = cg.containers[0]!.instanceView!.currentState!;
    expect(s.state).toBe("Terminated");
    expect(s.exitCode).toBe(0);
    expect(s.detailStatus).toBe("Completed");
    expect(s.finishTime).toBeInstanceOf(Date);
  });

  it("exit 1 under Never: group Failed", async () => {
    sim.setBehavior({ match: { group: "job" }, behavior: { kind: "exit", exitCode: 3, afterMs: 50 } });
    await client.containerGroups.beginCreateOrUpdateAndWait(
      RG,
      "job",
      group({ restartPolicy: "Never" }),
      FAST,
    );
    const cg = await waitFor(async () => {
      const g = await client.containerGroups.get(RG, "job");
      return g.instanceView?.state === "Failed" ? g : undefined;
    });
    expect(cg.containers[0]!.instanceView!.currentState!.exitCode).toBe(3);
    expect(cg.containers[0]!.instanceView!.currentState!.detailStatus).toBe("Error");
  });

  it("crash-loops under Always: restartCount grows, previousState Terminated, BackOff events", async () => {
    await client.containerGroups.beginCreateOrUpdateAndWait(
      RG,
      "loop",
      group({ image: "aci-sim/crashloop" }),
      FAST,
    );
    const cg = await waitFor(async () => {
      const g = await client.containerGroups.get(RG, "loop");
      return (g.containers[0]!.instanceView?.restartCount ?? 0) >= 2 ? g : undefined;
    });
    const iv = cg.containers[0]!.instanceView!;
    expect(iv.previousState?.state).toBe("Terminated");
    expect(iv.previousState?.exitCode).toBe(1);
    expect(["Running", "Waiting"]).toContain(iv.currentState?.state);
    expect(iv.events?.find((e) => e.name === "BackOff")?.type).toBe("Warning");
    expect(cg.instanceView?.state).toBe("Running");
  });

  it("image pull failure: Waiting with a reason and Pulling/Failed events, then the group fails", async () => {
    await start({ timing: { pullFailureGiveUpMs: 300 } });
    await client.containerGroups.beginCreateOrUpdate(
      RG,
      "pull",
      group({ image: "nginx:does-not-exist" }),
      FAST,
    );
    const cg = await waitFor(async () => {
      const g = await client.containerGroups.get(RG, "pull");
      return g.provisioningState === "Creating" && (g.containers[0]!.instanceView?.events?.length ?? 0) > 0
        ? g
        : undefined;
    });
    const iv = cg.containers[0]!.instanceView!;
    expect(iv.currentState?.state).toBe("Waiting");
    expect(iv.currentState?.detailStatus).toBe("ImagePullBackOff");
    expect(iv.events?.map((e) => e.name)).toEqual(["Pulling", "Failed", "BackOff"]);
    expect(iv.events?.[1]?.type).toBe("Warning");
    const failed = await waitFor(async () => {
      const g = await client.containerGroups.get(RG, "pull");
      return g.provisioningState === "Failed" ? g : undefined;
    });
    expect(failed.instanceView?.state).toBe("Failed");
  });

  it("an inaccessible image is refused synchronously with 400 InaccessibleImage", async () => {
    const err = await statusOf(
      client.containerGroups.beginCreateOrUpdate(
        RG,
        "inacc",
        group({ image: "registry.example/aci-sim/inaccessible:1" }),
        FAST,
      ),
    );
    expect(err.statusCode).toBe(400);
    expect(err.code).toBe("InaccessibleImage");
  });

  it("crashContainer makes a running container exit now and restart after back-off", async () => {
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, "crash", group(), FAST);
    sim.crashContainer(RG, "crash", "web", 137);
    const now = await client.containerGroups.get(RG, "crash");
    const iv = now.containers[0]!.instanceView!;
    expect(iv.currentState?.state).toBe("Waiting");
    expect(iv.previousState?.exitCode).toBe(137);
    expect(iv.restartCount).toBe(1);
    const later = await waitFor(async () => {
      const g = await client.containerGroups.get(RG, "crash");
      return g.containers[0]!.instanceView?.currentState?.state === "Running" ? g : undefined;
    });
    expect(later.containers[0]!.instanceView!.restartCount).toBe(1);
  });

  it("returns container logs", async () => {
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, "logs", group(), FAST);
    const logs = await client.containers.listLogs(RG, "logs", "web");
    expect(logs.content).toContain("[aci-sim] web started: nginx:1.27\n"); // testground/sim/aci/logs.ts
    expect(sim.countCalls({ operation: "containers.listLogs" })).toBe(1);
  });
});
