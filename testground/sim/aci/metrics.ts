/**
 * The simulator's Azure Monitor metrics batch API (`POST /subscriptions/<sub>/metrics:getBatch`, served on
 * the simulator's own endpoint, docs/aci-simulator.md): `CpuUsage` (millicores) and `MemoryUsage` (bytes)
 * per container of running groups, one average per minute while the container runs. The values are
 * deterministic: from a hash of `<group>/<container>`, CPU 5–204 millicores and memory 32–287 MiB,
 * constant over time. Calls are recorded as operation `metrics.getBatch` (method POST, so the call log
 * counts them as writes; in Azure they are Monitor data-plane calls outside ARM's budget).
 */
import { createHash } from "node:crypto";
import { groupId, snapshot, type StoredGroup } from "./group.js";
import type { AciSimulatorTiming, Operation } from "./types.js";

export const METRICS_ROUTES: Array<{ method: string; re: RegExp; operation: Operation; names: string[] }> = [
  {
    method: "POST",
    re: /^\/subscriptions\/([^/]+)\/metrics:getBatch$/i,
    operation: "metrics.getBatch",
    names: ["sub"],
  },
];

function hash(s: string): number {
  return createHash("sha256").update(s).digest().readUInt32BE(0);
}

export function simulatedUsage(
  group: string,
  container: string,
): { cpuMillicores: number; memoryBytes: number } {
  const h = hash(`${group}/${container}`);
  return { cpuMillicores: 5 + (h % 200), memoryBytes: (32 + (h % 256)) * 1024 * 1024 };
}

export function metricsBatchBody(
  groups: StoredGroup[],
  query: URLSearchParams,
  rawBody: string,
  now: number,
  timing: AciSimulatorTiming,
): { status: number; body: unknown } {
  let ids: string[] = [];
  try {
    const b = JSON.parse(rawBody || "{}") as { resourceids?: unknown };
    ids = Array.isArray(b.resourceids) ? b.resourceids.map(String) : [];
  } catch {
    return { status: 400, body: { error: { code: "BadRequest", message: "invalid JSON body" } } };
  }
  if (ids.length === 0 || ids.length > 50) {
    return {
      status: 400,
      body: { error: { code: "BadRequest", message: "resourceids must hold 1 to 50 ids" } },
    };
  }
  const start = Date.parse(query.get("starttime") ?? "") || now - 5 * 60_000;
  const end = Math.min(Date.parse(query.get("endtime") ?? "") || now, now);
  const values = ids.map((id) => {
    const g = groups.find((x) => groupId(x).toLowerCase() === id.toLowerCase());
    const snap = g ? snapshot(g, now, timing) : undefined;
    const series = (metric: "CpuUsage" | "MemoryUsage") =>
      (g?.containers ?? []).flatMap((c, i) => {
        const view = snap?.containers[i];
        const started =
          view?.currentState.state === "Running" ? Date.parse(view.currentState.startTime ?? "") : NaN;
        if (!g || Number.isNaN(started)) return [];
        const u = simulatedUsage(g.name, c.name);
        const data: Array<{ timeStamp: string; average: number }> = [];
        // Whole minutes that ended while the container ran, within the asked window.
        for (let m = Math.ceil(Math.max(start, started) / 60_000) * 60_000; m + 60_000 <= end; m += 60_000) {
          data.push({
            timeStamp: new Date(m).toISOString(),
            average: metric === "CpuUsage" ? u.cpuMillicores : u.memoryBytes,
          });
        }
        return [{ metadatavalues: [{ name: { value: "containername" }, value: c.name }], data }];
      });
    return {
      resourceid: g ? groupId(g) : id,
      namespace: "microsoft.containerinstance/containergroups",
      interval: "PT1M",
      value: (["CpuUsage", "MemoryUsage"] as const).map((name) => ({
        name: { value: name, localizedValue: name === "CpuUsage" ? "CPU Usage" : "Memory Usage" },
        unit: name === "CpuUsage" ? "Count" : "Bytes",
        timeseries: series(name),
      })),
    };
  });
  return { status: 200, body: { values } };
}
