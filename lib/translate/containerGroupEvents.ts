/**
 * ACI events (group and per container) → Kubernetes Events for the pod. Each carries a stable `key`
 * (container, ACI event name, first timestamp) and ACI's count, so the caller emits a new Event once and
 * bumps its count afterwards instead of flooding the pod. Pure.
 */
import type { ContainerGroup, Event as AciEvent } from "@azure/arm-containerinstance";
import type { V1Pod } from "@kubernetes/client-node";
import { toTime } from "./podStatusTime.js";
import type { KubeEventSpec } from "./types.js";

function toSpec(e: AciEvent, scope: string, fieldPath: string | undefined): KubeEventSpec {
  const first = toTime(e.firstTimestamp)?.toISOString();
  const last = toTime(e.lastTimestamp)?.toISOString() ?? first;
  const reason = e.name || "Unknown";
  return {
    type: e.type === "Warning" ? "Warning" : "Normal",
    reason,
    message: e.message ?? reason,
    key: `aci/${scope}/${reason}/${first ?? "-"}`,
    count: Math.max(1, e.count ?? 1),
    ...(first ? { firstTimestamp: first } : {}),
    ...(last ? { lastTimestamp: last } : {}),
    ...(fieldPath ? { fieldPath } : {}),
  };
}

export function containerGroupEvents(cg: ContainerGroup, pod: V1Pod): KubeEventSpec[] {
  const specs: KubeEventSpec[] = [];
  for (const e of cg.instanceView?.events ?? []) specs.push(toSpec(e, "group", undefined));
  const inPod = (names: { name: string }[] | undefined, name: string) =>
    (names ?? []).some((c) => c.name === name);
  for (const c of cg.initContainers ?? []) {
    const fieldPath = inPod(pod.spec?.initContainers, c.name) ? `spec.initContainers{${c.name}}` : undefined;
    for (const e of c.instanceView?.events ?? []) specs.push(toSpec(e, `init/${c.name}`, fieldPath));
  }
  for (const c of cg.containers ?? []) {
    const fieldPath = inPod(pod.spec?.containers, c.name) ? `spec.containers{${c.name}}` : undefined;
    for (const e of c.instanceView?.events ?? []) specs.push(toSpec(e, `container/${c.name}`, fieldPath));
  }
  const byKey = new Map<string, KubeEventSpec>();
  for (const s of specs) {
    const seen = byKey.get(s.key);
    if (!seen || s.count > seen.count) byKey.set(s.key, s);
  }
  return [...byKey.values()].sort((a, b) => (a.firstTimestamp ?? "").localeCompare(b.firstTimestamp ?? ""));
}
