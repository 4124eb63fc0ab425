/** The chaos run's verdict logic and secret scanner on hand-made snapshots: each check must be able to fail. */
import { describe, expect, it } from "vitest";
import {
  assess,
  computeChecks,
  failedChecks,
  foreignWrites,
  isConverged,
  longestLeaseGapS,
  putsPerLifecycle,
  type ChaosChecks,
  type OutageWindow,
  type RecordedOutcome,
} from "../../../testground/chaos/checks.js";
import { parseArgs } from "../../../testground/chaos/main.js";
import { createRng } from "../../../testground/chaos/prng.js";
import { errorText, SecretScanner } from "../../../testground/chaos/secrets.js";
import { planPod } from "../../../testground/chaos/workload.js";
import { TAG_CLUSTER, TAG_NODE, TAG_UID } from "../../../lib/translate/names.js";

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
    maxPutsPerPodLifecycle: 1,
    maxLeaseRenewGapS: 4,
    podsWithoutStatusChainAfterOutage: 0,
    convergedWithinS: 12,
    convergenceLimitS: 40,
    leaseRenewGapLimitS: 20,
    putsPerPodLifecycleLimit: 1,
  };
  it("passes only when everything is zero and every bound holds", () => {
    expect(failedChecks(ok)).toEqual([]);
    expect(failedChecks({ ...ok, orphans: 2, secretLeaks: 1 })).toEqual(["orphans=2", "secretLeaks=1"]);
    expect(failedChecks({ ...ok, convergedWithinS: 41 })).toEqual(["convergedWithinS=41>40"]);
    expect(failedChecks({ ...ok, convergedWithinS: null })).toEqual(["convergedWithinS=never"]);
    expect(failedChecks({ ...ok, maxPutsPerPodLifecycle: 2 })).toEqual(["maxPutsPerPodLifecycle=2>1"]);
    expect(failedChecks({ ...ok, maxLeaseRenewGapS: 20 })).toEqual(["maxLeaseRenewGapS=20>=20"]);
    expect(failedChecks({ ...ok, maxLeaseRenewGapS: null })).toEqual(["maxLeaseRenewGapS=never renewed"]);
    expect(failedChecks({ ...ok, podsWithoutStatusChainAfterOutage: 3 })).toEqual([
      "podsWithoutStatusChainAfterOutage=3",
    ]);
  });
});

describe("computeChecks: every check counts a fault planted in a recorded outcome", () => {
  const base = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerInstance/containerGroups";
  const T0 = 1_000_000;
  const outage: OutageWindow = { kind: "kubeApi", startMs: T0 + 10_000, endMs: T0 + 70_000 };
  /** A run where everything went right: two running pods, one job, a colliding pod left alone. */
  const clean = (): RecordedOutcome => ({
    own,
    pods: [pod("a", "u1"), pod("b", "u2"), pod("job", "u3", "Succeeded"), pod("collide", "u4", "Pending")],
    groups: [
      { name: "chaos-a", tags: tags("u1"), provisioningState: "Succeeded" },
      { name: "chaos-b", tags: tags("u2"), provisioningState: "Succeeded" },
      { name: "chaos-job", tags: tags("u3"), provisioningState: "Succeeded" },
      { name: "chaos-collide", tags: {}, provisioningState: "Succeeded" },
    ],
    exemptPods: ["chaos/collide"],
    duplicatesSeen: [],
    failedPods: {},
    armCalls: [
      { method: "PUT", path: `${base}/chaos-a`, status: 201, at: T0 + 1 },
      { method: "GET", path: `${base}/chaos-collide`, status: 200, at: T0 + 2 },
      // A PUT answered 5xx was not applied: a retry is not a second create.
      { method: "PUT", path: `${base}/chaos-b`, status: 503, at: T0 + 3 },
      { method: "PUT", path: `${base}/chaos-b`, status: 201, at: T0 + 4 },
      // A StatefulSet-like re-creation: delete, then the new pod's create.
      { method: "PUT", path: `${base}/chaos-job`, status: 201, at: T0 + 5 },
      { method: "DELETE", path: `${base}/chaos-job`, status: 202, at: T0 + 6 },
      { method: "PUT", path: `${base}/chaos-job`, status: 201, at: T0 + 7 },
    ],
    foreign: [{ name: "chaos-collide", tagsBefore: {}, tagsAfter: {} }],
    secretLeaks: 0,
    // Every 5 s, but nothing during the API-server outage (10 s-70 s): that time is not counted.
    leaseRenewals: [0, 5_000, 10_000, 70_000, 75_000, 80_000].map((t) => T0 + t),
    outages: [outage],
    outageRecovery: [
      {
        endMs: T0 + 70_000,
        deadlineMs: T0 + 110_000,
        liveAtEnd: ["u1", "u2", "u3"],
        liveAtDeadline: ["u1", "u2", "u3"],
        // u1 ran before the outage; u2's group was still pending; u3's job had ended during the outage.
        groupAtEnd: { u1: "running", u2: "pending", u3: "final" },
      },
    ],
    firstSettledAt: { u1: T0 + 5_000, u2: T0 + 90_000, u3: T0 + 6_000 },
    firstFinalAt: { u3: T0 + 95_000 },
    convergedWithinS: 10,
    limits: { convergenceS: 40, leaseRenewGapS: 20, putsPerPodLifecycle: 1 },
  });

  it("a clean outcome passes every check", () => {
    const { checks } = computeChecks(clean());
    expect(checks).toMatchObject({
      lost: 0,
      orphans: 0,
      duplicates: 0,
      wronglyFailed: 0,
      foreignTouched: 0,
      secretLeaks: 0,
      stuckTerminating: 0,
      maxPutsPerPodLifecycle: 1,
      maxLeaseRenewGapS: 5,
      podsWithoutStatusChainAfterOutage: 0,
      convergedWithinS: 10,
    });
    expect(failedChecks(checks)).toEqual([]);
  });

  const planted: Array<[string, (o: RecordedOutcome) => void, string]> = [
    ["a pod with no group", (o) => o.groups.splice(0, 1), "lost=1"],
    ["a pod stuck Pending", (o) => (o.pods[0]!.phase = "Pending"), "lost=1"],
    [
      "a group nobody owns any more",
      (o) => o.groups.push({ name: "chaos-old", tags: tags("u9"), provisioningState: "Succeeded" }),
      "orphans=1",
    ],
    [
      "an orphan still Deleting at the end",
      (o) => o.groups.push({ name: "chaos-old", tags: tags("u9"), provisioningState: "Deleting" }),
      "orphans=1",
    ],
    [
      "two groups for one pod, seen mid-run",
      (o) => o.duplicatesSeen.push("u1: chaos-a, chaos-a2"),
      "duplicates=1",
    ],
    [
      "two groups for one pod at the end",
      (o) => o.groups.push({ name: "chaos-a2", tags: tags("u1"), provisioningState: "Succeeded" }),
      "duplicates=1",
    ],
    ["a valid pod marked Failed", (o) => (o.failedPods["chaos/a"] = "phase Failed"), "wronglyFailed=1"],
    [
      "a write on a foreign group",
      (o) => o.armCalls.push({ method: "DELETE", path: `${base}/chaos-collide`, status: 202, at: T0 + 9 }),
      "foreignTouched=1",
    ],
    ["a foreign group gone", (o) => (o.foreign[0]!.tagsAfter = null), "foreignTouched=1"],
    [
      "a foreign group retagged",
      (o) => (o.foreign[0]!.tagsAfter = { [TAG_CLUSTER]: "local" }),
      "foreignTouched=1",
    ],
    ["a leaked secret", (o) => (o.secretLeaks = 1), "secretLeaks=1"],
    ["a pod never finalized", (o) => (o.pods[1]!.terminating = true), "stuckTerminating=1"],
    [
      "a second applied create of the same group",
      (o) => o.armCalls.push({ method: "PUT", path: `${base}/chaos-a`, status: 0, at: T0 + 8 }),
      "maxPutsPerPodLifecycle=2>1",
    ],
    [
      "a heartbeat that stalled outside the outage",
      (o) =>
        (o.leaseRenewals = o.leaseRenewals
          .filter((t) => t !== T0 + 75_000 && t !== T0 + 80_000)
          .concat(T0 + 95_000)),
      "maxLeaseRenewGapS=25>=20",
    ],
    ["no heartbeat at all", (o) => (o.leaseRenewals = []), "maxLeaseRenewGapS=never renewed"],
    [
      "a pod that never got its status back after the outage",
      (o) => delete o.firstSettledAt.u2,
      "podsWithoutStatusChainAfterOutage=1",
    ],
    [
      "a pod whose status came back too late",
      (o) => (o.firstSettledAt.u2 = T0 + 120_000),
      "podsWithoutStatusChainAfterOutage=1",
    ],
    [
      "a pod whose group ended during the outage, still shown running at the deadline",
      (o) => delete o.firstFinalAt.u3,
      "podsWithoutStatusChainAfterOutage=1",
    ],
    [
      "a pod whose group ended during the outage, shown final too late",
      (o) => (o.firstFinalAt.u3 = T0 + 115_000),
      "podsWithoutStatusChainAfterOutage=1",
    ],
    ["no convergence", (o) => (o.convergedWithinS = null), "convergedWithinS=never"],
    ["late convergence", (o) => (o.convergedWithinS = 55), "convergedWithinS=55>40"],
  ];
  it.each(planted)("%s", (_label, plant, expected) => {
    const outcome = clean();
    plant(outcome);
    expect(failedChecks(computeChecks(outcome).checks)).toEqual([expected]);
  });

  it("after an outage: a pod the workload deleted before the deadline is not judged; one pending then is, even if deleted later", () => {
    // u2 is deleted (terminating or gone) before the deadline, never having run: nothing left to restore.
    const o = clean();
    delete o.firstSettledAt.u2;
    o.outageRecovery[0]!.liveAtDeadline = ["u1"];
    expect(failedChecks(computeChecks(o).checks)).toEqual([]);
    // u2 still pending at the deadline and deleted only afterwards: its status was not restored in time.
    const late = clean();
    delete late.firstSettledAt.u2;
    late.pods = late.pods.filter((p) => p.uid !== "u2");
    late.groups = late.groups.filter((g) => g.tags[TAG_UID] !== "u2");
    expect(failedChecks(computeChecks(late).checks)).toEqual(["podsWithoutStatusChainAfterOutage=1"]);
  });

  it("after an outage: a pod that had no group then is a create still to come, judged by lost at the end, not here", () => {
    const o = clean();
    o.outageRecovery[0]!.groupAtEnd.u2 = "none";
    delete o.firstSettledAt.u2;
    expect(failedChecks(computeChecks(o).checks)).toEqual([]);
    // The same pod with a group then is judged.
    o.outageRecovery[0]!.groupAtEnd.u2 = "pending";
    expect(failedChecks(computeChecks(o).checks)).toEqual(["podsWithoutStatusChainAfterOutage=1"]);
  });

  it("a pod whose name a foreign group holds is neither lost nor wrongly failed, but must be finalized", () => {
    const o = clean();
    o.failedPods["chaos/collide"] = "phase Failed reason=NameTaken";
    expect(failedChecks(computeChecks(o).checks)).toEqual([]);
    o.pods[3]!.terminating = true;
    expect(failedChecks(computeChecks(o).checks)).toEqual(["stuckTerminating=1"]);
  });

  it("counts PUTs per group between deletes, not across them", () => {
    const calls = [
      { method: "PUT", path: `${base}/g`, status: 201, at: 1 },
      { method: "DELETE", path: `${base}/g`, status: 0, at: 2 },
      { method: "PUT", path: `${base}/g`, status: 201, at: 3 },
      { method: "PUT", path: `${base}/g`, status: 200, at: 4 },
      { method: "PUT", path: `${base}/f`, status: 201, at: 5 },
      { method: "PUT", path: `${base}/f`, status: 201, at: 6 },
    ];
    expect(Object.fromEntries(putsPerLifecycle(calls, ["f"]))).toEqual({ g: 2 });
    expect(longestLeaseGapS([0, 4_000, 30_000], [{ kind: "kubeApi", startMs: 5_000, endMs: 25_000 }])).toBe(
      6,
    );
    expect(longestLeaseGapS([0, 4_000, 30_000], [{ kind: "arm", startMs: 5_000, endMs: 25_000 }])).toBe(26);
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

  it("finds service-account tokens and kubeconfig credentials by marker, raw or base64, without echoing them", () => {
    const s = scanner();
    const header = `${Buffer.from(JSON.stringify({ alg: "RS256", kid: "kube-fake" })).toString("base64url")}.`;
    s.addMarker("service-account token", header);
    s.addMarker("kubeconfig token", "kube-fake-token-");
    const token = `${header}eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6Y2hhb3M6ZGVmYXVsdCJ9.c2ln`;
    expect(s.scan("host-log", "raw", `kube.request {"authorization":"Bearer ${token}"}`)).toBe(1);
    expect(s.scan("queue", "b64", Buffer.from(`token=${token}`).toString("base64"))).toBe(1);
    expect(s.scan("error", "kc", "Error: 401 for kube-fake-token-system:node:vk")).toBe(1);
    expect(s.scan("host-log", "clean", 'pod.created {"pod":"chaos/a"}')).toBe(0);
    expect(s.leaks.map((l) => l.where)).toEqual([
      "raw (service-account token)",
      "b64 (service-account token)",
      "kc (kubeconfig token)",
    ]);
    for (const leak of s.leaks) expect(leak.excerpt).not.toContain("eyJzdWIi");
    expect(() => s.addMarker("short", "abc")).toThrow(/distinctive/);
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
