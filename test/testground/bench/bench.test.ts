// `npm run bench -- --quick --json` keeps working: the compiled harness (dist/testground/bench/main.js, so run `npm run build`
// first) completes and prints every metric as a number or a boolean. Timings are not asserted: CI machines vary.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const MAIN = join(__dirname, "..", "..", "..", "dist", "testground", "bench", "main.js");

/** Every metric the issue names (docs/benchmarks.md), plus the context the README table shows. */
const METRICS = [
  "armReadsPerRunningPodHour",
  "anchorArmReadsPerRunningPodHour",
  "readsRatioVsAnchor",
  "statusLagCrashBoundS",
  "statusLagCrashP99S",
  "anchorStatusLagCrashP99S",
  "bridgeOverheadP50Ms",
  "bridgeOverheadP99Ms",
  "overheadWatcherP99Ms",
  "overheadQueueSendP99Ms",
  "overheadQueueWaitP99Ms",
  "overheadHostDispatchP99Ms",
  "overheadHandlerP99Ms",
  "podEventsInstances",
  "realisticArmPutsAccepted",
  "realisticArmPut429",
  "realisticArmPodsDeferredWithoutPut",
  "armWritesPerPod",
  "armWritesPerPodWithDuplicates",
  "maxPodsWithinArmReadRefill",
  "statusLagCrashS",
  "statusLagStartS",
  "reconcileTickMs",
  "reconcileArmCallsPerTick",
  "reconcileKubeCallsPerTick",
  "maxLeaseRenewGapS",
  "watcherRssMb",
  "watcherPodJsonBytes",
  "watcherStartupCpuS",
  "quotaBurstAllRunning",
  "quotaBurstFailed",
  "quotaUtilisation",
  "quotaBurst429s",
  "costPerMonthUsdAt0Pods",
  "costPerMonthUsdAt100Pods",
  "costPerMonthUsdAt1000Pods",
  "anchorCostPerMonthUsd",
  "loadDuringBurst",
  "kubeletLogsChattyReadsPerMinute",
  "kubeletLogsIdleReadsPerMinute",
  "kubeletTopArmCallsPerScrape",
  "kubeletTopMonitorCallsPerScrape",
  "kubeletTopListPagesPerRefresh",
  "kubeletTopMonitorCallsPerRefresh",
] as const;

/** Goals the issue names: each must be reported with its target, value and whether it is met. */
const GOALS = [
  "armReadsPerRunningPodHour",
  "readsRatioVsAnchor",
  "statusLagCrashBoundS",
  "bridgeOverheadP99Ms",
  "armWritesPerPodWithDuplicates",
  "maxLeaseRenewGapS",
  "quotaBurstAllRunning",
  "quotaUtilisation",
  "watcherRssMb",
  "kubeletLogsChattyReadsPerMinute",
  "kubeletTopArmCallsPerScrape",
] as const;

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("npm run bench -- --quick --json", () => {
  it("completes and prints every metric with a numeric or boolean value", async () => {
    expect(existsSync(MAIN), "run `npm run build` first").toBe(true);
    const { code, stdout, stderr } = await run(["--quick", "--json"]);
    expect(code, stderr.slice(-2000)).toBe(0);
    const lines = stdout.trim().split("\n");
    const report = JSON.parse(lines[lines.length - 1] ?? "") as {
      quick: boolean;
      machine: { cores: number; node: string };
      runSeconds: number;
      metrics: Record<string, unknown>;
      goals: Record<string, { target: unknown; value: unknown; met: unknown }>;
    };
    expect(report.quick).toBe(true);
    expect(report.machine.cores).toBeGreaterThan(0);
    expect(report.machine.node).toMatch(/^v\d+/);
    expect(typeof report.runSeconds).toBe("number");
    for (const name of METRICS) {
      const value = report.metrics[name];
      const ok = typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value));
      expect(ok, `${name} = ${JSON.stringify(value)}`).toBe(true);
    }
    for (const [name, value] of Object.entries(report.metrics)) {
      if (name === "latencyProfile") continue;
      expect(["number", "boolean"], name).toContain(typeof value);
    }
    expect(["none", "realistic"]).toContain(report.metrics.latencyProfile);
    for (const name of GOALS) {
      const goal = report.goals[name];
      expect(goal, name).toBeDefined();
      expect(typeof goal?.target, name).toBe("string");
      expect(goal?.value, name).toBe(report.metrics[name]);
      expect(typeof goal?.met, name).toBe("boolean");
    }
    // The readable table comes before the JSON line.
    expect(stdout).toContain("| metric");
    expect(stderr).toContain("▶ burst");
  }, 240_000);
});
