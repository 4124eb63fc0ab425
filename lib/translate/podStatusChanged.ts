/**
 * Whether a computed pod status differs from the stored one in a way worth a status patch: dates compared
 * at second precision, lastProbeTime and list order ignored, fields only the API server sets not counted.
 */
import type { V1PodStatus } from "@kubernetes/client-node";
import { toTime } from "./podStatusTime.js";

/** JSON-comparable form: dates as second-precision ISO strings, no lastProbeTime, lists sorted by key. */
function normalize(value: unknown, key?: string): unknown {
  if (value instanceof Date) return toTime(value)?.toISOString();
  if (typeof value === "string" && /Time$|At$/.test(key ?? "")) return toTime(value)?.toISOString() ?? value;
  if (Array.isArray(value)) {
    const items = value.map((v) => normalize(v));
    if (key === "conditions")
      return items.sort((a, b) =>
        String((a as { type?: string }).type).localeCompare(String((b as { type?: string }).type)),
      );
    if (key === "containerStatuses" || key === "initContainerStatuses") {
      return items.sort((a, b) =>
        String((a as { name?: string }).name).localeCompare(String((b as { name?: string }).name)),
      );
    }
    return items;
  }
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      if (k === "lastProbeTime") continue;
      const v = normalize((value as Record<string, unknown>)[k], k);
      if (v !== undefined && v !== null) out[k] = v;
    }
    return out;
  }
  return value;
}

/** `current` restricted to the keys `next` has (fields only the API server or a real kubelet sets do not count). */
function projectOnto(current: unknown, next: unknown): unknown {
  if (Array.isArray(next)) {
    if (!Array.isArray(current) || current.length !== next.length) return current;
    return next.map((n, i) => projectOnto(current[i], n));
  }
  if (next && typeof next === "object") {
    if (!current || typeof current !== "object" || Array.isArray(current)) return current;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(next))
      out[k] = projectOnto((current as Record<string, unknown>)[k], (next as Record<string, unknown>)[k]);
    return out;
  }
  return current;
}

/** Whether `next` differs from `current` in a way worth a status patch (ignores lastProbeTime, order, ms). */
export function podStatusChanged(current: V1PodStatus | undefined, next: V1PodStatus): boolean {
  if (!current) return true;
  const a = normalize(next);
  const b = normalize(projectOnto(normalize(current), a));
  return JSON.stringify(a) !== JSON.stringify(b);
}
