// `npm run bench -- --quick --json` keeps working: the compiled harness (dist/bench/main.js, so run `npm run build`
// first) completes and prints every metric as a number or a boolean. Timings are not asserted: CI machines vary.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const MAIN = join(__dirname, "..", "..", "dist", "bench", "main.js");

/** Every metric the issue names (docs/benchmarks.md), plus the context the README table shows. */
const METRICS = [
  "bridgeOverheadP50Ms",
  "bridgeOverheadP99Ms",
  "realisticArmPutsAccepted",
  "realisticArmPut429",
  "realisticArmPodsDeferredWithoutPut",
  "realisticArmOverheadP99Ms",
  "armWritesPerPod",
  "armWritesPerPodWithDuplicates",
  "armReadsPerRunningPodHour",
  "maxPodsWithinArmReadRefill",
  "azureAciMaxPodsWithinArmReadRefill",
  "statusLagCrashS",
  "statusLagStartS",
  "reconcileTickMs",
  "reconcileArmCallsPerTick",
  "reconcileKubeCallsPerTick",
  "watcherRssMb",
  "watcherStartupCpuS",
  "quotaBurstAllRunning",
  "quotaBurstFailed",
  "quotaBurst429s",
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
      expect(["number", "boolean"], name).toContain(typeof value);
    }
    // The readable table comes before the JSON line.
    expect(stdout).toContain("| metric");
    expect(stderr).toContain("▶ burst");
  }, 240_000);
});
