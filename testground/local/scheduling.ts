/**
 * The scheduler stand-in's predicates (the API fake has no kube-scheduler): which nodes a pod may be bound to,
 * and, when none, the message kube-scheduler would put in the pod's `PodScheduled=False` condition and its
 * `FailedScheduling` Event. Pure functions, checked against the upstream filter plugins:
 * NodeUnschedulable → TaintToleration → NodeAffinity (nodeSelector + required node affinity), first failure
 * per node, reasons counted over nodes ("0/1 nodes are available: 1 node(s) had untolerated taint {k: v}.").
 */
import type {
  V1Node,
  V1NodeSelectorRequirement,
  V1NodeSelectorTerm,
  V1Pod,
  V1Taint,
  V1Toleration,
} from "@kubernetes/client-node";

/** Like `v1helper.TolerationsTolerateTaint`'s per-toleration check (k8s.io/api core/v1 toleration.go). */
export function toleratesTaint(toleration: V1Toleration, taint: V1Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  const operator = toleration.operator ?? "Equal";
  if (operator === "Exists") return true; // an empty key with Exists tolerates every taint
  if (operator === "Equal") return (toleration.value ?? "") === (taint.value ?? "");
  return false;
}

/** The first NoSchedule/NoExecute taint no toleration tolerates (PreferNoSchedule never blocks scheduling). */
export function untoleratedTaint(
  taints: readonly V1Taint[] | undefined,
  tolerations: readonly V1Toleration[] | undefined,
): V1Taint | undefined {
  return (taints ?? []).find(
    (taint) =>
      (taint.effect === "NoSchedule" || taint.effect === "NoExecute") &&
      !(tolerations ?? []).some((t) => toleratesTaint(t, taint)),
  );
}

/** `{azure.com/aci: }`: how the scheduler prints a taint in its messages. */
export function formatTaint(taint: V1Taint): string {
  return `{${taint.key}: ${taint.value ?? ""}}`;
}

function matchRequirement(req: V1NodeSelectorRequirement, value: string | undefined): boolean {
  const values = req.values ?? [];
  switch (req.operator) {
    case "In":
      return value !== undefined && values.includes(value);
    case "NotIn":
      return value === undefined || !values.includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
    case "Gt":
    case "Lt": {
      if (value === undefined || values.length !== 1) return false;
      const have = Number.parseInt(value, 10);
      const want = Number.parseInt(values[0] ?? "", 10);
      if (Number.isNaN(have) || Number.isNaN(want)) return false;
      return req.operator === "Gt" ? have > want : have < want;
    }
    default:
      return false;
  }
}

/** A term matches when all its expressions and fields match; an empty term matches nothing (upstream). */
export function matchesNodeSelectorTerm(term: V1NodeSelectorTerm, node: V1Node): boolean {
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (expressions.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  return (
    expressions.every((r) => matchRequirement(r, labels[r.key])) &&
    fields.every((r) => r.key === "metadata.name" && matchRequirement(r, node.metadata?.name))
  );
}

/** nodeSelector (every label equal) AND required node affinity (any term) — the NodeAffinity filter. */
export function matchesNodeAffinity(pod: V1Pod, node: V1Node): boolean {
  const labels = node.metadata?.labels ?? {};
  const selector = pod.spec?.nodeSelector ?? {};
  if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) return false;
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  return required.nodeSelectorTerms.some((term) => matchesNodeSelectorTerm(term, node));
}

export type NodeFit = { fits: true } | { fits: false; reason: string };

/** Runs the filters in kube-scheduler's order and returns the first failure's reason, as it does per node. */
export function fitsNode(pod: V1Pod, node: V1Node): NodeFit {
  if (node.spec?.unschedulable) {
    const tolerated = (pod.spec?.tolerations ?? []).some((t) =>
      toleratesTaint(t, { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" }),
    );
    if (!tolerated) return { fits: false, reason: "node(s) were unschedulable" };
  }
  const taint = untoleratedTaint(node.spec?.taints, pod.spec?.tolerations);
  if (taint) return { fits: false, reason: `node(s) had untolerated taint ${formatTaint(taint)}` };
  if (!matchesNodeAffinity(pod, node)) {
    return { fits: false, reason: "node(s) didn't match Pod's node affinity/selector" };
  }
  return { fits: true };
}

export type ScheduleResult = { node: string } | { node?: undefined; message: string };

/**
 * Picks a node for `pod` (the first that fits, by name), or the scheduler's FailedScheduling message:
 * `0/1 nodes are available: 1 node(s) had untolerated taint {azure.com/aci: }. preemption: 0/1 nodes are
 * available: 1 Preemption is not helpful for scheduling.`
 */
export function schedulePod(pod: V1Pod, nodes: readonly V1Node[]): ScheduleResult {
  const counts = new Map<string, number>();
  const sorted = [...nodes].sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
  for (const node of sorted) {
    const fit = fitsNode(pod, node);
    if (fit.fits) return { node: node.metadata?.name ?? "" };
    counts.set(fit.reason, (counts.get(fit.reason) ?? 0) + 1);
  }
  const total = nodes.length;
  if (total === 0) return { message: "no nodes available to schedule pods" };
  const reasons = [...counts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([reason, n]) => `${n} ${reason}`)
    .join(", ");
  return {
    message:
      `0/${total} nodes are available: ${reasons}. ` +
      `preemption: 0/${total} nodes are available: ${total} Preemption is not helpful for scheduling.`,
  };
}
