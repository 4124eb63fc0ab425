/**
 * `/stats/summary` and `/metrics/resource` over real HTTPS, from the ACI simulator's groups and its Monitor
 * metrics batch API: values per container, the cost per refresh (never per scrape), the CPU counter, and
 * scrape_error when Monitor fails.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { monitorMetricsApi } from "../../lib/kubelet/monitor.js";
import { ResourceStats } from "../../lib/kubelet/stats.js";
import { simulatedUsage } from "../../testground/sim/aci/metrics.js";
import { makeTestPki, type TestPki } from "./support/certs.js";
import { CLUSTER, get, NODE, seedPod, startHarness, type Harness } from "./support/harness.js";

let pki: TestPki;
let h: Harness;
let stats: ResourceStats;
let clock = Date.UTC(2026, 11, 1, 12, 0, 30);

beforeAll(() => {
  pki = makeTestPki();
});

afterEach(async () => {
  await h?.close();
});

async function withStats(pods: number): Promise<void> {
  clock = Date.UTC(2026, 11, 1, 12, 0, 30);
  h = await startHarness(pki, {
    sim: { now: () => clock },
    extra: {
      stats: {
        summary: () => stats.summary(),
        resourceMetrics: () => stats.resourceMetrics(),
      },
    },
  });
  stats = new ResourceStats({
    aci: h.aci,
    metrics: monitorMetricsApi({ subscriptionId: h.sim.subscriptionId, endpoint: () => h.sim.endpoint }),
    clusterName: CLUSTER,
    nodeNames: [NODE],
    nodeName: NODE,
    now: () => clock,
    logger: h.logger,
  });
  for (let i = 0; i < pods; i++) {
    seedPod(
      h.sim,
      "default",
      `web-${i}`,
      i === 0
        ? [
            { name: "app", image: "nginx" },
            { name: "sidecar", image: "busybox" },
          ]
        : [{ name: "app", image: "nginx" }],
      { startedAgoMs: 3 * 60_000 },
    );
  }
  seedPod(h.sim, "default", "foreign", [{ name: "app", image: "nginx" }], {
    startedAgoMs: 3 * 60_000,
    tags: { owner: "someone-else" },
  });
  h.sim.resetCalls();
}

const value = (text: string, metric: string, labels: string): number | undefined => {
  const line = text.split("\n").find((l) => l.startsWith(`${metric}${labels} `));
  return line ? Number(line.split(" ")[1]) : undefined;
};

describe("kubectl top: /metrics/resource and /stats/summary", () => {
  it("serves every scrape from one refresh: 1 ARM list + 1 Monitor batch for 3 pods", async () => {
    await withStats(3);
    let text = "";
    for (let i = 0; i < 5; i++) {
      const r = await get(h, pki, "/metrics/resource");
      expect(r.status).toBe(200);
      text = r.body;
    }
    const summary = JSON.parse((await get(h, pki, "/stats/summary")).body) as {
      node: { nodeName: string; memory: { workingSetBytes: number } };
      pods: Array<{ podRef: { name: string; uid: string }; containers: Array<{ name: string }> }>;
    };
    expect(h.sim.countCalls({ operation: "containerGroups.listByResourceGroup" })).toBe(1);
    expect(h.sim.countCalls({ operation: "metrics.getBatch" })).toBe(1);

    const web0 = simulatedUsage("default-web-0", "app");
    const side = simulatedUsage("default-web-0", "sidecar");
    const l = (c: string, p: string) => `{container="${c}",namespace="default",pod="${p}"}`;
    expect(value(text, "container_memory_working_set_bytes", l("app", "web-0"))).toBe(web0.memoryBytes);
    expect(value(text, "container_memory_working_set_bytes", l("sidecar", "web-0"))).toBe(side.memoryBytes);
    expect(value(text, "container_cpu_usage_seconds_total", l("app", "web-0"))).toBeCloseTo(
      (web0.cpuMillicores / 1000) * 60,
    );
    expect(value(text, "pod_memory_working_set_bytes", '{namespace="default",pod="web-0"}')).toBe(
      web0.memoryBytes + side.memoryBytes,
    );
    expect(text).toMatch(/^scrape_error 0$/m);
    expect(text).not.toMatch(/foreign/);
    expect(summary.node.nodeName).toBe(NODE);
    expect(summary.pods.map((p) => p.podRef.name).sort()).toEqual(["web-0", "web-1", "web-2"]);
    expect(summary.pods.find((p) => p.podRef.name === "web-0")?.containers.map((c) => c.name)).toEqual([
      "app",
      "sidecar",
    ]);
    expect(summary.pods[0]?.podRef.uid).toMatch(/^uid-web-/);
  });

  it("batches 60 pods into 2 Monitor calls and integrates CPU across refreshes", async () => {
    await withStats(60);
    await stats.refresh();
    expect(h.sim.countCalls({ operation: "containerGroups.listByResourceGroup" })).toBe(1);
    expect(h.sim.countCalls({ operation: "metrics.getBatch" })).toBe(2);
    const l = '{container="app",namespace="default",pod="web-7"}';
    const u = simulatedUsage("default-web-7", "app");
    const first = value(await stats.resourceMetrics(), "container_cpu_usage_seconds_total", l)!;
    clock += 60_000;
    await stats.refresh();
    const second = value(await stats.resourceMetrics(), "container_cpu_usage_seconds_total", l)!;
    expect(second - first).toBeCloseTo((u.cpuMillicores / 1000) * 60);
  });

  it("keeps the last data and says scrape_error 1 when Monitor fails", async () => {
    await withStats(2);
    await stats.refresh();
    h.sim.faults.add({ operation: "metrics.getBatch", effect: { kind: "status", status: 503 } });
    await stats.refresh();
    const text = await stats.resourceMetrics();
    expect(text).toMatch(/^scrape_error 1$/m);
    expect(h.logger.events()).toContain("kubelet.stats.refresh.failed");
    expect(
      value(text, "container_memory_working_set_bytes", '{container="app",namespace="default",pod="web-1"}'),
    ).toBe(simulatedUsage("default-web-1", "app").memoryBytes);
  });
});
