/**
 * Shared pieces of the benchmark scenarios (testground/bench/scenarios/*.ts): the child-process protocol (progress lines on
 * stderr, one JSON result line on stdout), the pod manifest, statistics, a scaled simulator clock, and the
 * Retry-After proxy that keeps ARM's back-off hints in real time when the simulator's clock runs faster.
 */
import { spawn } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { cpus, loadavg } from "node:os";
import type { V1Pod } from "@kubernetes/client-node";
import { DEFAULT_LATENCY, type AciSimulatorOptions } from "../sim/aci/index.js";
import { azuriteConnectionString } from "../sim/azurite.js";
import { REALISTIC_LATENCY, scaleLatency, type LatencyProfile, type LatencyRange } from "../sim/latency.js";
import { startQueueProxy } from "../sim/queueProxy.js";

/** Namespace the scenarios create their pods in. */
export const BENCH_NAMESPACE = "bench";

/** Region quotas (groups, cores) lifted: a 500-pod node needs them raised in Azure anyway (support request). */
export const RAISED_REGION_QUOTAS = { groupsPerRegion: 100_000, coresPerRegion: 1_000_000 } as const;

/** Every ACI quota and ARM bucket out of the way: what is left is the bridge's own cost. */
export const UNLIMITED_ARM: AciSimulatorOptions = {
  throttling: false,
  quotas: {
    ...RAISED_REGION_QUOTAS,
    createsPer5Min: 1_000_000,
    createsPerHour: 1_000_000,
    deletesPer5Min: 1_000_000,
    deletesPerHour: 1_000_000,
  },
};

export interface ScenarioContext {
  quick: boolean;
  /** Human progress (stderr; the parent shows it while the scenario runs). */
  progress(line: string): void;
}

export type ScenarioResult = Record<string, unknown>;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value (not undefined) or the deadline passes (then returns undefined). */
export async function waitUntil<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  pollMs = 200,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) return undefined;
    await sleep(pollMs);
  }
}

/** Nearest-rank percentile (p in 0..100); NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

export const round = (n: number, digits = 0): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

/**
 * A bound pod as a Deployment would make it: one container, small requests, the virtual node's tolerations,
 * and the defaults the API server adds (service-account token volume included: the bridge resolves it).
 */
export function benchPod(name: string, labels: Record<string, string> = {}): V1Pod {
  return {
    metadata: { name, namespace: BENCH_NAMESPACE, labels: { app: "bench", ...labels } },
    spec: {
      containers: [
        {
          name: "main",
          image: "mcr.microsoft.com/azuredocs/aci-helloworld:latest",
          ports: [{ containerPort: 80 }],
          resources: { requests: { cpu: "250m", memory: "256Mi" } },
        },
      ],
      tolerations: [
        { key: "azure.com/aci", operator: "Exists", effect: "NoSchedule" },
        { key: "virtual-kubelet.io/provider", operator: "Exists", effect: "NoSchedule" },
      ],
    },
  };
}

/**
 * A clock that runs `scale` times faster than real time from now on (ms since epoch), for the simulator: its
 * lifecycle timings, quota windows and token buckets then run in "simulated" time.
 */
export function scaledClock(scale: number): { now: () => number; toReal: (simMs: number) => number } {
  const origin = Date.now();
  return {
    now: () => origin + (Date.now() - origin) * scale,
    toReal: (simMs) => origin + (simMs - origin) / scale,
  };
}

/**
 * The bridge waits a Retry-After of up to 5 s inside the SDK call and defers the message for longer ones
 * (lib/runtime.ts `MAX_INLINE_RETRY_AFTER_MS`). Plain division would turn a simulated 290 s into 10 s but a
 * simulated 100 s into an inline 4 s wait at ×30 — a decision the real bridge would not make. So a value the
 * real bridge would defer stays above 5 s (at least 6 s), and one it would wait inline stays inline.
 */
export const INLINE_RETRY_AFTER_S = 5;

export function scaleRetryAfter(seconds: number, scale: number): number {
  const scaled = Math.max(1, Math.ceil(seconds / scale));
  return seconds > INLINE_RETRY_AFTER_S ? Math.max(INLINE_RETRY_AFTER_S + 1, scaled) : scaled;
}

export interface RetryAfterProxy {
  endpoint: string;
  /** Responses whose Retry-After was rewritten. */
  rewritten: number;
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of the simulator that divides `Retry-After` by `scale` (`scaleRetryAfter`): the
 * simulator computes it on its scaled clock, the bridge waits it on the real one. Everything else passes
 * through untouched (operation URLs and `nextLink`s still name the simulator, which is fine: they are counted
 * there too). `target` is read per request, so the proxy can start before the simulator it fronts.
 */
export async function startRetryAfterProxy(
  target: () => string | undefined,
  scale: number,
): Promise<RetryAfterProxy> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const state: RetryAfterProxy = { endpoint: "", rewritten: 0, close: () => Promise.resolve() };
  const server = http.createServer((req, res) => {
    const to = target();
    if (!to) {
      res.writeHead(503, { "retry-after": "1" }).end();
      return;
    }
    const upstream = new URL(to);
    const up = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
      },
      (answer) => {
        const headers = { ...answer.headers };
        const raw = headers["retry-after"];
        if (typeof raw === "string" && /^\d+$/.test(raw.trim())) {
          headers["retry-after"] = String(scaleRetryAfter(Number(raw), scale));
          state.rewritten++;
        }
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
      },
    );
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      agent.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

/** A free TCP port on 127.0.0.1 (to start the simulator on a port known before the stack starts). */
export async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Azurite (queue) in its own process. In-process, its LokiJS store took over a third of the event loop that the
 * bridge shares with the fakes once hundreds of messages were queued (profiled: docs/benchmarks.md) — a cost a
 * Storage account does not put on the Functions host. Pass `connectionString` as the stack's
 * `storageConnectionString`.
 */
export async function startAzuriteProcess(): Promise<{ connectionString: string; close(): Promise<void> }> {
  const port = await freePort();
  const main = require.resolve("azurite/dist/src/queue/main.js");
  const child = spawn(
    process.execPath,
    [
      main,
      "--queueHost",
      "127.0.0.1",
      "--queuePort",
      String(port),
      "--inMemoryPersistence",
      "--silent",
      "--skipApiVersionCheck",
      "--loose",
      "--disableTelemetry",
    ],
    { stdio: "ignore" },
  );
  // Never leave an Azurite behind, even when the scenario is killed (scenario.ts exits on SIGTERM/SIGINT).
  const killChild = () => child.kill("SIGKILL");
  process.once("exit", killChild);
  const up = await waitUntil(
    () =>
      new Promise<true | undefined>((resolve) => {
        const req = http.get({ host: "127.0.0.1", port, path: "/" }, (res) => {
          res.resume();
          resolve(true);
        });
        req.on("error", () => resolve(undefined));
      }),
    15_000,
    100,
  );
  if (!up) {
    child.kill();
    throw new Error("Azurite did not start within 15 s");
  }
  return {
    connectionString: azuriteConnectionString(port),
    close: () =>
      new Promise<void>((resolve) => {
        process.removeListener("exit", killChild);
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** Counts the bridge's log events by name (the first word of each Function log line). */
export function eventCounter(): {
  counts: Map<string, number>;
  onLine: (line: { category: string; message: string }) => void;
} {
  const counts = new Map<string, number>();
  return {
    counts,
    onLine(line) {
      if (line.category !== "Function") return;
      const event = /^([a-z][\w.]*)\s/.exec(line.message)?.[1];
      if (event) counts.set(event, (counts.get(event) ?? 0) + 1);
    },
  };
}

/**
 * ARM latency as a per-call figure ± a fraction: the middle of each of the profile's `arm.*` ranges and its half
 * width relative to it (the anchor's virtual clock charges these; the reports show them).
 */
export function callLatency(profile: LatencyProfile): {
  get: number;
  put: number;
  delete: number;
  listPage: number;
  other: number;
  jitter: number;
} {
  const mid = (r: LatencyRange | undefined) => (r ? (r.minMs + r.maxMs) / 2 : 0);
  const read = profile.ranges["arm.read"];
  return {
    get: mid(read),
    put: mid(profile.ranges["arm.write"]),
    delete: mid(profile.ranges["arm.delete"]),
    listPage: mid(profile.ranges["arm.list"]),
    other: mid(profile.ranges["arm.other"]),
    jitter: read && read.maxMs + read.minMs > 0 ? (read.maxMs - read.minMs) / (read.maxMs + read.minMs) : 0,
  };
}

/**
 * The realistic latency profile, in ms per call: the ACI simulator's `DEFAULT_LATENCY` (GET 150, PUT 400,
 * DELETE 300, list page 250, other 100, ±30 %), named for the report.
 */
export const LATENCY_PROFILE = { name: "realistic", ...callLatency(DEFAULT_LATENCY) } as const;

/** The profile with every range ÷ `scale`, as the simulator's `latency` option (time-scaled scenarios). */
export function scaledLatency(scale: number): LatencyProfile {
  return scaleLatency(DEFAULT_LATENCY, scale);
}

/** The machine's load when a figure was measured (os.loadavg: 1, 5, 15 minutes) and its cores. */
export function machineLoad(): { load1: number; load5: number; load15: number; cores: number } {
  const [load1 = 0, load5 = 0, load15 = 0] = loadavg();
  return { load1: round(load1, 2), load5: round(load5, 2), load15: round(load15, 2), cores: cpus().length };
}

/** One message crossing the queue spy: when it was sent, stored, and (each time) handed to a host. */
export interface SpiedMessage {
  ns: string;
  name: string;
  reason: string;
  /** Real ms: the send request reached the queue. */
  sentAt: number;
  /** Real ms: the queue answered the send (the message is stored). */
  storedAt: number;
}

export interface QueueSpy {
  /** Connection string through the spy: give it to the stack as `storageConnectionString`. */
  connectionString: string;
  sent: SpiedMessage[];
  /** Per pod (`ns/name`), the real ms of every get-messages answer that carried a message for it. */
  dequeued: Map<string, number[]>;
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of the queue (Azurite) that timestamps, for the burst breakdown, each message sent
 * to `queue` and each get-messages answer that hands one out (message texts are base64 JSON, decoded here). It
 * sees what the watcher and the host already do over HTTP; nothing in lib/ changes. It runs on the stack's
 * event loop, so it costs the stack a little CPU per request (reported with the figures).
 */
export async function startQueueSpy(upstreamConnectionString: string, queue: string): Promise<QueueSpy> {
  const upstream = new URL(/QueueEndpoint=([^;]+)/.exec(upstreamConnectionString)?.[1] ?? "");
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const state: QueueSpy = {
    connectionString: "",
    sent: [],
    dequeued: new Map(),
    close: () => Promise.resolve(),
  };
  const decode = (xml: string): Array<{ ns: string; name: string; reason: string }> => {
    const out: Array<{ ns: string; name: string; reason: string }> = [];
    for (const m of xml.matchAll(/<MessageText>([^<]*)<\/MessageText>/g)) {
      try {
        const body = JSON.parse(Buffer.from(m[1] ?? "", "base64").toString("utf8")) as Record<
          string,
          unknown
        >;
        out.push({ ns: String(body.ns), name: String(body.name), reason: String(body.reason) });
      } catch {
        // not a pod event (another queue's or a test's text)
      }
    }
    return out;
  };
  const messagesPath = new RegExp(`/${queue}/messages(\\?|$)`);
  const server = http.createServer((req, res) => {
    const arrived = Date.now();
    const watched = messagesPath.test(req.url ?? "") && (req.method === "POST" || req.method === "GET");
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const up = http.request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
          agent,
        },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on("data", (c: Buffer) => parts.push(c));
          answer.on("end", () => {
            const text = Buffer.concat(parts);
            const at = Date.now();
            if (watched && (answer.statusCode ?? 500) < 300) {
              if (req.method === "POST") {
                for (const m of decode(body.toString("utf8")))
                  state.sent.push({ ...m, sentAt: arrived, storedAt: at });
              } else {
                for (const m of decode(text.toString("utf8"))) {
                  const key = `${m.ns}/${m.name}`;
                  const list = state.dequeued.get(key) ?? [];
                  list.push(at);
                  state.dequeued.set(key, list);
                }
              }
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(text);
          });
        },
      );
      up.on("error", () => res.destroy());
      up.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  state.connectionString = azuriteConnectionString(port);
  state.close = () =>
    new Promise<void>((resolve) => {
      agent.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

/** podEvents instances the burst and steady scenarios run (Flex scales out; the goals are stated for ≥ 3). */
export const BENCH_INSTANCES = 3;

/**
 * The Kubernetes fake's and the queue path's realistic latency (testground/sim/latency.ts `REALISTIC_LATENCY`), every
 * range ÷ `scale` for time-scaled scenarios.
 */
export function kubeQueueLatency(scale = 1): LatencyProfile {
  return scaleLatency(REALISTIC_LATENCY, scale);
}

/**
 * The queue path with latency: a `testground/sim/queueProxy.ts` proxy (the realistic profile ÷ `scale`) in front of the
 * Azurite behind `connectionString`. Pass the returned connection string on (to a spy, or to the stack).
 */
export async function startQueueLatency(
  connectionString: string,
  scale = 1,
): Promise<{ connectionString: string; close(): Promise<void> }> {
  const port = Number(new URL(/QueueEndpoint=([^;]+)/.exec(connectionString)?.[1] ?? "").port);
  const proxy = await startQueueProxy({ targetPort: port, latency: kubeQueueLatency(scale) });
  return { connectionString: proxy.connectionString, close: () => proxy.close() };
}
