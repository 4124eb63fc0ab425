/**
 * `npm run chaos -- --quick`: the chaos convergence run, small (60 pods, ~90 s, 3 podEvents instances, every
 * fault kind), in its own process (one local stack per process). Runs the built script: `npm test` builds
 * before vitest.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(__dirname, "..", "..", "..");
const SCRIPT = join(ROOT, "dist", "testground", "chaos", "main.js");

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT, ...args], { cwd: ROOT });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("chaos --quick", () => {
  it("converges with every check at zero", { timeout: 240_000 }, async () => {
    expect(existsSync(SCRIPT), `${SCRIPT} is missing: run npm run build first`).toBe(true);
    const { code, stdout, stderr } = await run(["--quick", "--json", "--seed", "1"]);
    const lastLine = stdout.trim().split("\n").at(-1) ?? "";
    let result: Record<string, unknown>;
    try {
      result = JSON.parse(lastLine) as Record<string, unknown>;
    } catch {
      throw new Error(
        `last stdout line is not JSON (exit ${code}):\n${stdout.slice(-2000)}\n${stderr.slice(-4000)}`,
      );
    }
    const checks = result.checks as Record<string, number | null>;
    // What a failure needs to be traced from CI's output alone: the failed checks, their details and, for
    // lost or wrongly failed pods, the bridge's log lines, messages and ARM calls about each.
    const observations = result.observations as { problemPods?: unknown } | undefined;
    const context = JSON.stringify(
      { failed: result.failed, details: result.details, problemPods: observations?.problemPods },
      null,
      1,
    ).slice(0, 12_000);
    // The report carries every check, the topology and the fault kinds, whatever the verdict.
    for (const k of [
      "lost",
      "orphans",
      "duplicates",
      "wronglyFailed",
      "foreignTouched",
      "secretLeaks",
      "stuckTerminating",
      "maxPutsPerPodLifecycle",
      "maxLeaseRenewGapS",
      "podsWithoutStatusChainAfterOutage",
      "convergedWithinS",
    ]) {
      expect(checks, k).toHaveProperty(k);
    }
    expect((result.topology as { podEventsInstances: number }).podEventsInstances).toBeGreaterThanOrEqual(3);
    expect((result.workload as { podsCreated: number }).podsCreated).toBeGreaterThan(0);
    const injectedKinds = result.faultKindsInjected as string[];
    for (const kind of [
      "outageKubeApi",
      "outageArm",
      "outageQueue",
      "instanceKillMidCreate",
      "watcherKilledMidBurst",
      "foreignNameCollision",
      "latency",
    ]) {
      expect(injectedKinds, kind).toContain(kind);
    }
    expect(checks, context).toMatchObject({
      lost: 0,
      orphans: 0,
      duplicates: 0,
      wronglyFailed: 0,
      foreignTouched: 0,
      secretLeaks: 0,
      stuckTerminating: 0,
      podsWithoutStatusChainAfterOutage: 0,
    });
    expect(checks.maxPutsPerPodLifecycle, context).toBeLessThanOrEqual(1);
    expect(checks.maxLeaseRenewGapS, context).not.toBeNull();
    expect(checks.maxLeaseRenewGapS!, context).toBeLessThanOrEqual(checks.leaseRenewGapLimitS!);
    expect(checks.convergedWithinS, context).not.toBeNull();
    expect(checks.convergedWithinS!, context).toBeLessThanOrEqual(checks.convergenceLimitS!);
    expect(result.pass, context).toBe(true);
    expect(code, stderr.slice(-2000)).toBe(0);
    // The run did inject: a chaos test that injected nothing could not fail.
    const injected = result.injected as Record<string, number>;
    for (const k of [
      "arm5xx",
      "armNoResponse",
      "kube500",
      "queueDropped",
      "queueDuplicated",
      "watcherRestarts",
    ]) {
      expect(injected[k], k).toBeGreaterThan(0);
    }
    expect((result.workload as { distinctSecretValues: number }).distinctSecretValues).toBeGreaterThan(0);
  });
});
