/**
 * `kubelet`: what `kubectl logs -f` and `kubectl top` cost through the virtual node's kubelet endpoint, counted
 * at the ACI simulator. The real endpoint (lib/kubelet: `startKubeletServer` over HTTPS, the real SDK client,
 * `ResourceStats` with the Monitor batch client) against the simulator, on a virtual clock that the endpoint
 * and the simulator share, so every count is a simulated duration that does not depend on machine load.
 *
 * - Logs: one pod that writes a line every 500 ms (chatty) and one that writes nothing after its first line
 *   (idle), each followed (`follow=true`) for `followMinutes` simulated minutes, one after the other. The
 *   endpoint's `sleep` advances the clock (the follow loop's polls pass at once); its calls are counted per
 *   followed minute by operation (`containers.listLogs`, `containerGroups.get`).
 * - Top: `pods` running groups of this node; a stats refresh at the start (`ResourceStats.start`), then every
 *   60 simulated seconds, and every 15 s one scrape of `/metrics/resource` and one of `/stats/summary` (what
 *   metrics-server does) for `topMinutes` minutes. Calls are counted per refresh and per scrape. Scrape
 *   latency is real time (the machine's load is reported beside it): the HTTPS round trip with a kept-alive
 *   connection, as metrics-server keeps it.
 *
 * `ResourceStats` schedules its refresh with a real-time `setInterval`; the scenario stops that interval after
 * the first refresh and calls `refresh()` at each simulated minute instead (the interval's callback).
 * Authentication is a bearer token checked by an in-process TokenReview/SubjectAccessReview stand-in: the reviews
 * go to the API server, not ARM, so they are outside what is counted.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createContainerInstanceClient } from "../../../lib/aci/armClient.js";
import { armKubeletAciApi } from "../../../lib/kubelet/aci.js";
import { KubeletAuth, type KubeReviews } from "../../../lib/kubelet/auth.js";
import { monitorMetricsApi } from "../../../lib/kubelet/monitor.js";
import { startKubeletServer } from "../../../lib/kubelet/server.js";
import { ResourceStats, STATS_REFRESH_MS } from "../../../lib/kubelet/stats.js";
import { memoryLogger } from "../../../lib/log.js";
import { containerGroupName, containerGroupTags } from "../../../lib/translate/names.js";
import { startAciSimulator, type AciSimulator, type CallRecord } from "../../sim/aci/index.js";
import { machineLoad, percentile, round, type ScenarioContext, type ScenarioResult } from "../common.js";
import { followedMinutes, meanOver, perEvent, type FollowedMinutes } from "../kubelet.js";

const RG = "bench-kubelet-rg";
const CLUSTER = "bench-cluster";
const NODE = "aci-bridge";
const NAMESPACE = "bench";
const TOKEN = "bench-kubelet-token";
/** metrics-server's default `--metric-resolution`. */
export const SCRAPE_EVERY_MS = 15_000;
const CHATTY_IMAGE = "aci-sim/logger-log-every-500ms";
const IDLE_IMAGE = "aci-sim/quiet";

export interface KubeletBenchOptions {
  /** Running groups of this node (the two followed pods included). */
  pods: number;
  followMinutes: number;
  topMinutes: number;
  progress?: (line: string) => void;
}

/** A self-signed serving certificate for 127.0.0.1 (the `openssl` CLI: Node cannot make certificates). */
function servingCert(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), "bench-kubelet-"));
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        "key.pem",
        "-out",
        "cert.pem",
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
      ],
      { cwd: dir, stdio: "pipe" },
    );
    return {
      cert: readFileSync(join(dir, "cert.pem"), "utf8"),
      key: readFileSync(join(dir, "key.pem"), "utf8"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The API server's answers for the bench's one token: authenticated as the API server, allowed everything. */
const benchReviews: KubeReviews = {
  tokenReview: (token) =>
    Promise.resolve(
      token === TOKEN
        ? { authenticated: true, user: { name: "kube-apiserver-kubelet-client", groups: ["system:masters"] } }
        : { authenticated: false },
    ),
  subjectAccessReview: () => Promise.resolve({ allowed: true }),
};

function seed(sim: AciSimulator, pod: string, image: string, startedAgoMs: number): void {
  sim.seedGroup(
    RG,
    containerGroupName(NAMESPACE, pod),
    {
      location: "westeurope",
      tags: containerGroupTags({
        cluster: CLUSTER,
        node: NODE,
        namespace: NAMESPACE,
        pod,
        uid: `uid-${pod}`,
      }),
      properties: {
        osType: "Linux",
        restartPolicy: "Always",
        containers: [
          { name: "app", properties: { image, resources: { requests: { cpu: 0.25, memoryInGB: 0.25 } } } },
        ],
      },
    },
    { startedAgoMs },
  );
}

export async function measureKubelet(o: KubeletBenchOptions): Promise<ScenarioResult> {
  const say = o.progress ?? (() => undefined);
  let clock = Date.UTC(2026, 11, 1, 12, 0, 0);
  const now = () => clock;
  // The follow loop's sleeps advance the clock; past `limit` they wait for the client to leave.
  let limit = Infinity;
  let atLimit: () => void = () => undefined;
  const sleep = (ms: number, signal: AbortSignal): Promise<void> => {
    if (signal.aborted) return Promise.resolve();
    if (clock + ms > limit) {
      atLimit();
      return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
    }
    clock += ms;
    return new Promise((resolve) => setImmediate(resolve));
  };

  const sim = await startAciSimulator({ throttling: false, now });
  const client = createContainerInstanceClient({
    subscriptionId: sim.subscriptionId,
    endpoint: sim.endpoint,
    insecure: true,
    retryOptions: { maxRetries: 0 },
  });
  const aci = armKubeletAciApi(client, RG);
  const logger = memoryLogger();
  const stats = new ResourceStats({
    aci,
    metrics: monitorMetricsApi({ subscriptionId: sim.subscriptionId, endpoint: () => sim.endpoint }),
    clusterName: CLUSTER,
    nodeNames: [NODE],
    nodeName: NODE,
    now,
    logger,
  });
  const tls = servingCert();
  const kubelet = await startKubeletServer(
    { port: 0, host: "127.0.0.1", tls },
    {
      clusterName: CLUSTER,
      nodeNames: [NODE],
      aci,
      auth: new KubeletAuth(benchReviews, NODE, now),
      logger,
      stats,
      now,
      sleep,
    },
  );
  const agent = new https.Agent({ keepAlive: true, maxSockets: 4 });
  const request = (path: string) =>
    https.request(`https://127.0.0.1:${kubelet.port}${path}`, {
      ca: tls.cert,
      agent,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
  const get = (path: string): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const req = request(path);
      req.on("response", (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end();
    });

  try {
    seed(sim, "chatty", CHATTY_IMAGE, 5 * 60_000);
    seed(sim, "idle", IDLE_IMAGE, 5 * 60_000);
    for (let i = 0; i < o.pods - 2; i++)
      seed(sim, `top-${i}`, "mcr.microsoft.com/azuredocs/aci-helloworld:latest", 5 * 60_000);

    /** Follows `pod` for `o.followMinutes` simulated minutes; its calls per minute and the lines it got. */
    const followFor = async (pod: string): Promise<FollowedMinutes & { lines: number }> => {
      const start = clock;
      const from = sim.calls.length;
      limit = start + o.followMinutes * 60_000;
      const reached = new Promise<void>((resolve) => (atLimit = resolve));
      const ended = logger.lines.filter((l) => l.event === "kubelet.logs.follow.ended").length;
      let text = "";
      const req = request(`/containerLogs/${NAMESPACE}/${pod}/app?follow=true`);
      req.on("response", (res) => res.on("data", (c: Buffer) => (text += c.toString("utf8"))));
      req.on("error", () => undefined);
      req.end();
      await reached;
      const calls = sim.calls.slice(from);
      req.destroy();
      // The endpoint notices the client leaving and ends the follow loop before the next phase.
      while (logger.lines.filter((l) => l.event === "kubelet.logs.follow.ended").length === ended)
        await new Promise((r) => setTimeout(r, 10));
      limit = Infinity;
      return {
        ...followedMinutes(calls, start, o.followMinutes),
        lines: text.split("\n").filter(Boolean).length,
      };
    };
    const chatty = await followFor("chatty");
    say(`kubelet: chatty follow, first minute ${chatty.minutes[0]?.total} ARM reads`);
    const idle = await followFor("idle");
    say(`kubelet: idle follow, first minute ${idle.minutes[0]?.total} ARM reads`);

    // Top: the refresh ResourceStats starts with, then one per simulated minute; a scrape of each path every 15 s.
    const topStart = clock;
    const refreshes: CallRecord[][] = [];
    const scrapes: CallRecord[][] = [];
    const latencyMs = { metrics: [] as number[], summary: [] as number[] };
    const bytes = { metrics: 0, summary: 0 };
    let podsInSummary = 0;
    let metricsPods = 0;
    let from = sim.calls.length;
    stats.start();
    stats.stop();
    await stats.refresh();
    refreshes.push(sim.calls.slice(from));
    const steps = (o.topMinutes * 60_000) / SCRAPE_EVERY_MS;
    for (let k = 0; k < steps; k++) {
      clock = topStart + k * SCRAPE_EVERY_MS;
      if (k > 0 && (k * SCRAPE_EVERY_MS) % STATS_REFRESH_MS === 0) {
        from = sim.calls.length;
        await stats.refresh();
        refreshes.push(sim.calls.slice(from));
      }
      for (const [key, path] of [
        ["metrics", "/metrics/resource"],
        ["summary", "/stats/summary"],
      ] as const) {
        from = sim.calls.length;
        const t0 = performance.now();
        const r = await get(path);
        latencyMs[key].push(performance.now() - t0);
        scrapes.push(sim.calls.slice(from));
        if (r.status !== 200) throw new Error(`${path}: ${r.status} ${r.body.slice(0, 200)}`);
        bytes[key] = Buffer.byteLength(r.body);
        if (key === "summary") podsInSummary = (JSON.parse(r.body) as { pods: unknown[] }).pods.length;
        else
          metricsPods = r.body
            .split("\n")
            .filter((l) => l.startsWith("pod_memory_working_set_bytes{")).length;
      }
    }
    const refresh = perEvent(refreshes);
    const scrape = perEvent(scrapes);
    say(
      `kubelet: top of ${podsInSummary} pods: ${refresh.listPages} list pages + ${refresh.monitor} Monitor calls per refresh, ${scrape.arm} ARM per scrape`,
    );
    const follow = (f: FollowedMinutes & { lines: number }) => ({
      start: f.start,
      firstMinute: f.minutes[0],
      laterMinutesMean: {
        listLogs: round(
          meanOver(f.minutes, 1, (m) => m.listLogs),
          2,
        ),
        get: round(
          meanOver(f.minutes, 1, (m) => m.get),
          2,
        ),
        total: round(
          meanOver(f.minutes, 1, (m) => m.total),
          2,
        ),
      },
      minutes: f.minutes.map((m) => m.total),
      linesReceived: f.lines,
    });
    const ms = (v: number[]) => ({ p50: round(percentile(v, 50), 1), max: round(Math.max(...v), 1) });
    return {
      clock: "virtual (scrape latency: real time)",
      followMinutes: o.followMinutes,
      follow: { chatty: follow(chatty), idle: follow(idle) },
      top: {
        pods: o.pods,
        podsInSummary,
        podsInMetrics: metricsPods,
        minutes: o.topMinutes,
        scrapeEveryS: SCRAPE_EVERY_MS / 1000,
        refreshes: refresh.events,
        perRefresh: { listPages: refresh.listPages, monitorBatches: refresh.monitor, arm: refresh.arm },
        scrapes: scrape.events,
        perScrape: { arm: scrape.arm, monitor: scrape.monitor },
        armReadsPerHour: round((refresh.arm * refresh.events * 60) / o.topMinutes, 1),
        latencyMs: { metricsResource: ms(latencyMs.metrics), statsSummary: ms(latencyMs.summary) },
        bytes: { metricsResource: bytes.metrics, statsSummary: bytes.summary },
      },
      load: machineLoad(),
    };
  } finally {
    agent.destroy();
    await kubelet.close();
    await sim.close();
  }
}

export function runKubelet(ctx: ScenarioContext): Promise<ScenarioResult> {
  return measureKubelet({
    pods: ctx.quick ? 120 : 500,
    followMinutes: ctx.quick ? 2 : 10,
    topMinutes: ctx.quick ? 2 : 5,
    progress: ctx.progress,
  });
}
