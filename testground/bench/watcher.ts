/**
 * Watcher resource benchmark: N pods (default 5,000) bound to the virtual node in the Kubernetes API fake,
 * Azurite as the queue, and the real compiled watcher (`dist/watcher/main.js`) in a child process.
 * Reports RSS and CPU for start-up (list + leader resync of every pod), idle, and an update burst, read from
 * the watcher's own /metrics (process_resident_memory_bytes, process_cpu_seconds_total).
 *
 * Run: npm run build && node dist/testground/bench/watcher.js [pods] [burst]
 * `benchWatcher()` is exported for the benchmark issue to reuse.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QueueServiceClient } from "@azure/storage-queue";
import type { V1Pod } from "@kubernetes/client-node";
import { parse as parseYaml } from "yaml";
import { startAzurite } from "../sim/azurite.js";
import { startKubeFake } from "../sim/kube/index.js";
import { realisticPod } from "./realisticPod.js";

export interface WatcherBenchResult {
  pods: number;
  burst: number;
  startup: { seconds: number; cpuSeconds: number; rssMiB: number };
  idle: { seconds: number; cpuSeconds: number; rssMiB: number };
  burstResult: { seconds: number; cpuSeconds: number; rssMiB: number };
  peakRssMiB: number;
  /** JSON size of one pod object as the API fake stores it. */
  podJsonBytes: number;
}

interface Sample {
  rss: number;
  cpu: number;
  sent: number;
}

export async function benchWatcher(
  opts: {
    pods?: number;
    burst?: number;
    idleSeconds?: number;
    mainJs?: string;
    nodeOptions?: string;
    /** Pods as big as real ones (testground/bench/realisticPod.ts, ≈ 8 KiB of JSON) instead of one-container stubs. */
    realistic?: boolean;
  } = {},
): Promise<WatcherBenchResult> {
  const pods = opts.pods ?? 5000;
  const burst = opts.burst ?? 1000;
  const idleSeconds = opts.idleSeconds ?? 15;
  const mainJs = opts.mainJs ?? join(__dirname, "..", "..", "watcher", "main.js");
  const node = "aci-bridge";
  const azurite = await startAzurite(0);
  const kube = await startKubeFake({ historyLimit: pods * 3 });
  const queue = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient(
    "pod-events-bench",
  );
  await queue.createIfNotExists();
  kube.createNamespace("bench");
  kube.createNamespace("aci-bridge");
  let podJsonBytes = 0;
  for (let i = 0; i < pods; i++) {
    const pod = opts.realistic ? realisticPod(`pod-${i}`, "bench", i) : stubPod(i);
    const created = kube.createPod(pod, { nodeName: node });
    if (i === 0) podJsonBytes = Buffer.byteLength(JSON.stringify(created));
  }
  const dir = mkdtempSync(join(tmpdir(), "watcher-bench-"));
  // As JSON (valid YAML, accepted by kubectl): the watcher then never loads a YAML parser, as in a cluster.
  writeFileSync(join(dir, "kubeconfig"), JSON.stringify(parseYaml(kube.kubeconfigYaml())));
  const child = spawn(process.execPath, [mainJs], {
    env: {
      PATH: process.env.PATH ?? "",
      KUBECONFIG: join(dir, "kubeconfig"),
      ACI_NODE_NAMES: node,
      PodEventsStorage: azurite.connectionString,
      POD_EVENTS_QUEUE_NAME: "pod-events-bench",
      WATCHER_NAMESPACE: "aci-bridge",
      WATCHER_POD_NAME: "bench-0",
      WATCHER_HTTP_PORT: "0",
      WATCHER_BACKLOG_MAX: String(pods * 2),
      ...(opts.nodeOptions ? { NODE_OPTIONS: opts.nodeOptions } : {}),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let port: number | undefined;
  let buf = "";
  child.stdout.on("data", (c: Buffer) => {
    buf += c.toString();
    const m = /"event":"watcher\.http\.listening"[^\n]*"port":(\d+)/.exec(buf);
    if (m && !port) port = Number(m[1]);
    if (buf.length > 1e6) buf = buf.slice(-1e5);
  });
  let peak = 0;
  const sample = async (): Promise<Sample> => {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const num = (re: RegExp) => [...text.matchAll(re)].reduce((s, m) => s + Number(m[1]), 0);
    peak = Math.max(peak, num(/^process_resident_memory_bytes (\S+)$/gm), highWaterMark(child.pid));
    return {
      rss: num(/^process_resident_memory_bytes (\S+)$/gm),
      cpu: num(/^process_cpu_seconds_total (\S+)$/gm),
      sent: num(/^aci_bridge_watcher_messages_sent_total\{[^}]*\} (\S+)$/gm),
    };
  };
  const until = async (pred: (s: Sample) => boolean, timeoutMs: number): Promise<Sample> => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (port) {
        const s = await sample().catch(() => undefined);
        if (s && pred(s)) return s;
      }
      if (Date.now() > end) throw new Error("benchmark timed out");
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const mib = (b: number) => Math.round((b / 1048576) * 10) / 10;
  const r3 = (n: number) => Math.round(n * 1000) / 1000;
  try {
    const t0 = Date.now();
    const started = await until((s) => s.sent >= pods, 300_000);
    const t1 = Date.now();
    peak = Math.max(peak, started.rss);
    await new Promise((r) => setTimeout(r, idleSeconds * 1000));
    const idle = await sample();
    peak = Math.max(peak, idle.rss);
    const t2 = Date.now();
    for (let i = 0; i < burst; i++)
      kube.patch("pods", "bench", `pod-${i}`, { metadata: { labels: { rev: "2" } } });
    const after = await until((s) => s.sent >= started.sent + burst, 120_000);
    const t3 = Date.now();
    peak = Math.max(peak, after.rss);
    return {
      pods,
      burst,
      startup: { seconds: r3((t1 - t0) / 1000), cpuSeconds: r3(started.cpu), rssMiB: mib(started.rss) },
      idle: { seconds: idleSeconds, cpuSeconds: r3(idle.cpu - started.cpu), rssMiB: mib(idle.rss) },
      burstResult: {
        seconds: r3((t3 - t2) / 1000),
        cpuSeconds: r3(after.cpu - idle.cpu),
        rssMiB: mib(after.rss),
      },
      peakRssMiB: mib(peak),
      podJsonBytes,
    };
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    await kube.close();
    await azurite.close();
  }
}

/** The kernel's peak RSS of a process (`VmHWM`, Linux), so a spike between two samples is not missed; else 0. */
function highWaterMark(pid: number | undefined): number {
  try {
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

if (require.main === module) {
  const [pods, burst] = process.argv.slice(2).map(Number);
  // BENCH_NODE_OPTIONS is passed to the watcher child as NODE_OPTIONS (e.g. a heap cap).
  const nodeOptions = process.env.BENCH_NODE_OPTIONS;
  benchWatcher({
    pods: pods || undefined,
    burst: burst || undefined,
    ...(nodeOptions ? { nodeOptions } : {}),
  }).then(
    (r) => {
      console.log(JSON.stringify(r, null, 2));
      process.exit(0);
    },
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}

/** A one-container pod (about 1 KiB of JSON once admitted). */
function stubPod(i: number): V1Pod {
  return {
    metadata: { name: `pod-${i}`, namespace: "bench", labels: { app: "bench", idx: String(i) } },
    spec: {
      containers: [
        {
          name: "main",
          image: "mcr.microsoft.com/azuredocs/aci-helloworld",
          resources: { requests: { cpu: "250m", memory: "256Mi" } },
        },
      ],
      tolerations: [{ key: "virtual-kubelet.io/provider", operator: "Exists", effect: "NoSchedule" }],
    },
  };
}
