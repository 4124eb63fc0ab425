/**
 * `GET /stats/summary` and `GET /metrics/resource` for the virtual node (what metrics-server and
 * `kubectl top` read), from Azure Monitor metrics of the node's container groups.
 *
 * Never one call per scrape: a refresh every `refreshMs` (default 60 s, ACI's metrics are per minute)
 * lists the resource group's container groups (one ARM read per 100 groups), keeps those tagged for this
 * cluster and these nodes, and fetches their metrics in batches of 50 per region (monitor.ts, Monitor's
 * data plane, not ARM). Scrapes are answered from the cache; a scrape before the first refresh waits for
 * it, and at most one refresh runs at a time. When a refresh fails the last good data is served with
 * `scrape_error 1`.
 *
 * CPU: ACI reports average millicores per minute; the kubelet's `container_cpu_usage_seconds_total` is a
 * counter, so the bridge integrates the averages (core-seconds = millicores / 1000 × seconds), per
 * process: the counter restarts at zero with the watcher, which Prometheus and metrics-server treat as a
 * counter reset. Memory: `MemoryUsage` bytes as the working set.
 */
import type { Logger } from "../log.js";
import { ensureError } from "../errors.js";
import type { KubeletAciApi, ListedGroup } from "./aci.js";
import type { ContainerSample, MetricsApi } from "./monitor.js";
import type { StatsSource } from "./server.js";

export const STATS_REFRESH_MS = 60_000;
/** How far back each refresh asks Monitor (metrics can lag a few minutes behind). */
const LOOKBACK_MS = 5 * 60_000;

interface ContainerStats {
  name: string;
  at: number;
  cpuMillicores?: number;
  cpuSeconds?: number;
  memoryBytes?: number;
}

interface PodStats {
  namespace: string;
  name: string;
  uid: string;
  containers: ContainerStats[];
}

export interface StatsDeps {
  aci: KubeletAciApi;
  metrics: MetricsApi;
  clusterName: string;
  nodeNames: readonly string[];
  /** The node the summary describes. */
  nodeName: string;
  refreshMs?: number;
  now?: () => number;
  logger?: Logger;
}

export class ResourceStats implements StatsSource {
  private pods: PodStats[] = [];
  private at = 0;
  private failed = false;
  private refreshed: Promise<void> | undefined;
  private inFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly cpu = new Map<string, { seconds: number; at: number }>();
  private readonly now: () => number;
  private readonly startedAt: number;

  constructor(private readonly d: StatsDeps) {
    this.now = d.now ?? Date.now;
    this.startedAt = this.now();
  }

  start(): void {
    this.refreshed = this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.d.refreshMs ?? STATS_REFRESH_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** One refresh (shared when one is already running). */
  refresh(): Promise<void> {
    this.inFlight ??= this.load().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async load(): Promise<void> {
    const now = this.now();
    try {
      const groups = (await this.d.aci.listGroups()).filter(
        (g) => g.owner && g.owner.cluster === this.d.clusterName && this.d.nodeNames.includes(g.owner.node),
      );
      const byRegion = new Map<string, ListedGroup[]>();
      for (const g of groups) byRegion.set(g.region, [...(byRegion.get(g.region) ?? []), g]);
      const pods: PodStats[] = [];
      for (const [region, list] of byRegion) {
        const m = await this.d.metrics.fetch(
          region,
          list.map((g) => g.id),
          now - LOOKBACK_MS,
          now,
        );
        for (const g of list) {
          const samples = m.get(g.id.toLowerCase());
          const containers: ContainerStats[] = [];
          for (const name of g.containers) {
            const s = samples?.get(name);
            if (s) containers.push(this.account(`${g.id}/${name}`, name, s));
          }
          if (containers.length > 0 && g.owner) {
            pods.push({ namespace: g.owner.namespace, name: g.owner.pod, uid: g.owner.uid, containers });
          }
        }
      }
      this.pods = pods;
      this.at = now;
      this.failed = false;
    } catch (error) {
      this.failed = true;
      this.d.logger?.warn("kubelet.stats.refresh.failed", { error: ensureError(error).message });
    }
  }

  private account(key: string, name: string, s: ContainerSample): ContainerStats {
    const out: ContainerStats = { name, at: s.at };
    if (s.memoryBytes !== undefined) out.memoryBytes = s.memoryBytes;
    if (s.cpuMillicores !== undefined) {
      const prev = this.cpu.get(key);
      const cores = s.cpuMillicores / 1000;
      // First sample: count its minute; later: integrate over the time since the last sample used.
      const seconds = prev
        ? prev.seconds + (s.at > prev.at ? cores * ((s.at - prev.at) / 1000) : 0)
        : cores * 60;
      this.cpu.set(key, { seconds, at: Math.max(s.at, prev?.at ?? 0) });
      out.cpuMillicores = s.cpuMillicores;
      out.cpuSeconds = seconds;
    }
    return out;
  }

  private async ready(): Promise<void> {
    if (!this.refreshed) this.refreshed = this.refresh();
    await this.refreshed;
  }

  async summary(): Promise<unknown> {
    await this.ready();
    const iso = (ms: number): string => new Date(ms).toISOString();
    const sum = (f: (c: ContainerStats) => number | undefined): number =>
      this.pods.reduce((a, p) => a + p.containers.reduce((b, c) => b + (f(c) ?? 0), 0), 0);
    const cpu = (c: Pick<ContainerStats, "at" | "cpuMillicores" | "cpuSeconds">) => ({
      time: iso(c.at),
      usageNanoCores: Math.round((c.cpuMillicores ?? 0) * 1e6),
      usageCoreNanoSeconds: Math.round((c.cpuSeconds ?? 0) * 1e9),
    });
    const mem = (at: number, bytes: number | undefined) => ({
      time: iso(at),
      workingSetBytes: Math.round(bytes ?? 0),
      usageBytes: Math.round(bytes ?? 0),
    });
    return {
      node: {
        nodeName: this.d.nodeName,
        startTime: iso(this.startedAt),
        cpu: cpu({
          at: this.at,
          cpuMillicores: sum((c) => c.cpuMillicores),
          cpuSeconds: sum((c) => c.cpuSeconds),
        }),
        memory: mem(
          this.at,
          sum((c) => c.memoryBytes),
        ),
      },
      pods: this.pods.map((p) => {
        const at = Math.max(...p.containers.map((c) => c.at));
        const podSum = (f: (c: ContainerStats) => number | undefined): number =>
          p.containers.reduce((a, c) => a + (f(c) ?? 0), 0);
        return {
          podRef: { name: p.name, namespace: p.namespace, uid: p.uid },
          containers: p.containers.map((c) => ({
            name: c.name,
            cpu: cpu(c),
            memory: mem(c.at, c.memoryBytes),
          })),
          cpu: cpu({
            at,
            cpuMillicores: podSum((c) => c.cpuMillicores),
            cpuSeconds: podSum((c) => c.cpuSeconds),
          }),
          memory: mem(
            at,
            podSum((c) => c.memoryBytes),
          ),
        };
      }),
    };
  }

  async resourceMetrics(): Promise<string> {
    await this.ready();
    const lines: string[] = [];
    const family = (name: string, type: string, help: string): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    };
    const esc = (v: string): string => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
    const labels = (p: PodStats, c?: ContainerStats): string =>
      `{${c ? `container="${esc(c.name)}",` : ""}namespace="${esc(p.namespace)}",pod="${esc(p.name)}"}`;
    const all = this.pods.flatMap((p) => p.containers.map((c) => ({ p, c })));
    family(
      "container_cpu_usage_seconds_total",
      "counter",
      "[STABLE] Cumulative cpu time consumed by the container in core-seconds",
    );
    for (const { p, c } of all)
      if (c.cpuSeconds !== undefined)
        lines.push(`container_cpu_usage_seconds_total${labels(p, c)} ${c.cpuSeconds} ${c.at}`);
    family(
      "container_memory_working_set_bytes",
      "gauge",
      "[STABLE] Current working set of the container in bytes",
    );
    for (const { p, c } of all)
      if (c.memoryBytes !== undefined)
        lines.push(`container_memory_working_set_bytes${labels(p, c)} ${c.memoryBytes} ${c.at}`);
    const podAt = (p: PodStats): number => Math.max(...p.containers.map((c) => c.at));
    const total = (cs: ContainerStats[], f: (c: ContainerStats) => number | undefined): number =>
      cs.reduce((a, c) => a + (f(c) ?? 0), 0);
    family(
      "node_cpu_usage_seconds_total",
      "counter",
      "[STABLE] Cumulative cpu time consumed by the node in core-seconds",
    );
    lines.push(
      `node_cpu_usage_seconds_total ${total(
        all.map((x) => x.c),
        (c) => c.cpuSeconds,
      )} ${this.at}`,
    );
    family("node_memory_working_set_bytes", "gauge", "[STABLE] Current working set of the node in bytes");
    lines.push(
      `node_memory_working_set_bytes ${total(
        all.map((x) => x.c),
        (c) => c.memoryBytes,
      )} ${this.at}`,
    );
    family(
      "pod_cpu_usage_seconds_total",
      "counter",
      "[STABLE] Cumulative cpu time consumed by the pod in core-seconds",
    );
    for (const p of this.pods)
      lines.push(
        `pod_cpu_usage_seconds_total${labels(p)} ${total(p.containers, (c) => c.cpuSeconds)} ${podAt(p)}`,
      );
    family("pod_memory_working_set_bytes", "gauge", "[STABLE] Current working set of the pod in bytes");
    for (const p of this.pods)
      lines.push(
        `pod_memory_working_set_bytes${labels(p)} ${total(p.containers, (c) => c.memoryBytes)} ${podAt(p)}`,
      );
    family(
      "scrape_error",
      "gauge",
      "[STABLE] 1 if there was an error while getting container metrics, 0 otherwise",
    );
    lines.push(`scrape_error ${this.failed ? 1 : 0}`);
    return lines.join("\n") + "\n";
  }
}
