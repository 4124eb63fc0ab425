/** When a scenario is settled, and the exit code's decision (expected failures and pending pods). */
import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import {
  classifyPod,
  evaluateOutcome,
  matchesName,
  type PodOutcome,
} from "../../../testground/local/scenarioOutcome.js";

const pod = (status: V1Pod["status"], extra: Partial<V1Pod> = {}): V1Pod => ({
  metadata: { name: "p" },
  spec: { containers: [{ name: "c" }], nodeName: "vk" },
  status,
  ...extra,
});

describe("classifyPod", () => {
  it("Running and Ready; Succeeded; Failed with reason and message", () => {
    expect(classifyPod(pod({ phase: "Running", conditions: [{ type: "Ready", status: "True" }] }))).toEqual({
      kind: "running",
    });
    expect(classifyPod(pod({ phase: "Running", conditions: [{ type: "Ready", status: "False" }] }))).toEqual({
      kind: "progress",
      status: "Running",
    });
    expect(classifyPod(pod({ phase: "Succeeded" }))).toEqual({ kind: "succeeded" });
    expect(
      classifyPod(
        pod({
          phase: "Failed",
          reason: "UnsupportedPodSpec",
          message: "spec.volumes[0].hostPath: ACI has no host filesystem",
        }),
      ),
    ).toEqual({
      kind: "failed",
      reason: "UnsupportedPodSpec: spec.volumes[0].hostPath: ACI has no host filesystem",
    });
  });
  it("a back-off that does not end by itself; an unschedulable pod; a terminating one", () => {
    const waiting = {
      name: "c",
      image: "x",
      imageID: "",
      ready: false,
      restartCount: 2,
      state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 20s" } },
    };
    expect(classifyPod(pod({ phase: "Running", containerStatuses: [waiting] }))).toEqual({
      kind: "backoff",
      reason: "CrashLoopBackOff: back-off 20s",
    });
    const unscheduled = pod(
      {
        phase: "Pending",
        conditions: [
          { type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/1 nodes…" },
        ],
      },
      { spec: { containers: [] } },
    );
    expect(classifyPod(unscheduled)).toEqual({ kind: "unschedulable", reason: "0/1 nodes…" });
    expect(
      classifyPod(pod({ phase: "Running" }, { metadata: { name: "p", deletionTimestamp: new Date() } })),
    ).toEqual({ kind: "progress", status: "Terminating" });
  });
});

describe("evaluateOutcome", () => {
  const map = (entries: Array<[string, PodOutcome]>) => new Map(entries);
  it("all Running → ok", () => {
    expect(
      evaluateOutcome(
        map([
          ["default/a-1", { kind: "running" }],
          ["default/a-2", { kind: "running" }],
        ]),
        { failed: [], pending: [] },
      ),
    ).toEqual({
      ok: true,
      summary: "2 pod(s) Running",
      hint: "",
    });
  });
  it("an unexpected failure → not ok, naming the pod and the reason, with the hint", () => {
    const r = evaluateOutcome(
      map([
        ["default/a", { kind: "running" }],
        ["default/bad", { kind: "failed", reason: "UnsupportedPodSpec: x" }],
      ]),
      { failed: [], pending: [] },
    );
    expect(r.ok).toBe(false);
    expect(r.summary).toBe("pod default/bad Failed: UnsupportedPodSpec: x");
    expect(r.hint).toContain("--expect-failed");
  });
  it("expected failures and pending pods, by pod or workload name", () => {
    const outcomes = map([
      ["default/web-abc-xyz12", { kind: "running" }],
      ["default/bad", { kind: "failed", reason: "r" }],
      ["default/job-x1-abcde", { kind: "backoff", reason: "CrashLoopBackOff" }],
      ["default/lonely", { kind: "unschedulable", reason: "0/1" }],
    ]);
    expect(evaluateOutcome(outcomes, { failed: ["bad", "job-x1"], pending: ["lonely"] })).toEqual({
      ok: true,
      summary: "1 pod(s) Running, 2 Failed as expected, 1 Pending as expected",
      hint: "",
    });
  });
  it("expectations that do not hold, or match nothing, fail", () => {
    const r = evaluateOutcome(map([["default/a", { kind: "running" }]]), {
      failed: ["a"],
      pending: ["ghost"],
    });
    expect(r.ok).toBe(false);
    expect(r.summary).toContain("--expect-pending ghost matches no pod");
    expect(r.summary).toContain("pod default/a was expected to fail but is Running");
  });
  it("a pod still on its way", () => {
    expect(
      evaluateOutcome(map([["default/a", { kind: "progress", status: "Pending" }]]), {
        failed: [],
        pending: [],
      }).summary,
    ).toBe("pod default/a is still Pending");
  });
  it("matchesName: the pod itself or a pod of that workload", () => {
    expect(matchesName("web-abc-xyz12", "web")).toBe(true);
    expect(matchesName("web", "web")).toBe(true);
    expect(matchesName("webby", "web")).toBe(false);
  });
});
