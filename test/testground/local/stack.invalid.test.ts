/** A scenario with a pod ACI cannot run: that pod is shown Failed with its reason; the others run. */
import { describe, expect, it } from "vitest";
import { deploymentPod, runCli } from "./stack.support.js";

describe("npm start -- --scenario testground/scenarios/invalid-pod.yaml", () => {
  it("shows the hostPath pod Failed with the reason, runs the Deployment's pods, and exits 0 when that was expected", async () => {
    const run = await runCli([
      "--once",
      "--fast",
      "--timeout",
      "60",
      "--scenario",
      "testground/scenarios/invalid-pod.yaml",
      "--expect-failed",
      "hostpath-logger",
    ]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const out = run.stdout;
    expect(out).toContain(
      "pod default/hostpath-logger Failed: UnsupportedPodSpec: spec.volumes[0].hostPath: ACI has no host filesystem",
    );
    expect(out).toMatch(
      /^hostpath-logger +0\/1 +UnsupportedPodSpec +<none> +virtual-kubelet-aci-connector-linux-westus/m,
    );
    const pods = [...new Set(out.match(deploymentPod("aci-helloworld")) ?? [])];
    expect(pods).toHaveLength(2);
    for (const pod of pods) expect(out).toMatch(new RegExp(`^${pod} +1/1 +Running +10\\.240\\.`, "m"));
    expect(out).not.toMatch(/^default-hostpath-logger/m); // no container group for it
    expect(out).toContain("OK: 2 pod(s) Running, 1 Failed as expected; deleted cleanly");
    expect(out).toContain("all pods and their 2 container group(s) are gone");
  }, 90_000);
});
