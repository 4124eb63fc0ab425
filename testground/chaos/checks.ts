/**
 * The chaos run's verdicts, computed from plain snapshots of the world (pods from the Kubernetes API fake,
 * groups from the ACI simulator, the ARM call log) so they are easy to test: no I/O here.
 */
import { TAG_CLUSTER, TAG_NODE, TAG_UID } from "../../lib/translate/names.js";

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

/**
 * `exempt`: pod keys (`ns/name`) that cannot legitimately get a group (a foreign group holds their name);
 * they are never counted lost.
 */
export function assess(
  pods: PodSnapshot[],
  groups: GroupSnapshot[],
  own: Ownership,
  exempt: ReadonlySet<string> = new Set(),
): Assessment {
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
    if (exempt.has(key)) continue;
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
  /** When it arrived (ms); needed only for ordering PUTs and DELETEs. */
  at?: number;
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
  /** Most container group PUTs that ARM applied (2xx, or a lost response) for one group between deletes. */
  maxPutsPerPodLifecycle: number;
  /** Longest time between two successful Lease renewals (s), not counting API-server outage time. */
  maxLeaseRenewGapS: number | null;
  /** Pods live at an outage's end, still live two repair periods later, never Running/Succeeded by then. */
  podsWithoutStatusChainAfterOutage: number;
  /** Seconds from the end of the faults until the first converged snapshot; null when it never converged. */
  convergedWithinS: number | null;
  /** The bound: two repair periods. */
  convergenceLimitS: number;
  /** The bound on the Lease gap (exclusive): 20 s, the bridge's `node.heartbeat.late` threshold. */
  leaseRenewGapLimitS: number;
  /** One create per pod: 1. */
  putsPerPodLifecycleLimit: number;
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
    "podsWithoutStatusChainAfterOutage",
  ] as const) {
    if (c[name] !== 0) failed.push(`${name}=${c[name]}`);
  }
  if (c.maxPutsPerPodLifecycle > c.putsPerPodLifecycleLimit) {
    failed.push(`maxPutsPerPodLifecycle=${c.maxPutsPerPodLifecycle}>${c.putsPerPodLifecycleLimit}`);
  }
  if (c.maxLeaseRenewGapS === null) failed.push("maxLeaseRenewGapS=never renewed");
  else if (c.maxLeaseRenewGapS >= c.leaseRenewGapLimitS) {
    failed.push(`maxLeaseRenewGapS=${c.maxLeaseRenewGapS}>=${c.leaseRenewGapLimitS}`);
  }
  if (c.convergedWithinS === null) failed.push("convergedWithinS=never");
  else if (c.convergedWithinS > c.convergenceLimitS) {
    failed.push(`convergedWithinS=${c.convergedWithinS}>${c.convergenceLimitS}`);
  }
  return failed;
}

/** A fault window of the run (real epoch ms). */
export interface OutageWindow {
  kind: "kubeApi" | "arm" | "queue";
  startMs: number;
  endMs: number;
}

/**
 * A pod's own group when the outage ended: none (no group with its uid: its create is still to come), pending
 * (not running yet), running, or final (its containers have ended: Succeeded, Failed, Stopped).
 */
export type GroupAtOutageEnd = "none" | "pending" | "running" | "final";

/** What the run recorded, as plain data: the checks are a pure function of it (computeChecks). */
export interface RecordedOutcome {
  own: Ownership;
  /** The final snapshot. */
  pods: PodSnapshot[];
  groups: GroupSnapshot[];
  /** Pods whose group name a foreign group holds (`ns/name`): they cannot run, so never lost nor wrongly failed. */
  exemptPods: string[];
  /** Pod uids seen with more than one tagged group in any snapshot of the run. */
  duplicatesSeen: string[];
  /** Pods ever seen Failed (a snapshot or a `pod.failed` line): `ns/name` → why. */
  failedPods: Record<string, string>;
  /** The simulator's ARM call log. */
  armCalls: ArmCallSnapshot[];
  /** The foreign groups: their tags when seeded and at the end (`null`: gone). */
  foreign: Array<{
    name: string;
    tagsBefore: Record<string, string>;
    tagsAfter: Record<string, string> | null;
  }>;
  secretLeaks: number;
  /** Successful Lease writes (real epoch ms). */
  leaseRenewals: number[];
  outages: OutageWindow[];
  /**
   * For each outage end: pod uids live (not terminating) then and at the deadline (two repair periods later),
   * and what each one's own group (tagged with its uid) was doing when the outage ended.
   */
  outageRecovery: Array<{
    endMs: number;
    deadlineMs: number;
    liveAtEnd: string[];
    liveAtDeadline: string[];
    groupAtEnd: Record<string, GroupAtOutageEnd>;
  }>;
  /** uid → first snapshot (ms) in which the pod was Running, Succeeded or Failed. */
  firstSettledAt: Record<string, number>;
  /** uid → first snapshot (ms) in which the pod was Succeeded or Failed. */
  firstFinalAt: Record<string, number>;
  convergedWithinS: number | null;
  limits: { convergenceS: number; leaseRenewGapS: number; putsPerPodLifecycle: number };
}

export interface CheckDetails {
  lost: string[];
  orphans: string[];
  duplicates: string[];
  wronglyFailed: string[];
  foreignTouched: string[];
  stuckTerminating: string[];
  putsPerPodLifecycle: string[];
  withoutStatusChainAfterOutage: string[];
  /** Where the longest Lease gap was (epoch ms of the renewals around it). */
  longestLeaseGap: string[];
}

const CONTAINER_GROUP = /\/containerGroups\/([^/]+)$/i;
const applied = (status: number) => status === 0 || (status >= 200 && status < 300);

/** Per group name: the most applied PUTs between two applied DELETEs. */
export function putsPerLifecycle(calls: ArmCallSnapshot[], exclude: readonly string[]): Map<string, number> {
  const skip = new Set(exclude.map((n) => n.toLowerCase()));
  const current = new Map<string, number>();
  const most = new Map<string, number>();
  const ordered = calls
    .map((c, i) => ({ c, i }))
    .sort((a, b) => (a.c.at ?? 0) - (b.c.at ?? 0) || a.i - b.i)
    .map((x) => x.c);
  for (const c of ordered) {
    const m = CONTAINER_GROUP.exec(c.path);
    if (!m?.[1]) continue;
    const name = decodeURIComponent(m[1]).toLowerCase();
    if (skip.has(name) || !applied(c.status)) continue;
    if (c.method === "DELETE") current.set(name, 0);
    else if (c.method === "PUT") {
      const n = (current.get(name) ?? 0) + 1;
      current.set(name, n);
      most.set(name, Math.max(most.get(name) ?? 0, n));
    }
  }
  return most;
}

/** `PUT 201, GET 200, DELETE 0, …` for one group: what a failed check needs to be diagnosed. */
function writeHistory(calls: ArmCallSnapshot[], name: string): string {
  return calls
    .filter((c) => decodeURIComponent(CONTAINER_GROUP.exec(c.path)?.[1] ?? "").toLowerCase() === name)
    .sort((a, b) => (a.at ?? 0) - (b.at ?? 0))
    .map((c) => `${c.method} ${c.status}`)
    .join(", ");
}

/** Longest gap between successive renewals, minus the API-server outage time inside it (s, 0.1 s). */
export function longestLeaseGapS(renewals: number[], outages: OutageWindow[]): number | null {
  return longestLeaseGap(renewals, outages)?.seconds ?? null;
}

export function longestLeaseGap(
  renewals: number[],
  outages: OutageWindow[],
): { seconds: number; from: number; to: number } | undefined {
  if (renewals.length === 0) return undefined;
  const sorted = [...renewals].sort((a, b) => a - b);
  const api = outages.filter((o) => o.kind === "kubeApi");
  let longest = { gap: 0, from: sorted[0]!, to: sorted[0]! };
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    let gap = b - a;
    for (const o of api) gap -= Math.max(0, Math.min(b, o.endMs) - Math.max(a, o.startMs));
    if (gap > longest.gap) longest = { gap, from: a, to: b };
  }
  return { seconds: Math.round(longest.gap / 100) / 10, from: longest.from, to: longest.to };
}

export function computeChecks(o: RecordedOutcome): { checks: ChaosChecks; details: CheckDetails } {
  const exempt = new Set(o.exemptPods);
  const final = assess(o.pods, o.groups, o.own, exempt);
  const foreignNames = o.foreign.map((f) => f.name);
  const touched = foreignWrites(o.armCalls, foreignNames).map((c) => `${c.method} ${c.path} → ${c.status}`);
  for (const f of o.foreign) {
    if (f.tagsAfter === null) touched.push(`${f.name}: gone`);
    else if (JSON.stringify(sortKeys(f.tagsAfter)) !== JSON.stringify(sortKeys(f.tagsBefore))) {
      touched.push(`${f.name}: tags changed`);
    }
  }
  const wronglyFailed = Object.entries(o.failedPods)
    .filter(([pod]) => !exempt.has(pod))
    .map(([pod, why]) => `${pod}: ${why}`);
  const duplicates = [...new Set([...o.duplicatesSeen, ...final.duplicates])];
  const puts = putsPerLifecycle(o.armCalls, foreignNames);
  const putsList = [...puts]
    .filter(([, n]) => n > o.limits.putsPerPodLifecycle)
    .map(([name, n]) => `${name}: ${n} PUTs (${writeHistory(o.armCalls, name)})`);
  const without: string[] = [];
  for (const r of o.outageRecovery) {
    const still = new Set(r.liveAtDeadline);
    for (const uid of r.liveAtEnd) {
      if (!still.has(uid)) continue;
      // A pod with a group when the outage ended has a status chain to restore: its pod must show what the
      // group was doing by the deadline (at least Running; a final group, a final pod). A pod without one
      // has a create still to come, not a chain: `lost` judges it at the end, `createsAfterOutage` says how
      // long those creates took.
      const group = r.groupAtEnd[uid] ?? "none";
      if (group === "none") continue;
      const seen = group === "final" ? o.firstFinalAt[uid] : o.firstSettledAt[uid];
      if (seen === undefined || seen > r.deadlineMs) without.push(uid);
    }
  }
  const withoutUnique = [...new Set(without)];
  const checks: ChaosChecks = {
    lost: final.lost.length,
    orphans: final.orphans.length + final.orphansDeleting.length,
    duplicates: duplicates.length,
    wronglyFailed: wronglyFailed.length,
    foreignTouched: touched.length,
    secretLeaks: o.secretLeaks,
    stuckTerminating: final.terminating.length,
    maxPutsPerPodLifecycle: Math.max(0, ...puts.values()),
    maxLeaseRenewGapS: longestLeaseGapS(o.leaseRenewals, o.outages),
    podsWithoutStatusChainAfterOutage: withoutUnique.length,
    convergedWithinS: o.convergedWithinS,
    convergenceLimitS: o.limits.convergenceS,
    leaseRenewGapLimitS: o.limits.leaseRenewGapS,
    putsPerPodLifecycleLimit: o.limits.putsPerPodLifecycle,
  };
  return {
    checks,
    details: {
      lost: final.lost,
      orphans: [...final.orphans, ...final.orphansDeleting.map((n) => `${n} (Deleting)`)],
      duplicates,
      wronglyFailed,
      foreignTouched: touched,
      stuckTerminating: final.terminating,
      putsPerPodLifecycle: putsList,
      withoutStatusChainAfterOutage: withoutUnique,
      longestLeaseGap: (() => {
        const g = longestLeaseGap(o.leaseRenewals, o.outages);
        return g ? [`${g.seconds} s between renewals at ${g.from} and ${g.to}`] : [];
      })(),
    },
  };
}

function sortKeys(tags: Record<string, string>): Array<[string, string]> {
  return Object.entries(tags).sort(([a], [b]) => a.localeCompare(b));
}
