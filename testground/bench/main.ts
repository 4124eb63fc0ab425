/**
 * `npm run bench`: runs the benchmark scenarios, each in its own child process (the local stack starts once per
 * process), shows progress while they run, prints a table of the metrics against the project's goals, and with
 * `--json` prints one JSON object as the last stdout line. `--quick` runs small N (CI keeps the harness alive with
 * it; timings are not asserted). `--only burst,steady` runs a subset (development).
 *
 * Method, scaling and analysis: docs/benchmarks.md.
 */
import { spawn } from "node:child_process";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { DEFAULT_STATUS_SLOW_SECONDS } from "../../lib/config.js";
import { resolveHostSettings } from "../local/host.js";
import { repoPath } from "../local/stack.js";
import { anchorMonthlyCost, monthlyCost, type MeasuredLoad } from "./cost.js";
import { QUOTA_WINDOW_SCALE } from "./scenarios/quota.js";
import { STEADY_SCALE } from "./scenarios/steady.js";

/** ARM's read refill per principal and region (docs/architecture.md#platform-facts). */
export const ARM_READ_REFILL_PER_SECOND = 25;
/**
 * The crash lag bound's handler budget: from the invocation's start to the pod status patch after its GET.
 * The bound is the slow period + the host's maxPollingInterval + this (docs/benchmarks.md, "The crash lag bound").
 */
export const STATUS_HANDLER_BUDGET_S = 3;

/** The anchor's size the ratio goal is judged at. */
export const ANCHOR_GOAL_PODS = 200;

/** The host's maxPollingInterval from the repository's host.json, in seconds. */
export function maxPollingIntervalS(): number {
  return resolveHostSettings(repoPath("host.json")).queues.maxPollingIntervalMs / 1000;
}

/** statusLagCrashBoundS: the slow period, one poll of an idle queue, the handler's budget. */
export function statusLagCrashBoundS(): number {
  return DEFAULT_STATUS_SLOW_SECONDS + maxPollingIntervalS() + STATUS_HANDLER_BUDGET_S;
}

type Json = Record<string, unknown>;

interface Plan {
  /** Scenarios run one after the other; a group of several runs them side by side. */
  groups: string[][];
}

/**
 * `anchor` runs on a virtual clock (its figures do not depend on load), so it shares a slot with `watcher`
 * (memory, not time). `kubelet` counts on a virtual clock too, but its scrape latency is real time: a slot of its
 * own (a few seconds).
 */
const PLAN: Plan = {
  groups: [
    ["burst"],
    ["burst-realistic"],
    ["steady"],
    ["tick"],
    ["lease"],
    ["watcher", "anchor"],
    ["quota"],
    ["kubelet"],
  ],
};

/** `--quick` checks that the harness works, not timings: scenarios run side by side to stay near two minutes. */
const QUICK_PLAN: Plan = {
  groups: [
    ["burst", "steady", "quota"],
    ["burst-realistic", "tick", "lease", "watcher", "anchor", "kubelet"],
  ],
};

export interface Goal {
  metric: string;
  label: string;
  target: string;
  met: (v: Metric) => boolean;
}

export const GOALS: Goal[] = [
  {
    metric: "armReadsPerRunningPodHour",
    label: "ARM reads per running pod-hour (200 pods)",
    target: "≤ 60",
    met: (v) => Number(v) <= 60,
  },
  {
    metric: "readsRatioVsAnchor",
    label: "azure-aci's reads ÷ the bridge's (200 pods)",
    target: "≥ 20",
    met: (v) => Number(v) >= 20,
  },
  {
    metric: "maxPodsWithinArmReadRefill",
    label: "pods within ARM read refill",
    target: "≥ 1,500",
    met: (v) => Number(v) >= 1500,
  },
  {
    metric: "statusLagCrashBoundS",
    label: "crash → pod status, bound by construction",
    target: "≤ 60 s",
    met: (v) => Number(v) <= 60,
  },
  {
    metric: "statusLagCrashS",
    label: "crash → pod status (max measured)",
    target: "≤ 60 s",
    met: (v) => Number(v) <= 60,
  },
  {
    metric: "bridgeOverheadP99Ms",
    label: "bridge overhead p99 (500 pods)",
    target: "≤ 3,000 ms",
    met: (v) => Number(v) <= 3000,
  },
  { metric: "armWritesPerPod", label: "ARM writes per pod", target: "= 2", met: (v) => v === 2 },
  {
    metric: "armWritesPerPodWithDuplicates",
    label: "ARM writes per pod, 20 % dup.",
    target: "= 2",
    met: (v) => v === 2,
  },
  {
    metric: "reconcileTickMs",
    label: "reconcile tick at 5,000 pods",
    target: "≤ 2,000 ms",
    met: (v) => Number(v) <= 2000,
  },
  {
    metric: "maxLeaseRenewGapS",
    label: "largest Lease renewal gap (5,000 pods, repair)",
    target: "< 20 s",
    met: (v) => Number(v) < 20,
  },
  {
    metric: "watcherRssMb",
    label: "watcher RSS at 5,000 realistic pods",
    target: "≤ 80 MB",
    met: (v) => Number(v) <= 80,
  },
  {
    metric: "quotaBurstAllRunning",
    label: "quota burst: all Running",
    target: "true",
    met: (v) => v === true,
  },
  { metric: "quotaBurstFailed", label: "quota burst: pods Failed", target: "0", met: (v) => v === 0 },
  // The kubelet endpoint's design bounds (lib/kubelet/logs.ts, lib/kubelet/stats.ts): at most one List Logs per
  // 2 s active poll and one GET per 10 s while following; `kubectl top` is answered from the 60 s refresh.
  {
    metric: "kubeletLogsChattyReadsPerMinute",
    label: "ARM reads per followed log minute (chatty)",
    target: "≤ 36",
    met: (v) => Number(v) <= 36,
  },
  {
    metric: "kubeletTopArmCallsPerScrape",
    label: "ARM calls per kubectl top scrape",
    target: "= 0",
    met: (v) => v === 0,
  },
  {
    metric: "quotaUtilisation",
    label: "quota burst: creates accepted ÷ allowed",
    target: "≥ 0.9",
    met: (v) => Number(v) >= 0.9,
  },
];

function parseArgs(argv: string[]) {
  const only = argv.find((a) => a.startsWith("--only="))?.slice("--only=".length);
  return {
    quick: argv.includes("--quick"),
    json: argv.includes("--json"),
    only: only ? new Set(only.split(",")) : undefined,
  };
}

const say = (line: string) => process.stderr.write(`${line}\n`);

function runScenario(name: string, quick: boolean): Promise<Json> {
  const script = join(__dirname, "scenario.js");
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [script, name, ...(quick ? ["--quick"] : [])], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let last = "";
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (line.trim()) last = line;
    });
    const tail: string[] = [];
    createInterface({ input: child.stderr }).on("line", (line) => {
      tail.push(line);
      if (tail.length > 30) tail.shift();
      // The SDKs' own warnings are noise here; the scenario's lines are the progress.
      if (/Warning|--trace-warnings/.test(line)) return;
      say(`  [${name} ${Math.round((Date.now() - started) / 1000)}s] ${line}`);
    });
    const stop = () => child.kill("SIGTERM");
    process.once("exit", stop);
    child.on("error", reject);
    child.on("exit", (code) => {
      process.removeListener("exit", stop);
      if (code !== 0) {
        reject(new Error(`scenario ${name} exited with ${code}:\n${tail.join("\n")}`));
        return;
      }
      try {
        resolve(JSON.parse(last) as Json);
      } catch {
        reject(new Error(`scenario ${name} printed no result line (last: ${last.slice(0, 200)})`));
      }
    });
  });
}

const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : Number.NaN);
const get = (o: unknown, path: string): unknown =>
  path
    .split(".")
    .reduce<unknown>((acc, k) => (acc && typeof acc === "object" ? (acc as Json)[k] : undefined), o);

type Metric = number | boolean | string;

/** Anchor run of `pods` pods, if it ran. */
function anchorRun(r: Record<string, Json>, pods: number): Json | undefined {
  const runs = (r.anchor?.runs as Json[] | undefined) ?? [];
  return runs.find((x) => x.pods === pods) ?? runs[runs.length - 1];
}

/**
 * The flat metrics object (numbers and booleans; `latencyProfile` is the profile's name) from the scenarios'
 * raw results.
 */
export function deriveMetrics(r: Record<string, Json>): Record<string, Metric> {
  const m: Record<string, Metric> = {};
  const put = (key: string, value: unknown) => {
    m[key] = typeof value === "boolean" ? value : num(value);
  };
  const profile = r.steady?.latencyProfile ?? r.anchor?.latencyProfile;
  m.latencyProfile = typeof profile === "string" ? profile : "none";
  put("podEventsInstances", r.burst?.podEventsInstances ?? 1);
  put("statusLagCrashBoundS", statusLagCrashBoundS());
  put("statusSlowPeriodSetS", DEFAULT_STATUS_SLOW_SECONDS);
  put("statusHandlerBudgetS", STATUS_HANDLER_BUDGET_S);
  put("maxPollingIntervalS", maxPollingIntervalS());
  if (r.burst) {
    put("burstPods", r.burst.pods);
    put("bridgeOverheadP50Ms", get(r.burst, "plain.overheadMs.p50"));
    put("bridgeOverheadP99Ms", get(r.burst, "plain.overheadMs.p99"));
    put("armWritesPerPod", get(r.burst, "plain.writesPerPod"));
    put("armWritesPerPodWithDuplicates", get(r.burst, "duplicated.writesPerPod"));
    put("duplicateMessagesSent", get(r.burst, "duplicated.duplicatesSent"));
    put("bridgeOverheadWithDuplicatesP99Ms", get(r.burst, "duplicated.overheadMs.p99"));
    put("statusLagStartS", num(get(r.burst, "plain.startLagMs.p50")) / 1000);
    put("statusLagStartP99S", num(get(r.burst, "plain.startLagMs.p99")) / 1000);
    put("overheadBeforeHandlerP50Ms", get(r.burst, "plain.beforeHandlerMs.p50"));
    put("overheadBeforeHandlerP99Ms", get(r.burst, "plain.beforeHandlerMs.p99"));
    put("overheadInHandlerP50Ms", get(r.burst, "plain.inHandlerMs.p50"));
    put("overheadInHandlerP99Ms", get(r.burst, "plain.inHandlerMs.p99"));
    for (const part of ["watcher", "queueSend", "queueWait", "hostDispatch", "handler"]) {
      const cap = part[0]!.toUpperCase() + part.slice(1);
      put(`overhead${cap}P50Ms`, get(r.burst, `plain.breakdownMs.${part}.p50`));
      put(`overhead${cap}P99Ms`, get(r.burst, `plain.breakdownMs.${part}.p99`));
      put(`overhead${cap}SlowestMs`, get(r.burst, `plain.breakdownMs.slowestPercent.${part}`));
    }
    put("armReadsPerPodLifecycle", get(r.burst, "plain.readsPerPodLifecycle"));
    put("loadDuringBurst", get(r.burst, "load.load1"));
  }
  const real = r["burst-realistic"];
  if (real) {
    put("realisticArmPods", real.pods);
    put("realisticArmPutsAccepted", real.putsAccepted);
    put("realisticArmPut429", real.put429);
    put("realisticArmPodsThrottled", real.podsThrottled);
    put("realisticArmPodsDeferredWithoutPut", real.podsDeferredWithoutPut);
    put("realisticArmOverheadP50Ms", get(real, "overheadAnyPutMs.p50"));
    put("realisticArmOverheadP99Ms", get(real, "overheadAnyPutMs.p99"));
  }
  if (r.steady) {
    const reads = num(r.steady.readsPerRunningPodHour);
    put("steadyPods", r.steady.pods);
    put("armReadsPerRunningPodHour", reads);
    put("maxPodsWithinArmReadRefill", Math.floor(ARM_READ_REFILL_PER_SECOND / (reads / 3600)));
    put("statusSlowPeriodS", get(r.steady, "slowPeriodS.p50"));
    put("statusGetsPerPodHour", r.steady.statusGetsPerPodHour);
    put("countedReadsPerPodHour", r.steady.countedReadsPerPodHour);
    put("statusLagCrashS", get(r.steady, "crashLagS.max"));
    put("statusLagCrashP50S", get(r.steady, "crashLagS.p50"));
    put("statusLagCrashP99S", get(r.steady, "crashLagS.p99"));
    put("crashesDetected", r.steady.crashesDetected);
    put("statusHandlerP99Ms", get(r.steady, "invocationsInWindow.podEvents.durationMs.p99"));
  }
  const anchorAtGoal = r.anchor ? anchorRun(r, ANCHOR_GOAL_PODS) : undefined;
  if (anchorAtGoal) {
    put("anchorPods", anchorAtGoal.pods);
    put("anchorArmReadsPerRunningPodHour", anchorAtGoal.readsPerRunningPodHour);
    put("anchorStatusLagCrashP50S", get(anchorAtGoal, "crashLagS.p50"));
    put("anchorStatusLagCrashP99S", get(anchorAtGoal, "crashLagS.p99"));
    put("anchorStatusLagCrashMaxS", get(anchorAtGoal, "crashLagS.max"));
    put("anchorPassS", get(anchorAtGoal, "passS.p50"));
    put(
      "azureAciMaxPodsWithinArmReadRefill",
      Math.floor(ARM_READ_REFILL_PER_SECOND / (num(anchorAtGoal.readsPerRunningPodHour) / 3600)),
    );
    for (const run of (r.anchor?.runs as Json[] | undefined) ?? []) {
      const n = num(run.pods);
      put(`anchorArmReadsPerRunningPodHourAt${n}`, run.readsPerRunningPodHour);
      put(`anchorStatusLagCrashP99SAt${n}`, get(run, "crashLagS.p99"));
      put(`anchorPassSAt${n}`, get(run, "passS.p50"));
      if (r.steady)
        put(
          `readsRatioVsAnchorAt${n}`,
          num(run.readsPerRunningPodHour) / num(r.steady.readsPerRunningPodHour),
        );
    }
    if (r.steady) {
      put(
        "readsRatioVsAnchor",
        num(anchorAtGoal.readsPerRunningPodHour) / num(r.steady.readsPerRunningPodHour),
      );
      put(
        "crashLagRatioVsAnchorP99",
        num(get(r.steady, "crashLagS.p99")) / num(get(anchorAtGoal, "crashLagS.p99")),
      );
    }
  }
  if (r.tick) {
    put("reconcilePods", r.tick.pods);
    put("reconcileTickMs", r.tick.tickMsMedian);
    put("reconcileTickMaxMs", r.tick.tickMsMax);
    put("reconcileArmCallsPerTick", r.tick.armCallsPerTick);
    put("reconcileKubeCallsPerTick", r.tick.kubeCallsPerTick);
    put("loadDuringTick", get(r.tick, "load.load1"));
  }
  if (r.lease) {
    put("leasePods", r.lease.pods);
    put("maxLeaseRenewGapS", r.lease.maxLeaseRenewGapS);
    put("leaseRepairsCompleted", r.lease.repairsCompleted);
    put("loadDuringLease", get(r.lease, "load.load1"));
  }
  if (r.watcher) {
    put("watcherPods", r.watcher.pods);
    put("watcherPodJsonBytes", r.watcher.podJsonBytes);
    put("watcherRssMb", get(r.watcher, "peakRssMiB"));
    put("watcherBaselineRssMb", get(r.watcher, "baseline.peakRssMiB"));
    put("watcherRssNodeDefaultsMb", get(r.watcher, "nodeDefaults.peakRssMiB"));
    put("watcherStartupCpuNodeDefaultsS", get(r.watcher, "nodeDefaults.startup.cpuSeconds"));
    put("watcherStartupCpuS", get(r.watcher, "startup.cpuSeconds"));
    put("watcherIdleCpuS", get(r.watcher, "idle.cpuSeconds"));
    put("watcherBurstCpuS", get(r.watcher, "burstResult.cpuSeconds"));
    put("loadDuringWatcher", get(r.watcher, "load.load1"));
  }
  if (r.quota) {
    put("quotaBurstPods", r.quota.pods);
    put("quotaBurstAllRunning", r.quota.allRunning === true);
    put("quotaBurstFailed", r.quota.failed);
    put("quotaUtilisation", r.quota.utilisation);
    put("quotaCreatesAccepted", r.quota.createsAccepted);
    put("quotaCreatesAllowed", r.quota.createsAllowed);
    put("quotaSlotDelayP50S", get(r.quota, "slotDelayS.p50"));
    put("quotaSlotDelayMaxS", get(r.quota, "slotDelayS.max"));
    put("quotaBurstSeconds", r.quota.seconds);
    put("quotaBurstMinimumSeconds", r.quota.minimumSeconds);
    put("quotaBurst429s", r.quota.total429);
    put("quotaBurstPut429s", r.quota.put429);
    put("quotaDeferrals", r.quota.deferrals);
  }
  const k = r.kubelet;
  if (k) {
    put("kubeletFollowMinutes", k.followMinutes);
    put("kubeletLogsStartReads", get(k, "follow.chatty.start.total"));
    for (const [kind, cap] of [
      ["chatty", "Chatty"],
      ["idle", "Idle"],
    ] as const) {
      put(`kubeletLogs${cap}ReadsPerMinute`, get(k, `follow.${kind}.firstMinute.total`));
      put(`kubeletLogs${cap}ListLogsPerMinute`, get(k, `follow.${kind}.firstMinute.listLogs`));
      put(`kubeletLogs${cap}GetsPerMinute`, get(k, `follow.${kind}.firstMinute.get`));
      put(`kubeletLogs${cap}OtherCallsPerMinute`, get(k, `follow.${kind}.firstMinute.other`));
      put(`kubeletLogs${cap}ReadsPerLaterMinute`, get(k, `follow.${kind}.laterMinutesMean.total`));
      put(`kubeletLogs${cap}LinesReceived`, get(k, `follow.${kind}.linesReceived`));
    }
    put("kubeletTopPods", get(k, "top.pods"));
    put("kubeletTopPodsServed", get(k, "top.podsInSummary"));
    put("kubeletTopScrapes", get(k, "top.scrapes"));
    put("kubeletTopArmCallsPerScrape", get(k, "top.perScrape.arm"));
    put("kubeletTopMonitorCallsPerScrape", get(k, "top.perScrape.monitor"));
    put("kubeletTopListPagesPerRefresh", get(k, "top.perRefresh.listPages"));
    put("kubeletTopMonitorCallsPerRefresh", get(k, "top.perRefresh.monitorBatches"));
    put("kubeletTopArmReadsPerHour", get(k, "top.armReadsPerHour"));
    put("kubeletTopScrapeP50Ms", get(k, "top.latencyMs.metricsResource.p50"));
    put("kubeletTopScrapeMaxMs", get(k, "top.latencyMs.metricsResource.max"));
    put("kubeletTopSummaryP50Ms", get(k, "top.latencyMs.statsSummary.p50"));
    put("kubeletTopSummaryMaxMs", get(k, "top.latencyMs.statsSummary.max"));
    put("kubeletTopScrapeBytes", get(k, "top.bytes.metricsResource"));
    put("kubeletTopSummaryBytes", get(k, "top.bytes.statsSummary"));
    put("loadDuringKubelet", get(k, "load.load1"));
  }
  if (r.steady) {
    const inv = (fn: string, key: string) => num(get(r.steady, `invocationsInWindow.${fn}.${key}`));
    const pods = num(r.steady.pods);
    const load: MeasuredLoad = {
      podEventsPerPodHour: inv("podEvents", "perSimulatedHour") / pods,
      podEventsMeanMs: inv("podEvents", "durationMs.mean"),
      // The timer's schedule (every 10 s); its duration as measured at this size.
      reconcilePerHour: 360,
      reconcileMeanMs: inv("reconcile", "durationMs.mean"),
    };
    put("podEventsPerPodHour", load.podEventsPerPodHour);
    put("podEventsMeanMs", load.podEventsMeanMs);
    put("reconcileMeanMs", load.reconcileMeanMs);
    for (const n of [0, 100, 1000]) {
      const c = monthlyCost(n, load);
      put(`costPerMonthUsdAt${n}Pods`, c.usd);
      put(`costPerMonthUsdWithFreeGrantAt${n}Pods`, c.usdWithFreeGrant);
      put(`executionsPerMonthAt${n}Pods`, c.executions);
      put(`gbSecondsPerMonthAt${n}Pods`, c.gbSeconds);
    }
    put("anchorCostPerMonthUsd", anchorMonthlyCost());
  }
  return m;
}

function fmt(v: Metric | undefined): string {
  if (v === undefined) return "—";
  if (typeof v === "boolean" || typeof v === "string") return String(v);
  if (!Number.isFinite(v)) return "n/a";
  return Math.abs(v) >= 100 ? Math.round(v).toLocaleString("en-US") : String(Math.round(v * 100) / 100);
}

export function renderTable(m: Record<string, Metric>): string {
  const rows: Array<[string, string, string, string]> = [["metric", "value", "goal", ""]];
  const goalOf = new Map(GOALS.map((g) => [g.metric, g]));
  const line = (metric: string, label: string, note = "") => {
    const g = goalOf.get(metric);
    const v = m[metric];
    const status = g && v !== undefined ? (g.met(v) ? "ok" : "MISSED") : "";
    rows.push([label, `${fmt(v)}${note}`, g?.target ?? "", status]);
  };
  const pair = (label: string, a: string, b: string, unit = "") =>
    rows.push([label, `${fmt(m[a])} / ${fmt(m[b])}${unit}`, "", ""]);
  rows.push([
    "profile / podEvents instances",
    `${fmt(m.latencyProfile)} / ${fmt(m.podEventsInstances)}`,
    "",
    "",
  ]);
  line("armReadsPerRunningPodHour", `ARM reads per running pod-hour (${fmt(m.steadyPods)} pods)`);
  line("anchorArmReadsPerRunningPodHour", `  azure-aci, measured (${fmt(m.anchorPods)} pods)`);
  line("readsRatioVsAnchor", "  ratio azure-aci ÷ bridge");
  for (const n of [50, 1000]) {
    if (m[`anchorArmReadsPerRunningPodHourAt${n}`] === undefined) continue;
    pair(
      `  azure-aci at ${n} pods: reads / ratio`,
      `anchorArmReadsPerRunningPodHourAt${n}`,
      `readsRatioVsAnchorAt${n}`,
    );
  }
  line("statusSlowPeriodS", "  measured slow period (median GET interval)", " s");
  line("maxPodsWithinArmReadRefill", "max pods within 25 reads/s");
  line("azureAciMaxPodsWithinArmReadRefill", "  azure-aci (measured rate)");
  line("statusLagCrashBoundS", "crash → pod status, bound (slow + poll + handler)", " s");
  pair("  measured p50 / p99", "statusLagCrashP50S", "statusLagCrashP99S", " s");
  line("statusLagCrashS", "  measured max", " s");
  pair("  azure-aci p50 / p99", "anchorStatusLagCrashP50S", "anchorStatusLagCrashP99S", " s");
  line("statusLagStartS", "group Running → pod Running, p50", " s");
  line("statusLagStartP99S", "group Running → pod Running, p99", " s");
  line("bridgeOverheadP50Ms", `bridge overhead p50 (${fmt(m.burstPods)} pods, ARM unthrottled)`, " ms");
  line("bridgeOverheadP99Ms", `bridge overhead p99 (${fmt(m.burstPods)} pods, ARM unthrottled)`, " ms");
  for (const [part, label] of [
    ["Watcher", "watcher (watch, coalescing, send)"],
    ["QueueSend", "queue send"],
    ["QueueWait", "queue wait (polling, batches ahead)"],
    ["HostDispatch", "host dispatch"],
    ["Handler", "handler (reads, PUT)"],
  ] as const) {
    rows.push([
      `  ${label} p50 / p99 / slowest 1 %`,
      `${fmt(m[`overhead${part}P50Ms`])} / ${fmt(m[`overhead${part}P99Ms`])} / ${fmt(m[`overhead${part}SlowestMs`])} ms`,
      "",
      "",
    ]);
  }
  line("loadDuringBurst", "  load average (1 min) at the end", "");
  line("realisticArmOverheadP99Ms", `  same, ARM limits: p99 of PUTs sent`, " ms");
  rows.push([
    `  ARM limits: accepted / 429 / deferred`,
    `${fmt(m.realisticArmPutsAccepted)} / ${fmt(m.realisticArmPut429)} / ${fmt(m.realisticArmPodsDeferredWithoutPut)}`,
    "",
    "",
  ]);
  line("armWritesPerPod", "ARM writes per pod lifecycle");
  line("armWritesPerPodWithDuplicates", "  with 20 % duplicated messages");
  line("reconcileTickMs", `reconcile tick, median (${fmt(m.reconcilePods)} pods)`, " ms");
  rows.push([
    "  calls per tick: ARM / Kubernetes",
    `${fmt(m.reconcileArmCallsPerTick)} / ${fmt(m.reconcileKubeCallsPerTick)}`,
    "O(pages)",
    "",
  ]);
  line("loadDuringTick", "  load average (1 min)", "");
  line("maxLeaseRenewGapS", `largest Lease renewal gap (${fmt(m.leasePods)} pods, repair, latency)`, " s");
  line("watcherRssMb", `watcher peak RSS (${fmt(m.watcherPods)} realistic pods, chart's flags)`, " MiB");
  line("watcherPodJsonBytes", "  one pod's JSON", " B");
  line("watcherBaselineRssMb", "  watcher RSS with 1 pod", " MiB");
  line("watcherRssNodeDefaultsMb", "  same pods, Node's default heap settings", " MiB");
  line("watcherStartupCpuS", "  watcher CPU: start-up (list + resync)", " s");
  line("quotaBurstAllRunning", `quota burst (${fmt(m.quotaBurstPods)} pods, real time): all Running`);
  line("quotaBurstFailed", "  pods marked Failed");
  line("quotaUtilisation", "  creates accepted ÷ allowed");
  pair("  slot delay p50 / max", "quotaSlotDelayP50S", "quotaSlotDelayMaxS", " s");
  pair("  seconds (minimum)", "quotaBurstSeconds", "quotaBurstMinimumSeconds");
  pair("  PUT 429s / deferrals", "quotaBurstPut429s", "quotaDeferrals");
  line("kubeletLogsChattyReadsPerMinute", "ARM reads per followed log minute, chatty (virtual clock)");
  pair("  List Logs / GET", "kubeletLogsChattyListLogsPerMinute", "kubeletLogsChattyGetsPerMinute");
  line("kubeletLogsChattyReadsPerLaterMinute", `  minutes 2–${fmt(m.kubeletFollowMinutes)}, mean`);
  line("kubeletLogsIdleReadsPerMinute", "  idle container, first minute");
  pair("  idle: List Logs / GET", "kubeletLogsIdleListLogsPerMinute", "kubeletLogsIdleGetsPerMinute");
  line("kubeletLogsIdleReadsPerLaterMinute", `  idle, minutes 2–${fmt(m.kubeletFollowMinutes)}, mean`);
  line("kubeletLogsStartReads", "  at the request (ownership GET + first read)");
  line("kubeletTopArmCallsPerScrape", `ARM calls per kubectl top scrape (${fmt(m.kubeletTopPods)} pods)`);
  line("kubeletTopMonitorCallsPerScrape", "  Monitor calls per scrape");
  pair(
    "  per 60 s refresh: ARM list pages / Monitor calls",
    "kubeletTopListPagesPerRefresh",
    "kubeletTopMonitorCallsPerRefresh",
  );
  line("kubeletTopArmReadsPerHour", "  ARM reads per hour (refreshes)");
  pair("  /metrics/resource p50 / max (real time)", "kubeletTopScrapeP50Ms", "kubeletTopScrapeMaxMs", " ms");
  pair("  /stats/summary p50 / max (real time)", "kubeletTopSummaryP50Ms", "kubeletTopSummaryMaxMs", " ms");
  rows.push([
    "cost per month at 0 / 100 / 1,000 pods",
    `$${fmt(m.costPerMonthUsdAt0Pods)} / $${fmt(m.costPerMonthUsdAt100Pods)} / $${fmt(m.costPerMonthUsdAt1000Pods)}`,
    "",
    "",
  ]);
  rows.push(["  azure-aci's replica (any number of pods)", `$${fmt(m.anchorCostPerMonthUsd)}`, "", ""]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r, idx) => {
      const text = `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
      return idx === 0 ? `${text}\n|${widths.map((w) => "-".repeat(w + 2)).join("|")}|` : text;
    })
    .join("\n");
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const machine = {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
  say(`aci-bridge benchmarks${args.quick ? " (quick)" : ""}: ${machine.cores} cores, Node ${machine.node}`);
  const results: Record<string, Json> = {};
  for (const group of (args.quick ? QUICK_PLAN : PLAN).groups) {
    const names = group.filter((g) => !args.only || args.only.has(g));
    if (names.length === 0) continue;
    say(`▶ ${names.join(" + ")}`);
    const done = await Promise.all(names.map((n) => runScenario(n, args.quick)));
    names.forEach((n, i) => (results[n] = done[i]!));
  }
  const metrics = deriveMetrics(results);
  const runSeconds = Math.round((Date.now() - started) / 100) / 10;
  const goals = Object.fromEntries(
    GOALS.filter((g) => metrics[g.metric] !== undefined).map((g) => [
      g.metric,
      { target: g.target, value: metrics[g.metric], met: g.met(metrics[g.metric]!) },
    ]),
  );
  const scale = {
    burst: 1,
    "burst-realistic": 1,
    steady: STEADY_SCALE,
    tick: 1,
    lease: 1,
    anchor: "virtual clock",
    quota: `simulator window ÷${QUOTA_WINDOW_SCALE}, bridge real time`,
    watcher: 1,
    kubelet: "virtual clock (scrape latency real time)",
    note: "figures are normalised to real time",
  };
  const command = `npm run bench --${args.quick ? " --quick" : ""}${args.json ? " --json" : ""}`;
  process.stdout.write(`\n${renderTable(metrics)}\n\n`);
  process.stdout.write(
    `machine: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB, Node ${machine.node}, ` +
      `load ${loadavg()
        .map((l) => l.toFixed(1))
        .join(" / ")}; time: steady ×${STEADY_SCALE}, anchor and kubelet virtual clock, ` +
      `quota window ÷${QUOTA_WINDOW_SCALE} (bridge in real time), others real time; run time ${runSeconds} s\n`,
  );
  if (args.json) {
    const out = {
      version: 1,
      finishedAt: new Date().toISOString(),
      command,
      quick: args.quick,
      machine,
      scale,
      runSeconds,
      loadAtEnd: loadavg().map((l) => Math.round(l * 100) / 100),
      metrics,
      goals,
      scenarios: results,
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  }
}

if (require.main === module) {
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => process.exit(130));
  main().catch((error: unknown) => {
    say(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  });
}
