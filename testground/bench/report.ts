/**
 * Writes the benchmark figures into README.md ("Performance") and docs/benchmarks.md ("Latest full run") from
 * ONE run's JSON (docs/benchmarks.json, the last line of `npm run bench -- --json`), between
 * `<!-- bench:… -->` markers, so the two documents cannot disagree (test/testground/bench/report.test.ts re-renders both
 * from the JSON and compares).
 *
 * Run: npm run build && node dist/testground/bench/main.js --json | tail -1 > docs/benchmarks.json && node dist/testground/bench/report.js
 */
import { readFileSync, writeFileSync } from "node:fs";
import { repoPath } from "../local/stack.js";
import { renderTable } from "./main.js";

type Metric = number | boolean | string;

export interface BenchReport {
  command: string;
  quick: boolean;
  machine: { cores: number; cpu: string; memoryGiB: number; node: string; loadAtStart?: number[] };
  runSeconds: number;
  loadAtEnd?: number[];
  metrics: Record<string, Metric>;
  goals: Record<string, { target: string; value: Metric; met: boolean }>;
  finishedAt?: string;
}

export const README_MARKERS = ["<!-- bench:readme:begin -->", "<!-- bench:readme:end -->"] as const;
export const DOCS_MARKERS = ["<!-- bench:docs:begin -->", "<!-- bench:docs:end -->"] as const;

function fmt(v: Metric | undefined, digits = 2): string {
  if (v === undefined) return "—";
  if (typeof v !== "number") return String(v);
  if (!Number.isFinite(v)) return "n/a";
  if (Math.abs(v) >= 100) return Math.round(v).toLocaleString("en-US");
  const f = 10 ** digits;
  return String(Math.round(v * f) / f);
}

function goalMark(r: BenchReport, metric: string): string {
  const g = r.goals[metric];
  return g ? `${g.target}${g.met ? "" : " **missed**"}` : "";
}

export function machineLine(r: BenchReport): string {
  const load = (l?: number[]) => (l ? l.map((x) => x.toFixed(1)).join(" / ") : "n/a");
  return (
    `${r.finishedAt ? `${r.finishedAt.slice(0, 10)}, ` : ""}\`${r.command}\`, ${r.runSeconds} s on ${r.machine.cores} cores ` +
    `(${r.machine.cpu}, ${r.machine.memoryGiB} GiB), Node ${r.machine.node}; load average (1/5/15 min) ` +
    `${load(r.machine.loadAtStart)} at the start, ${load(r.loadAtEnd)} at the end (the machine is shared: ` +
    `real timings are pessimistic); latency profile ${fmt(r.metrics.latencyProfile)}, ` +
    `${fmt(r.metrics.podEventsInstances)} podEvents instance(s).`
  );
}

/** README "Performance": the headline figures, the goals, and azure-aci measured beside them. */
export function renderReadme(r: BenchReport): string {
  const m = r.metrics;
  const rows: Array<[string, string, string, string]> = [
    [
      `ARM reads per running pod-hour (${fmt(m.steadyPods)} pods)`,
      fmt(m.armReadsPerRunningPodHour),
      goalMark(r, "armReadsPerRunningPodHour"),
      fmt(m.anchorArmReadsPerRunningPodHour),
    ],
    ["azure-aci's reads ÷ the bridge's", fmt(m.readsRatioVsAnchor), goalMark(r, "readsRatioVsAnchor"), ""],
    [
      "crash → pod status: bound / p50 / p99 / max",
      `${fmt(m.statusLagCrashBoundS)} / ${fmt(m.statusLagCrashP50S, 1)} / ${fmt(m.statusLagCrashP99S, 1)} / ${fmt(m.statusLagCrashS, 1)} s`,
      goalMark(r, "statusLagCrashBoundS"),
      `— / ${fmt(m.anchorStatusLagCrashP50S, 1)} / ${fmt(m.anchorStatusLagCrashP99S, 1)} / ${fmt(m.anchorStatusLagCrashMaxS, 1)} s`,
    ],
    [
      `pod bound → ARM PUT, ${fmt(m.burstPods)}-pod burst, p50 / p99 (1 instance)`,
      `${fmt(Number(m.bridgeOverheadP50Ms) / 1000, 1)} / ${fmt(Number(m.bridgeOverheadP99Ms) / 1000, 1)} s`,
      goalMark(r, "bridgeOverheadP99Ms"),
      "",
    ],
    [
      "ARM writes per pod, 20 % duplicated messages",
      fmt(m.armWritesPerPodWithDuplicates),
      goalMark(r, "armWritesPerPodWithDuplicates"),
      "",
    ],
    [
      `reconcile tick at ${fmt(m.reconcilePods)} pods`,
      `${fmt(Number(m.reconcileTickMs) / 1000)} s`,
      goalMark(r, "reconcileTickMs"),
      "",
    ],
    [
      `largest Lease renewal gap (${fmt(m.leasePods)} pods, repair running)`,
      `${fmt(m.maxLeaseRenewGapS, 1)} s`,
      goalMark(r, "maxLeaseRenewGapS"),
      "",
    ],
    [
      `watcher RSS at ${fmt(m.watcherPods)} pods of ${fmt(Number(m.watcherPodJsonBytes) / 1024, 1)} KiB`,
      `${fmt(m.watcherRssMb, 1)} MiB`,
      goalMark(r, "watcherRssMb"),
      "",
    ],
    [
      "quota burst: all Running / creates accepted ÷ allowed",
      `${fmt(m.quotaBurstAllRunning)} / ${fmt(m.quotaUtilisation)}`,
      `${goalMark(r, "quotaBurstAllRunning")} / ${goalMark(r, "quotaUtilisation")}`,
      "",
    ],
    [
      "ARM reads per followed log minute: chatty / idle container (later minutes)",
      `${fmt(m.kubeletLogsChattyReadsPerMinute)} / ${fmt(m.kubeletLogsIdleReadsPerMinute)} (${fmt(m.kubeletLogsChattyReadsPerLaterMinute)} / ${fmt(m.kubeletLogsIdleReadsPerLaterMinute)})`,
      goalMark(r, "kubeletLogsChattyReadsPerMinute"),
      "",
    ],
    [
      `kubectl top of ${fmt(m.kubeletTopPods)} pods: ARM + Monitor calls per scrape / per 60 s refresh`,
      `${fmt(m.kubeletTopArmCallsPerScrape)} + ${fmt(m.kubeletTopMonitorCallsPerScrape)} / ${fmt(m.kubeletTopListPagesPerRefresh)} + ${fmt(m.kubeletTopMonitorCallsPerRefresh)}`,
      goalMark(r, "kubeletTopArmCallsPerScrape"),
      "",
    ],
    [
      "cost per month at 0 / 100 / 1,000 pods",
      `$${fmt(m.costPerMonthUsdAt0Pods)} / $${fmt(m.costPerMonthUsdAt100Pods)} / $${fmt(m.costPerMonthUsdAt1000Pods)}`,
      "",
      `$${fmt(m.anchorCostPerMonthUsd)} (replica)`,
    ],
  ];
  const header: [string, string, string, string] = ["", "aci-bridge", "goal", "azure-aci (measured)"];
  return [machineLine(r), "", markdownTable([header, ...rows])].join("\n");
}

/** docs/benchmarks.md "Latest full run": every metric of the table, the machine line, the goals missed. */
export function renderDocs(r: BenchReport): string {
  const missed = Object.entries(r.goals)
    .filter(([, g]) => !g.met)
    .map(([name, g]) => `\`${name}\` ${fmt(g.value)} (goal ${g.target})`);
  return [
    machineLine(r),
    "",
    "```",
    renderTable(r.metrics),
    "```",
    "",
    `Goals missed: ${missed.length ? missed.join(", ") : "none"}.`,
  ].join("\n");
}

function markdownTable(rows: Array<[string, string, string, string]>): string {
  const widths = [0, 1, 2, 3].map((i) => Math.max(3, ...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => `| ${row.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [
    line(rows[0]!),
    `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`,
    ...rows.slice(1).map(line),
  ].join("\n");
}

/** Replaces what lies between the markers (exclusive) with `body`. */
export function replaceBetween(text: string, [begin, end]: readonly [string, string], body: string): string {
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`markers ${begin} … ${end} not found`);
  // Blank lines around the body: what Prettier keeps between an HTML comment and Markdown.
  return `${text.slice(0, a + begin.length)}\n\n${body}\n\n${text.slice(b)}`;
}

/** What lies between the markers, trimmed of the newlines `replaceBetween` adds. */
export function between(text: string, [begin, end]: readonly [string, string]): string | undefined {
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) return undefined;
  return text
    .slice(a + begin.length, b)
    .replace(/^\n+/, "")
    .replace(/\n+$/, "");
}

if (require.main === module) {
  const jsonPath = process.argv[2] ?? repoPath("docs", "benchmarks.json");
  const report = JSON.parse(readFileSync(jsonPath, "utf8")) as BenchReport;
  for (const [file, markers, render] of [
    [repoPath("README.md"), README_MARKERS, renderReadme],
    [repoPath("docs", "benchmarks.md"), DOCS_MARKERS, renderDocs],
  ] as const) {
    writeFileSync(file, replaceBetween(readFileSync(file, "utf8"), markers, render(report)));
    process.stdout.write(`wrote ${file}\n`);
  }
}
