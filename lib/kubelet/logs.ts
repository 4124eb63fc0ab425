/**
 * Container logs from ACI with the kubelet's options, and `follow` by polling.
 *
 * ACI's `Containers - List Logs` returns the current instance's whole log (or its last `tail` lines) as one
 * string; with `timestamps=true` every line starts with an RFC 3339 time. The bridge always asks for
 * timestamps — they are what `sinceSeconds`/`sinceTime` filter on and what following de-duplicates by — and
 * strips them unless the client asked for them.
 *
 * Following (`follow=true`): poll List Logs every `activeMs` while lines arrive, doubling up to `idleMs` when
 * a poll brings nothing; a line is new when its timestamp is later than the last one sent (or equal, beyond
 * the count already sent with that timestamp). The container's state is read (a GET of the group) when a poll
 * was idle and at least every `stateEveryMs`; following ends cleanly (the response ends, like the kubelet's)
 * when the followed instance is no longer running — it exited, restarted (ACI then serves only the new
 * instance, so `kubectl logs -f` ends as it does on a kubelet when the container exits) or its group is
 * gone — and when the client goes away (the abort signal). Per followed minute this costs at most
 * 60/activeMs·1000 + 60/stateEveryMs·1000 ARM reads (36 at the defaults) and about 12 when idle
 * (docs/kubelet-api.md has measured numbers).
 */
import { NotFoundError } from "../errors.js";
import type { ContainerInfo, KubeletAciApi } from "./aci.js";
import type { LogOptions } from "./logOptions.js";

export interface FollowTiming {
  activeMs: number;
  idleMs: number;
  stateEveryMs: number;
  /** Lines asked for per poll; a poll that fills it without reaching the last line sent re-reads everything. */
  pollTail: number;
}

export const DEFAULT_FOLLOW_TIMING: FollowTiming = {
  activeMs: 2_000,
  idleMs: 10_000,
  stateEveryMs: 10_000,
  pollTail: 1_000,
};

export interface LogLine {
  /** RFC 3339 timestamp as ACI wrote it. */
  ts: string;
  /** Sortable form: `YYYY-MM-DDTHH:MM:SS.nnnnnnnnn` (UTC). */
  key: string;
  /** Epoch ms (for since filters). */
  ms: number;
  /** The line without timestamp, with its newline. */
  text: string;
}

const TS = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2}) ?/;

function sortKey(ts: string): { key: string; ms: number } | undefined {
  const m = TS.exec(ts);
  if (!m) return undefined;
  const frac = (m[2] ?? "").padEnd(9, "0").slice(0, 9);
  const ms = Date.parse(`${m[1] ?? ""}.${frac.slice(0, 3)}${m[3] ?? "Z"}`);
  if (Number.isNaN(ms)) return undefined;
  const utc = new Date(ms).toISOString().slice(0, 19);
  return { key: `${utc}.${frac}`, ms };
}

/**
 * Splits ACI's timestamped content into lines. A line without a timestamp (a continuation ACI did not
 * prefix) inherits the previous line's, so it is neither lost nor sent twice.
 */
export function parseTimestampedLog(content: string): LogLine[] {
  const out: LogLine[] = [];
  const parts = content.split(/(?<=\n)/);
  for (const part of parts) {
    if (part === "") continue;
    const m = TS.exec(part);
    const k = m ? sortKey(part) : undefined;
    const prev = out[out.length - 1];
    if (m && k) {
      out.push({
        ts: part.slice(0, m[0].length).trimEnd(),
        key: k.key,
        ms: k.ms,
        text: part.slice(m[0].length),
      });
    } else {
      out.push({ ts: prev?.ts ?? "", key: prev?.key ?? "", ms: prev?.ms ?? 0, text: part });
    }
  }
  return out;
}

export function render(line: LogLine, timestamps: boolean): string {
  const text = line.text.endsWith("\n") ? line.text : `${line.text}\n`;
  return timestamps && line.ts ? `${line.ts} ${text}` : text;
}

/** Lines at or after `since` (epoch ms). */
export function sinceFilter(lines: LogLine[], since: number | undefined): LogLine[] {
  return since === undefined ? lines : lines.filter((l) => l.ms >= since);
}

export function sinceOf(opts: LogOptions, now: number): number | undefined {
  if (opts.sinceTime !== undefined) return opts.sinceTime;
  if (opts.sinceSeconds !== undefined) return now - opts.sinceSeconds * 1000;
  return undefined;
}

/** Tracks what has been sent so a re-read of the log yields only lines not sent yet. */
export class LogCursor {
  private lastKey = "";
  private atLast = 0;

  /** Lines of `lines` not sent yet, and marks them sent. `lines` must be in log order. */
  take(lines: LogLine[]): LogLine[] {
    const fresh: LogLine[] = [];
    let seenAtLast = 0;
    for (const l of lines) {
      if (l.key < this.lastKey) continue;
      if (l.key === this.lastKey) {
        seenAtLast++;
        if (seenAtLast <= this.atLast) continue;
      }
      fresh.push(l);
    }
    for (const l of fresh) {
      if (l.key === this.lastKey) this.atLast++;
      else {
        this.lastKey = l.key;
        this.atLast = 1;
      }
    }
    return fresh;
  }

  /** True when `lines` reaches back to (or before) the last line sent: nothing can be missing between. */
  overlaps(lines: LogLine[]): boolean {
    const first = lines[0];
    return this.lastKey === "" || first === undefined || first.key <= this.lastKey;
  }
}

export interface FollowDeps {
  aci: KubeletAciApi;
  group: string;
  container: string;
  /** The instance being followed (restartCount and start time identify it). */
  instance: ContainerInfo;
  timing: FollowTiming;
  now: () => number;
  /** Resolves after `ms` or when `signal` aborts. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  signal: AbortSignal;
  cursor: LogCursor;
}

export type FollowEnd = "stopped" | "restarted" | "gone" | "client";

/** Yields batches of new lines until the followed instance stops or the client leaves. */
export async function* follow(d: FollowDeps): AsyncGenerator<LogLine[], FollowEnd> {
  let delay = d.timing.activeMs;
  let lastState = d.now();
  for (;;) {
    await d.sleep(delay, d.signal);
    if (d.signal.aborted) return "client";
    let fresh: LogLine[];
    try {
      fresh = await readNew(d);
    } catch (error) {
      if (error instanceof NotFoundError) return "gone";
      throw error;
    }
    if (d.signal.aborted) return "client";
    if (fresh.length > 0) yield fresh;
    const idle = fresh.length === 0;
    delay = idle ? Math.min(delay * 2, d.timing.idleMs) : d.timing.activeMs;
    if (idle || d.now() - lastState >= d.timing.stateEveryMs) {
      lastState = d.now();
      const end = await instanceEnded(d);
      if (end) {
        // One last read: lines written between the previous poll and the exit. ACI may already serve the
        // next instance (then those are lost, and its first lines are sent: they are new, not duplicates).
        if (end !== "gone") {
          const last = await readNew(d).catch((): LogLine[] => []);
          if (last.length > 0 && !d.signal.aborted) yield last;
        }
        return end;
      }
    }
  }
}

async function readNew(d: FollowDeps): Promise<LogLine[]> {
  let lines = parseTimestampedLog(
    await d.aci.listLogs(d.group, d.container, { tail: d.timing.pollTail, timestamps: true }),
  );
  if (lines.length >= d.timing.pollTail && !d.cursor.overlaps(lines)) {
    lines = parseTimestampedLog(await d.aci.listLogs(d.group, d.container, { timestamps: true }));
  }
  return d.cursor.take(lines);
}

async function instanceEnded(d: FollowDeps): Promise<FollowEnd | undefined> {
  const g = await d.aci.getGroup(d.group);
  const c = g?.containers.find((x) => x.name === d.container);
  if (!g || !c) return "gone";
  if (c.state !== "Running") return "stopped";
  if (c.restartCount !== d.instance.restartCount || c.startTime !== d.instance.startTime) return "restarted";
  return undefined;
}

/** Truncates to `limit` bytes in total across writes (the kubelet's limitBytes). */
export class ByteLimiter {
  private left: number;
  constructor(limit: number | undefined) {
    this.left = limit ?? Infinity;
  }
  get exhausted(): boolean {
    return this.left <= 0;
  }
  cut(text: string): string {
    if (this.left === Infinity) return text;
    const buf = Buffer.from(text, "utf8");
    const out = buf.subarray(0, Math.max(0, Math.min(buf.length, this.left)));
    this.left -= out.length;
    return out.toString("utf8");
  }
}
