/**
 * Azure Monitor metrics of container groups, in batches: the metrics batch API
 * (`POST https://<region>.metrics.monitor.azure.com/subscriptions/<sub>/metrics:getBatch`, up to 50
 * resources of one region per call, the API `@azure/monitor-query-metrics`' MetricsClient wraps) for
 * `CpuUsage` (millicores) and `MemoryUsage` (bytes), averaged per minute and split by `containerName`.
 * These calls go to the Monitor data plane, not ARM: they do not spend the ARM read budget. Needs
 * `Microsoft.Insights/metrics/read` on the groups (docs/kubelet-api.md). Plain `fetch`, no SDK: the package
 * is not a dependency (its Node 20 support is unverified here).
 */
import type { TokenCredential } from "@azure/core-auth";
import { TransientError, UnauthorizedError } from "../errors.js";

export const METRICS_BATCH_MAX = 50;
export const METRICS_API_VERSION = "2023-10-01";
const SCOPE = "https://metrics.monitor.azure.com/.default";

export interface ContainerSample {
  /** End of the averaged minute (epoch ms). */
  at: number;
  cpuMillicores?: number;
  memoryBytes?: number;
}

/** resource id (lowercase) → container name → latest sample. */
export type GroupMetrics = Map<string, Map<string, ContainerSample>>;

export interface MetricsApi {
  fetch(region: string, resourceIds: string[], start: number, end: number): Promise<GroupMetrics>;
}

export interface MonitorOptions {
  subscriptionId: string;
  /** Default `https://<region>.metrics.monitor.azure.com`; the simulator's endpoint for tests. */
  endpoint?: (region: string) => string;
  /** Absent: no Authorization header (the simulator only). */
  credential?: TokenCredential;
}

interface BatchResponse {
  values?: Array<{
    resourceid?: string;
    value?: Array<{
      name?: { value?: string };
      timeseries?: Array<{
        metadatavalues?: Array<{ name?: { value?: string }; value?: string }>;
        data?: Array<{ timeStamp?: string; average?: number }>;
      }>;
    }>;
  }>;
}

export function monitorMetricsApi(o: MonitorOptions): MetricsApi {
  const endpoint = o.endpoint ?? ((region: string) => `https://${region}.metrics.monitor.azure.com`);
  return {
    async fetch(region, resourceIds, start, end) {
      const out: GroupMetrics = new Map();
      for (let i = 0; i < resourceIds.length; i += METRICS_BATCH_MAX) {
        const ids = resourceIds.slice(i, i + METRICS_BATCH_MAX);
        const q = new URLSearchParams({
          "api-version": METRICS_API_VERSION,
          metricnamespace: "Microsoft.ContainerInstance/containerGroups",
          metricnames: "CpuUsage,MemoryUsage",
          aggregation: "average",
          interval: "PT1M",
          starttime: new Date(start).toISOString(),
          endtime: new Date(end).toISOString(),
          filter: "containerName eq '*'",
        });
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (o.credential) {
          const token = await o.credential.getToken(SCOPE);
          if (token) headers.authorization = `Bearer ${token.token}`;
        }
        const url = `${endpoint(region)}/subscriptions/${o.subscriptionId}/metrics:getBatch?${q.toString()}`;
        const res = await fetch(url, { method: "POST", headers, body: JSON.stringify({ resourceids: ids }) });
        if (res.status === 401 || res.status === 403) {
          throw new UnauthorizedError(`Monitor metrics:getBatch: ${res.status}`, res.status);
        }
        if (!res.ok) throw new TransientError(`Monitor metrics:getBatch: ${res.status}`, res.status);
        const body = (await res.json()) as BatchResponse;
        for (const v of body.values ?? []) {
          const id = (v.resourceid ?? "").toLowerCase();
          const containers = out.get(id) ?? new Map<string, ContainerSample>();
          out.set(id, containers);
          for (const metric of v.value ?? []) {
            const field = metric.name?.value === "CpuUsage" ? "cpuMillicores" : "memoryBytes";
            for (const ts of metric.timeseries ?? []) {
              const name = ts.metadatavalues?.find(
                (m) => m.name?.value?.toLowerCase() === "containername",
              )?.value;
              const last = [...(ts.data ?? [])].reverse().find((d) => typeof d.average === "number");
              if (!name || !last?.timeStamp || last.average === undefined) continue;
              const at = Date.parse(last.timeStamp) + 60_000;
              const sample = containers.get(name) ?? { at };
              sample.at = Math.max(sample.at, at);
              sample[field] = last.average;
              containers.set(name, sample);
            }
          }
        }
      }
      return out;
    },
  };
}
