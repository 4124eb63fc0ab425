/**
 * A minimal Prometheus text-format registry (counters and gauges with labels) for the watcher's /metrics.
 * The watcher exposes a dozen series; a small local registry avoids a production dependency.
 */

type Labels = Record<string, string>;

interface Family {
  name: string;
  help: string;
  type: "counter" | "gauge";
  values: Map<string, { labels: Labels; value: number }>;
  /** Computed at scrape time (process metrics). */
  collect?: () => number;
}

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}="${escapeLabel(labels[k] ?? "")}"`)
    .join(",");
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

export class Counter {
  constructor(private readonly family: Family) {}
  inc(labels: Labels = {}, by = 1): void {
    const key = labelKey(labels);
    const entry = this.family.values.get(key);
    if (entry) entry.value += by;
    else this.family.values.set(key, { labels, value: by });
  }
  get(labels: Labels = {}): number {
    return this.family.values.get(labelKey(labels))?.value ?? 0;
  }
  /** Sum over all label sets. */
  total(): number {
    let sum = 0;
    for (const v of this.family.values.values()) sum += v.value;
    return sum;
  }
}

export class Gauge {
  constructor(private readonly family: Family) {}
  set(value: number, labels: Labels = {}): void {
    this.family.values.set(labelKey(labels), { labels, value });
  }
  get(labels: Labels = {}): number {
    return this.family.values.get(labelKey(labels))?.value ?? 0;
  }
}

export class Registry {
  private readonly families: Family[] = [];

  counter(name: string, help: string): Counter {
    return new Counter(this.add(name, help, "counter"));
  }

  gauge(name: string, help: string): Gauge {
    return new Gauge(this.add(name, help, "gauge"));
  }

  /** A series computed at scrape time (process metrics). */
  collected(name: string, help: string, type: Family["type"], collect: () => number): void {
    this.add(name, help, type).collect = collect;
  }

  /** Prometheus text exposition format 0.0.4. */
  render(): string {
    const lines: string[] = [];
    for (const f of this.families) {
      lines.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
      if (f.collect) {
        lines.push(`${f.name} ${f.collect()}`);
        continue;
      }
      if (f.values.size === 0 && f.type === "gauge") lines.push(`${f.name} 0`);
      for (const { labels, value } of f.values.values()) {
        const key = labelKey(labels);
        lines.push(key ? `${f.name}{${key}} ${value}` : `${f.name} ${value}`);
      }
    }
    return lines.join("\n") + "\n";
  }

  private add(name: string, help: string, type: Family["type"]): Family {
    const family: Family = { name, help, type, values: new Map() };
    this.families.push(family);
    return family;
  }
}

/** The watcher's series. Names are part of the operator contract (docs/watcher.md). */
export function watcherMetrics(registry = new Registry()) {
  registry.collected("process_resident_memory_bytes", "Resident memory size in bytes.", "gauge", () => {
    return process.memoryUsage().rss;
  });
  registry.collected("nodejs_heap_size_used_bytes", "V8 heap in use, in bytes.", "gauge", () => {
    return process.memoryUsage().heapUsed;
  });
  registry.collected(
    "process_cpu_seconds_total",
    "User and system CPU time spent in seconds.",
    "counter",
    () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1e6;
    },
  );
  return {
    registry,
    /** Watch events received, by node and type (add/update/delete), before filtering. */
    events: registry.counter(
      "aci_bridge_watcher_events_total",
      "Pod watch events received, by node and type.",
    ),
    /** Updates ignored because only status/metadata bookkeeping changed. */
    ignored: registry.counter(
      "aci_bridge_watcher_events_ignored_total",
      "Pod updates that did not need a message (status-only changes).",
    ),
    sent: registry.counter(
      "aci_bridge_watcher_messages_sent_total",
      "Messages sent to the queue, by reason.",
    ),
    sendFailures: registry.counter("aci_bridge_watcher_send_failures_total", "Failed queue sends (retried)."),
    dropped: registry.counter(
      "aci_bridge_watcher_backlog_dropped_total",
      "Messages dropped because the backlog was full (the reconcile timer repairs).",
    ),
    backlog: registry.gauge("aci_bridge_watcher_backlog_size", "Messages waiting to be sent."),
    leader: registry.gauge("aci_bridge_watcher_leader", "1 while this replica holds the leader Lease."),
    watchRestarts: registry.counter(
      "aci_bridge_watcher_watch_restarts_total",
      "Pod watch restarts, by node and cause (closed, error, gone, watchdog).",
    ),
    pods: registry.gauge("aci_bridge_watcher_pods", "Pods in the watch cache, by node."),
  };
}

export type WatcherMetrics = ReturnType<typeof watcherMetrics>;
