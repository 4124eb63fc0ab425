/** The chaos run's verdict logic and secret scanner on hand-made snapshots: each check must be able to fail. */
import { describe, expect, it } from "vitest";
import { assess, failedChecks, foreignWrites, isConverged, type ChaosChecks } from "../../chaos/checks.js";
import { parseArgs } from "../../chaos/main.js";
import { createRng } from "../../chaos/prng.js";
import { errorText, SecretScanner } from "../../chaos/secrets.js";
import { planPod } from "../../chaos/workload.js";
import { TAG_CLUSTER, TAG_NODE, TAG_UID } from "../../lib/translate/names.js";

const own = { clusterName: "local", nodeName: "vk" };
const tags = (uid: string, cluster = "local", node = "vk") => ({
  [TAG_CLUSTER]: cluster,
  [TAG_NODE]: node,
  [TAG_UID]: uid,
});
const pod = (name: string, uid: string, phase = "Running", terminating = false) => ({
  ns: "chaos",
  name,
  uid,
  phase,
  terminating,
});

describe("assess", () => {
  it("is converged when every live pod has its group and a status, and nothing else is tagged", () => {
    const a = assess(
      [pod("a", "u1"), pod("job", "u2", "Succeeded")],
      [
        { name: "chaos-a", tags: tags("u1"), provisioningState: "Succeeded" },
        { name: "chaos-job", tags: tags("u2"), provisioningState: "Succeeded" },
        { name: "foreign", tags: {}, provisioningState: "Succeeded" },
        { name: "other-cluster", tags: tags("u9", "elsewhere"), provisioningState: "Succeeded" },
      ],
      own,
    );
    expect(a).toMatchObject({ lost: [], orphans: [], duplicates: [], terminating: [], groups: 2 });
    expect(isConverged(a)).toBe(true);
  });

  it("finds lost pods, orphans, duplicates and terminating pods", () => {
    const a = assess(
      [
        pod("nogroup", "u1"),
        pod("pending", "u2", "Pending"),
        pod("dup", "u3"),
        pod("bye", "u4", "Running", true),
      ],
      [
        { name: "chaos-pending", tags: tags("u2"), provisioningState: "Succeeded" },
        { name: "chaos-dup", tags: tags("u3"), provisioningState: "Succeeded" },
        { name: "chaos-dup-2", tags: tags("u3"), provisioningState: "Succeeded" },
        { name: "chaos-gone", tags: tags("u5"), provisioningState: "Succeeded" },
        { name: "chaos-going", tags: tags("u6"), provisioningState: "Deleting" },
      ],
      own,
    );
    expect(a.lost).toEqual(["chaos/nogroup (no container group)", "chaos/pending (phase Pending)"]);
    expect(a.orphans).toEqual(["chaos-gone"]);
    expect(a.orphansDeleting).toEqual(["chaos-going"]);
    expect(a.duplicates).toEqual(["u3: chaos-dup, chaos-dup-2"]);
    expect(a.terminating).toEqual(["chaos/bye"]);
    expect(isConverged(a)).toBe(false);
  });
});

describe("foreignWrites", () => {
  it("counts writes and deletes on foreign names, case-insensitively, but not reads", () => {
    const base = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerInstance/containerGroups";
    const calls = [
      { method: "GET", path: `${base}/payroll-prod`, status: 200 },
      { method: "DELETE", path: `${base}/Payroll-Prod`, status: 202 },
      { method: "PUT", path: `${base}/chaos-a`, status: 201 },
      { method: "PUT", path: `${base}/payroll-prod`, status: 0 },
    ];
    expect(foreignWrites(calls, ["payroll-prod"]).map((c) => c.method)).toEqual(["DELETE", "PUT"]);
  });
});

describe("failedChecks", () => {
  const ok: ChaosChecks = {
    lost: 0,
    orphans: 0,
    duplicates: 0,
    wronglyFailed: 0,
    foreignTouched: 0,
    secretLeaks: 0,
    stuckTerminating: 0,
    convergedWithinS: 12,
    convergenceLimitS: 40,
  };
  it("passes only when everything is zero and convergence is within the limit", () => {
    expect(failedChecks(ok)).toEqual([]);
    expect(failedChecks({ ...ok, orphans: 2, secretLeaks: 1 })).toEqual(["orphans=2", "secretLeaks=1"]);
    expect(failedChecks({ ...ok, convergedWithinS: 41 })).toEqual(["convergedWithinS=41>40"]);
    expect(failedChecks({ ...ok, convergedWithinS: null })).toEqual(["convergedWithinS=never"]);
  });
});

describe("SecretScanner", () => {
  const value = "CHAOS-SECRET-0123456789abcdef0123";
  const scanner = () => {
    const s = new SecretScanner();
    s.add(value);
    return s;
  };

  it("finds a value raw, base64-encoded, and inside a base64 body (queue message, docker config)", () => {
    const s = scanner();
    expect(s.scan("host-log", "raw", `cg.create.retry {"error":"bad ${value}"}`)).toBe(1);
    expect(s.scan("event", "b64", `data: ${Buffer.from(value).toString("base64")}`)).toBe(1);
    const body = Buffer.from(JSON.stringify({ auths: { r: { password: value } } })).toString("base64");
    expect(s.scan("queue", "embedded", body)).toBe(1);
    expect(s.leaks.map((l) => l.source)).toEqual(["host-log", "event", "queue"]);
    expect(s.leaks[0]?.excerpt).toContain("<SECRET>");
    expect(s.leaks[0]?.excerpt).not.toContain(value);
  });

  it("ignores other text, other values with the prefix, and counts what it scanned", () => {
    const s = scanner();
    expect(s.scan("host-log", "x", 'pod.status.updated {"pod":"chaos/w1-abc"}')).toBe(0);
    expect(s.scan("host-log", "x", "CHAOS-SECRET-not-registered")).toBe(0);
    expect(s.leaks).toEqual([]);
    expect(s.scanned["host-log"]).toBe(2);
  });

  it("reads an error's whole cause chain", () => {
    const s = scanner();
    const error = new Error("outer", { cause: new Error(`inner ${value}`) });
    expect(s.scan("error", "e", errorText(error))).toBe(1);
  });
});

describe("workload and arguments", () => {
  it("the same seed plans the same pods and secret values", () => {
    const a = planPod("w1-a", "pull-secret", createRng(7));
    const b = planPod("w1-a", "pull-secret", createRng(7));
    expect(a).toEqual(b);
    expect(a.secretValues).toHaveLength(3);
    expect(a.pod.spec?.imagePullSecrets).toEqual([{ name: "w1-a-pull" }]);
    expect(planPod("w1-a", "pull-secret", createRng(8)).secretValues).not.toEqual(a.secretValues);
  });

  it("parses --seed, --quick, --json and rejects anything else", () => {
    expect(parseArgs(["--seed", "42", "--quick", "--json"])).toEqual({ seed: 42, quick: true, json: true });
    expect(parseArgs(["--seed=3"]).seed).toBe(3);
    expect(() => parseArgs(["--seed", "x"])).toThrow(/--seed/);
    expect(() => parseArgs(["--fast"])).toThrow(/unknown argument/);
  });
});
