/**
 * What the watcher remembers about a pod, and which changes deserve a message. Pure functions.
 *
 * A message is sent for an add, a delete, and an update that changes what the Functions act on: the uid
 * (same name, new pod), `deletionTimestamp`, the spec, labels or annotations (env `fieldRef`s and the
 * public-IP/DNS annotations read them). Status-only updates — which the Functions themselves make — and
 * bookkeeping (resourceVersion, managedFields) never produce one, or the bridge would feed itself.
 */
import { createHash } from "node:crypto";
import type { V1Pod } from "@kubernetes/client-node";
import { podKey } from "../queue/message.js";

/** The cache keeps this, not the whole pod: 5,000 pods cost a few hundred KB instead of tens of MB. */
export interface PodRecord {
  ns: string;
  name: string;
  uid: string;
  /** `deletionTimestamp` is set: the pod is terminating. */
  deleting: boolean;
  /** sha1 of the parts of the pod that matter (see module comment). */
  fingerprint: string;
}

export function podRecord(pod: V1Pod): PodRecord {
  const md = pod.metadata ?? {};
  return {
    ns: md.namespace ?? "",
    name: md.name ?? "",
    uid: md.uid ?? "",
    deleting: md.deletionTimestamp !== undefined && md.deletionTimestamp !== null,
    fingerprint: fingerprint(pod),
  };
}

export function recordKey(r: { ns: string; name: string }): string {
  return podKey(r.ns, r.name);
}

/** True when the change from `before` to `after` should reach the Functions. */
export function changeMatters(before: PodRecord, after: PodRecord): boolean {
  return before.uid !== after.uid || before.fingerprint !== after.fingerprint;
}

export function fingerprint(pod: V1Pod): string {
  const md = pod.metadata ?? {};
  const relevant = {
    deletionTimestamp: md.deletionTimestamp,
    labels: md.labels,
    annotations: md.annotations,
    spec: pod.spec,
  };
  return createHash("sha1").update(canonicalJson(relevant)).digest("base64");
}

/**
 * JSON with sorted keys, null/undefined/empty members dropped and Dates as ISO strings, so a pod read from
 * a list and the same pod from a watch event give the same text whatever their key order or empty defaults.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (value instanceof Date)
    return JSON.stringify(Number.isNaN(value.getTime()) ? null : value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object") {
    const members = Object.entries(value as Record<string, unknown>)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => [k, canonicalJson(v)] as const)
      .filter(([, text]) => text !== "null" && text !== "{}" && text !== "[]");
    return `{${members.map(([k, text]) => `${JSON.stringify(k)}:${text}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
