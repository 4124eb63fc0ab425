/**
 * When is a scenario "done", and did it go as expected? Pure functions over the pods the scenario created:
 * each pod is classified (Running, Succeeded, Failed, stuck in a back-off, unschedulable, still on its way),
 * and `evaluateOutcome` turns the classifications and the user's expectations (`--expect-failed`,
 * `--expect-pending`) into the run's result and its one-line reason.
 */
import type { V1Pod } from "@kubernetes/client-node";

export type PodOutcome =
  | { kind: "running" }
  | { kind: "succeeded" }
  | { kind: "failed"; reason: string }
  /** Waiting in a back-off that will not end by itself (CrashLoopBackOff, ImagePullBackOff, …). */
  | { kind: "backoff"; reason: string }
  | { kind: "unschedulable"; reason: string }
  | { kind: "progress"; status: string };

const STUCK_WAITING_REASONS = new Set([
  "CrashLoopBackOff",
  "ImagePullBackOff",
  "ErrImagePull",
  "InvalidImageName",
  "CreateContainerConfigError",
  "CreateContainerError",
]);

export function classifyPod(pod: V1Pod): PodOutcome {
  const status = pod.status ?? {};
  if (pod.metadata?.deletionTimestamp) return { kind: "progress", status: "Terminating" };
  if (status.phase === "Failed") {
    const why = [status.reason, status.message].filter(Boolean).join(": ");
    return { kind: "failed", reason: why || "Failed" };
  }
  if (status.phase === "Succeeded") return { kind: "succeeded" };
  for (const c of [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])]) {
    const waiting = c.state?.waiting;
    if (waiting?.reason && STUCK_WAITING_REASONS.has(waiting.reason)) {
      return { kind: "backoff", reason: [waiting.reason, waiting.message].filter(Boolean).join(": ") };
    }
  }
  const ready = status.conditions?.find((c) => c.type === "Ready");
  if (status.phase === "Running" && ready?.status === "True") return { kind: "running" };
  const scheduled = status.conditions?.find((c) => c.type === "PodScheduled");
  if (!pod.spec?.nodeName && scheduled?.status === "False" && scheduled.reason === "Unschedulable") {
    return { kind: "unschedulable", reason: scheduled.message ?? "Unschedulable" };
  }
  return { kind: "progress", status: status.phase ?? "Pending" };
}

export function isSettled(outcome: PodOutcome): boolean {
  return outcome.kind !== "progress";
}

export interface Expectations {
  /** Pod or workload names (a workload name matches its pods, `<name>-…`) expected to end Failed. */
  failed: readonly string[];
  /** Pod or workload names expected to stay Pending (unschedulable). */
  pending: readonly string[];
}

/** A pod matches `name` when it is that pod, or a pod of that workload (`<name>-<suffix>`). */
export function matchesName(podName: string, name: string): boolean {
  return podName === name || podName.startsWith(`${name}-`);
}

export interface ScenarioResult {
  ok: boolean;
  /** One line: what happened, or why it did not go as expected. */
  summary: string;
  /** What to do about it, when the user may have meant it (` (pass --expect-failed …)`), else "". */
  hint: string;
}

/** `pods`: namespace/name → outcome (settled or not). */
export function evaluateOutcome(pods: ReadonlyMap<string, PodOutcome>, expect: Expectations): ScenarioResult {
  const problems: string[] = [];
  const nameOf = (key: string) => key.slice(key.indexOf("/") + 1);
  for (const name of [...expect.failed, ...expect.pending]) {
    if (![...pods.keys()].some((key) => matchesName(nameOf(key), name))) {
      problems.push(`--expect-${expect.failed.includes(name) ? "failed" : "pending"} ${name} matches no pod`);
    }
  }
  let running = 0;
  let succeeded = 0;
  let failedAsExpected = 0;
  let pendingAsExpected = 0;
  for (const [key, outcome] of pods) {
    const name = nameOf(key);
    const wantFailed = expect.failed.some((n) => matchesName(name, n));
    const wantPending = expect.pending.some((n) => matchesName(name, n));
    switch (outcome.kind) {
      case "running":
      case "succeeded":
        if (outcome.kind === "running") running++;
        else succeeded++;
        if (wantFailed)
          problems.push(
            `pod ${key} was expected to fail but is ${outcome.kind === "running" ? "Running" : "Succeeded"}`,
          );
        if (wantPending) problems.push(`pod ${key} was expected to stay Pending but was scheduled`);
        break;
      case "failed":
      case "backoff":
        if (wantFailed) failedAsExpected++;
        else
          problems.push(`pod ${key} ${outcome.kind === "failed" ? "Failed" : "is stuck"}: ${outcome.reason}`);
        break;
      case "unschedulable":
        if (wantPending) pendingAsExpected++;
        else problems.push(`pod ${key} stays Pending: ${outcome.reason}`);
        break;
      case "progress":
        problems.push(`pod ${key} is still ${outcome.status}`);
        break;
    }
  }
  if (problems.length) {
    const hint = problems.some(
      (p) => p.includes(" Failed: ") || p.includes(" stays Pending: ") || p.includes(" is stuck: "),
    )
      ? " (if that is what the scenario shows, pass --expect-failed/--expect-pending with the pod or workload name)"
      : "";
    return { ok: false, summary: problems.join("; "), hint };
  }
  const parts = [`${running} pod(s) Running`];
  if (succeeded) parts.push(`${succeeded} Succeeded`);
  if (failedAsExpected) parts.push(`${failedAsExpected} Failed as expected`);
  if (pendingAsExpected) parts.push(`${pendingAsExpected} Pending as expected`);
  return { ok: true, summary: parts.join(", "), hint: "" };
}
