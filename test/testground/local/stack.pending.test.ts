/** A pod without the virtual node's toleration stays Pending, and the output says why (as kube-scheduler would). */
import { describe, expect, it } from "vitest";
import { runCli } from "./stack.support.js";

const WHY = "0/1 nodes are available: 1 node(s) had untolerated taint {azure.com/aci: }.";

describe("npm start -- --scenario testground/scenarios/missing-toleration.yaml", () => {
  it("keeps the pod without the toleration Pending with the scheduler's reason and fails --once naming it", async () => {
    const run = await runCli([
      "--once",
      "--fast",
      "--timeout",
      "60",
      "--scenario",
      "testground/scenarios/missing-toleration.yaml",
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`FailedScheduling default/no-toleration: ${WHY}`);
    expect(run.stdout).toMatch(/^no-toleration +0\/1 +Pending +<none> +<none> /m);
    expect(run.stdout).toMatch(/^with-toleration +1\/1 +Running +10\.240\./m);
    expect(run.stdout).toContain("all pods and their 1 container group(s) are gone");
    // One line on stderr: what happened and what to do.
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain(`FAILED: pod default/no-toleration stays Pending: ${WHY}`);
    expect(run.stderr).toContain("pass --expect-failed/--expect-pending");
  }, 90_000);
});
