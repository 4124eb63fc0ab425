/**
 * The chaos run's verdicts, computed from plain snapshots of the world (pods from the Kubernetes API fake,
 * groups from the ACI simulator, the ARM call log) so they are easy to test: no I/O here.
 */
import { TAG_CLUSTER, TAG_NODE, TAG_UID } from "../lib/translate/names.js";

export interface PodSnapshot {
  ns: string;
  name: string;
  uid: string;
  phase: string | undefined;
  terminating: boolean;
}

export interface GroupSnapshot {
  name: string;
  tags: Record<string, string>;
  provisioningState: string | undefined;
}

export interface Ownership {
  clusterName: string;
  nodeName: string;
}

/** What is still wrong in one snapshot (empty lists = converged). */
export interface Assessment {
  /** Live, non-terminating pods with no group of their uid, or no running/finished status yet. */
  lost: string[];
  /** Tagged groups (this cluster and node) whose uid is no live pod's, not already being deleted. */
  orphans: string[];
  /** Groups on their way out (Deleting): the bridge did its part, ARM finishes it. */
  orphansDeleting: string[];
  /** Pod uids with more than one tagged group. */
  duplicates: string[];
  /** Pods with a deletionTimestamp the bridge has not finalized yet. */
  terminating: string[];
  pods: number;
  groups: number;
}

/** Phases that show the bridge gave the pod a status from its group. */
const SETTLED_PHASES = new Set(["Running", "Succeeded"]);

export function isOwned(tags: Record<string, string>, own: Ownership): boolean {
  return tags[TAG_CLUSTER] === own.clusterName && tags[TAG_NODE] === own.nodeName;
}

export function assess(pods: PodSnapshot[], groups: GroupSnapshot[], own: Ownership): Assessment {
  const owned = groups.filter((g) => isOwned(g.tags, own));
  const byUid = new Map<string, GroupSnapshot[]>();
  for (const g of owned) {
    const uid = g.tags[TAG_UID] ?? "";
    const list = byUid.get(uid) ?? [];
    list.push(g);
    byUid.set(uid, list);
  }
  const liveUids = new Set(pods.map((p) => p.uid));
  const out: Assessment = {
    lost: [],
    orphans: [],
    orphansDeleting: [],
    duplicates: [],
    terminating: [],
    pods: pods.length,
    groups: owned.length,
  };
  for (const pod of pods) {
    const key = `${pod.ns}/${pod.name}`;
    if (pod.terminating) {
      out.terminating.push(key);
      continue;
    }
    const mine = byUid.get(pod.uid) ?? [];
    if (mine.length === 0 || !SETTLED_PHASES.has(pod.phase ?? "")) {
      out.lost.push(`${key} (${mine.length === 0 ? "no container group" : `phase ${pod.phase ?? "none"}`})`);
    }
  }
  for (const [uid, list] of byUid) {
    if (list.length > 1) out.duplicates.push(`${uid}: ${list.map((g) => g.name).join(", ")}`);
    if (liveUids.has(uid)) continue;
    for (const g of list) {
      if (g.provisioningState === "Deleting") out.orphansDeleting.push(g.name);
      else out.orphans.push(g.name);
    }
  }
  return out;
}

export function isConverged(a: Assessment): boolean {
  return (
    a.lost.length === 0 && a.orphans.length === 0 && a.duplicates.length === 0 && a.terminating.length === 0
  );
}

export interface ArmCallSnapshot {
  method: string;
  path: string;
  status: number;
}

/** Writes (PUT/PATCH/POST/DELETE) whose target is one of the foreign groups, by name (ARM names are case-insensitive). */
export function foreignWrites(calls: ArmCallSnapshot[], foreignNames: readonly string[]): ArmCallSnapshot[] {
  const foreign = new Set(foreignNames.map((n) => n.toLowerCase()));
  return calls.filter((c) => {
    if (c.method === "GET" || c.method === "HEAD") return false;
    const m = /\/containerGroups\/([^/]+)/i.exec(c.path);
    return m?.[1] !== undefined && foreign.has(decodeURIComponent(m[1]).toLowerCase());
  });
}

export interface ChaosChecks {
  lost: number;
  orphans: number;
  duplicates: number;
  wronglyFailed: number;
  foreignTouched: number;
  secretLeaks: number;
  stuckTerminating: number;
  /** Seconds from the end of the faults until the first converged snapshot; null when it never converged. */
  convergedWithinS: number | null;
  /** The bound: two repair periods. */
  convergenceLimitS: number;
}

/** The names of the failed checks (empty = pass). */
export function failedChecks(c: ChaosChecks): string[] {
  const failed: string[] = [];
  for (const name of [
    "lost",
    "orphans",
    "duplicates",
    "wronglyFailed",
    "foreignTouched",
    "secretLeaks",
    "stuckTerminating",
  ] as const) {
    if (c[name] !== 0) failed.push(`${name}=${c[name]}`);
  }
  if (c.convergedWithinS === null) failed.push("convergedWithinS=never");
  else if (c.convergedWithinS > c.convergenceLimitS) {
    failed.push(`convergedWithinS=${c.convergedWithinS}>${c.convergenceLimitS}`);
  }
  return failed;
}
