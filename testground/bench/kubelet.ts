/**
 * Counting for the `kubelet` scenario (testground/bench/scenarios/kubelet.ts): the simulator's call log, cut into the
 * windows the figures are about. Pure: the scenario records calls (the simulator's `calls`, each with the
 * simulator clock's `at`), these functions only count them.
 */

/** What the counting needs of a simulator call record (testground/sim/aci `CallRecord`). */
export interface CountedCall {
  at: number;
  operation: string;
  kind: string;
}

/** Calls by kind, for the kubelet endpoint's ARM reads. */
export interface ReadCounts {
  listLogs: number;
  get: number;
  /** Any other call (none is expected: a non-zero value is reported, not hidden). */
  other: number;
  total: number;
}

export function readCounts(calls: readonly CountedCall[]): ReadCounts {
  let listLogs = 0;
  let get = 0;
  let other = 0;
  for (const c of calls) {
    if (c.operation === "containers.listLogs") listLogs++;
    else if (c.operation === "containerGroups.get") get++;
    else other++;
  }
  return { listLogs, get, other, total: listLogs + get + other };
}

export interface FollowedMinutes {
  /** Calls at the request's start (`at === start`): the ownership GET and the first List Logs. */
  start: ReadCounts;
  /** Minute k (0-based) holds the calls with start + 60 k s < at ≤ start + 60 (k + 1) s. */
  minutes: ReadCounts[];
}

/**
 * A followed log's calls per minute from the moment the request arrived (`start`, virtual clock, ms). A poll
 * due exactly at the end of a minute belongs to that minute (the kubelet endpoint's tests count the same way).
 */
export function followedMinutes(
  calls: readonly CountedCall[],
  start: number,
  minutes: number,
): FollowedMinutes {
  const buckets: CountedCall[][] = Array.from({ length: minutes }, () => []);
  const atStart: CountedCall[] = [];
  for (const c of calls) {
    if (c.at === start) atStart.push(c);
    else if (c.at > start) {
      const k = Math.ceil((c.at - start) / 60_000) - 1;
      if (k < minutes) buckets[k]!.push(c);
    }
  }
  return { start: readCounts(atStart), minutes: buckets.map(readCounts) };
}

/** Mean of `f` over minutes `from`..end (NaN when there are none). */
export function meanOver(minutes: readonly ReadCounts[], from: number, f: (m: ReadCounts) => number): number {
  const rest = minutes.slice(from);
  return rest.length === 0 ? Number.NaN : rest.reduce((a, m) => a + f(m), 0) / rest.length;
}

/** ARM list pages and Monitor batch calls among `calls`. */
export interface StatsCalls {
  listPages: number;
  monitorBatches: number;
  /** Any other call. */
  other: number;
}

export function statsCalls(calls: readonly CountedCall[]): StatsCalls {
  let listPages = 0;
  let monitorBatches = 0;
  let other = 0;
  for (const c of calls) {
    if (c.operation === "containerGroups.listByResourceGroup") listPages++;
    else if (c.operation === "metrics.getBatch") monitorBatches++;
    else other++;
  }
  return { listPages, monitorBatches, other };
}

/** Per-event means of calls recorded per event (refreshes, scrapes): ARM (list pages, other ARM) and Monitor. */
export function perEvent(events: ReadonlyArray<readonly CountedCall[]>): {
  events: number;
  arm: number;
  listPages: number;
  monitor: number;
} {
  const n = events.length;
  const all = statsCalls(events.flat());
  const div = (x: number) => (n === 0 ? Number.NaN : x / n);
  return {
    events: n,
    arm: div(all.listPages + all.other),
    listPages: div(all.listPages),
    monitor: div(all.monitorBatches),
  };
}
