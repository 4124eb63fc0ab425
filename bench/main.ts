/**
 * `npm run bench`: runs the benchmark scenarios, each in its own child process (the local stack starts once per
 * process), shows progress while they run, prints a table of the metrics against the project's goals, and with
 * `--json` prints one JSON object as the last stdout line. `--quick` runs small N (CI keeps the harness alive with
 * it; timings are not asserted). `--only burst,steady` runs a subset (development).
 *
 * Method, scaling and analysis: docs/benchmarks.md.
 */
import { spawn } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { QUOTA_SCALE } from "./scenarios/quota.js";
import { STEADY_SCALE } from "./scenarios/steady.js";

/** ARM's read refill per principal and region (docs/architecture.md#platform-facts). */
export const ARM_READ_REFILL_PER_SECOND = 25;
/** virtual-kubelet/azure-aci: 2 GETs per pod every 5 s. */
export const AZURE_ACI_READS_PER_POD_HOUR = 2 * (3600 / 5);

type Json = Record<string, unknown>;

interface Plan {
  /** Scenarios run one after the other; a group of several runs them side by side. */
  groups: string[][];
}

const PLAN: Plan = {
  groups: [["burst"], ["burst-realistic"], ["steady"], ["tick"], ["watcher"], ["quota"]],
};

/** `--quick` checks that the harness works, not timings: scenarios run two at a time to stay near a minute. */
const QUICK_PLAN: Plan = {
  groups: [
    ["burst", "steady"],
    ["burst-realistic", "tick"],
    ["quota", "watcher"],
  ],
};

export interface Goal {
  metric: string;
  label: string;
  target: string;
  met: (v: number | boolean) => boolean;
}

export const GOALS: Goal[] = [
  {
    metric: "armReadsPerRunningPodHour",
    label: "ARM reads per running pod-hour",
    target: "≤ 60",
    met: (v) => Number(v) <= 60,
  },
  {
    metric: "maxPodsWithinArmReadRefill",
    label: "pods within ARM read refill",
    target: "≥ 1,500",
    met: (v) => Number(v) >= 1500,
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
    metric: "statusLagCrashS",
    label: "crash → pod status (max)",
    target: "≤ 60 s",
    met: (v) => Number(v) <= 60,
  },
  {
    metric: "reconcileTickMs",
    label: "reconcile tick at 5,000 pods",
    target: "≤ 2,000 ms",
    met: (v) => Number(v) <= 2000,
  },
  {
    metric: "watcherRssMb",
    label: "watcher RSS at 5,000 pods",
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

/** The flat metrics object (numbers and booleans only) from the scenarios' raw results. */
export function deriveMetrics(r: Record<string, Json>): Record<string, number | boolean> {
  const m: Record<string, number | boolean> = {};
  const put = (key: string, value: unknown) => {
    m[key] = typeof value === "boolean" ? value : num(value);
  };
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
    put("armReadsPerPodLifecycle", get(r.burst, "plain.readsPerPodLifecycle"));
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
    put("azureAciReadsPerRunningPodHour", AZURE_ACI_READS_PER_POD_HOUR);
    put(
      "azureAciMaxPodsWithinArmReadRefill",
      ARM_READ_REFILL_PER_SECOND / (AZURE_ACI_READS_PER_POD_HOUR / 3600),
    );
    put("statusSlowPeriodS", get(r.steady, "slowPeriodS.p50"));
    put("statusGetsPerPodHour", r.steady.statusGetsPerPodHour);
    put("countedReadsPerPodHour", r.steady.countedReadsPerPodHour);
    put("statusLagCrashS", get(r.steady, "crashLagS.max"));
    put("statusLagCrashP50S", get(r.steady, "crashLagS.p50"));
    put("crashesDetected", r.steady.crashesDetected);
  }
  if (r.tick) {
    put("reconcilePods", r.tick.pods);
    put("reconcileTickMs", r.tick.tickMsMedian);
    put("reconcileTickMaxMs", r.tick.tickMsMax);
    put("reconcileArmCallsPerTick", r.tick.armCallsPerTick);
    put("reconcileKubeCallsPerTick", r.tick.kubeCallsPerTick);
  }
  if (r.watcher) {
    put("watcherPods", r.watcher.pods);
    put("watcherRssMb", get(r.watcher, "peakRssMiB"));
    put("watcherBaselineRssMb", get(r.watcher, "baseline.peakRssMiB"));
    put("watcherRssNodeDefaultsMb", get(r.watcher, "nodeDefaults.peakRssMiB"));
    put("watcherStartupCpuNodeDefaultsS", get(r.watcher, "nodeDefaults.startup.cpuSeconds"));
    put("watcherStartupCpuS", get(r.watcher, "startup.cpuSeconds"));
    put("watcherIdleCpuS", get(r.watcher, "idle.cpuSeconds"));
    put("watcherBurstCpuS", get(r.watcher, "burstResult.cpuSeconds"));
  }
  if (r.quota) {
    put("quotaBurstPods", r.quota.pods);
    put("quotaBurstAllRunning", r.quota.allRunning === true);
    put("quotaBurstFailed", r.quota.failed);
    put("quotaBurst429s", r.quota.total429);
    put("quotaBurstPut429s", r.quota.put429);
    put("quotaBurstSimulatedMinutes", r.quota.simulatedMinutes);
    put("quotaBurstMinimumMinutes", r.quota.minimumSimulatedMinutes);
  }
  return m;
}

function fmt(v: number | boolean | undefined): string {
  if (v === undefined) return "—";
  if (typeof v === "boolean") return String(v);
  if (!Number.isFinite(v)) return "n/a";
  return Math.abs(v) >= 100 ? Math.round(v).toLocaleString("en-US") : String(Math.round(v * 100) / 100);
}

export function renderTable(m: Record<string, number | boolean>): string {
  const rows: Array<[string, string, string, string]> = [["metric", "value", "goal", ""]];
  const goalOf = new Map(GOALS.map((g) => [g.metric, g]));
  const line = (metric: string, label: string, note = "") => {
    const g = goalOf.get(metric);
    const v = m[metric];
    const status = g && v !== undefined ? (g.met(v) ? "ok" : "MISSED") : "";
    rows.push([label, `${fmt(v)}${note}`, g?.target ?? "", status]);
  };
  line("bridgeOverheadP50Ms", `bridge overhead p50 (${fmt(m.burstPods)} pods, ARM unthrottled)`, " ms");
  line("bridgeOverheadP99Ms", `bridge overhead p99 (${fmt(m.burstPods)} pods, ARM unthrottled)`, " ms");
  rows.push([
    "  p50 / p99 before the handler (watcher, queue)",
    `${fmt(m.overheadBeforeHandlerP50Ms)} / ${fmt(m.overheadBeforeHandlerP99Ms)} ms`,
    "",
    "",
  ]);
  rows.push([
    "  p50 / p99 in the handler (reads, PUT)",
    `${fmt(m.overheadInHandlerP50Ms)} / ${fmt(m.overheadInHandlerP99Ms)} ms`,
    "",
    "",
  ]);
  line("realisticArmOverheadP99Ms", `  same, ARM limits: p99 of PUTs sent`, " ms");
  rows.push([
    `  ARM limits: accepted / 429 / deferred`,
    `${fmt(m.realisticArmPutsAccepted)} / ${fmt(m.realisticArmPut429)} / ${fmt(m.realisticArmPodsDeferredWithoutPut)}`,
    "",
    "",
  ]);
  line("armWritesPerPod", "ARM writes per pod lifecycle");
  line("armWritesPerPodWithDuplicates", "  with 20 % duplicated messages");
  line("armReadsPerRunningPodHour", `ARM reads per running pod-hour (${fmt(m.steadyPods)} pods)`);
  line("statusSlowPeriodS", "  measured slow period (median GET interval)", " s");
  rows.push(["  azure-aci (2 GETs / 5 s)", fmt(m.azureAciReadsPerRunningPodHour), "", ""]);
  line("maxPodsWithinArmReadRefill", "max pods within 25 reads/s");
  rows.push(["  azure-aci", fmt(m.azureAciMaxPodsWithinArmReadRefill), "", ""]);
  line("statusLagCrashS", "crash → pod status, max", " s");
  line("statusLagCrashP50S", "crash → pod status, p50", " s");
  line("statusLagStartS", "group Running → pod Running, p50", " s");
  line("statusLagStartP99S", "group Running → pod Running, p99", " s");
  line("reconcileTickMs", `reconcile tick, median (${fmt(m.reconcilePods)} pods)`, " ms");
  rows.push([
    "  calls per tick: ARM / Kubernetes",
    `${fmt(m.reconcileArmCallsPerTick)} / ${fmt(m.reconcileKubeCallsPerTick)}`,
    "O(pages)",
    "",
  ]);
  line("watcherRssMb", `watcher peak RSS (${fmt(m.watcherPods)} pods, chart's V8 flags)`, " MiB");
  line("watcherBaselineRssMb", "  watcher RSS with 1 pod", " MiB");
  line("watcherRssNodeDefaultsMb", "  same pods, Node's default heap settings", " MiB");
  line("watcherStartupCpuS", "  watcher CPU: start-up (list + resync)", " s");
  line("quotaBurstAllRunning", `quota burst (${fmt(m.quotaBurstPods)} pods): all Running`);
  line("quotaBurstFailed", "  pods marked Failed");
  line("quotaBurst429s", "  429s provoked (all calls)");
  rows.push([
    "  simulated minutes (minimum)",
    `${fmt(m.quotaBurstSimulatedMinutes)} (${fmt(m.quotaBurstMinimumMinutes)})`,
    "",
    "",
  ]);
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
    quota: QUOTA_SCALE,
    watcher: 1,
    note: "figures are normalised to real time",
  };
  const command = `npm run bench --${args.quick ? " --quick" : ""}${args.json ? " --json" : ""}`;
  process.stdout.write(`\n${renderTable(metrics)}\n\n`);
  process.stdout.write(
    `machine: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB, Node ${machine.node}; ` +
      `time scale: steady ×${STEADY_SCALE}, quota ×${QUOTA_SCALE}, others real time; run time ${runSeconds} s\n`,
  );
  if (args.json) {
    const out = {
      version: 1,
      command,
      quick: args.quick,
      machine,
      scale,
      runSeconds,
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
