/**
 * What the chaos run records to explain a failed check after the fact: the timer's runs, the bridge's
 * heartbeat and repair events, instance kills and restarts, and stalls of this process's event loop (the
 * API fake, the ACI simulator and the timer all run in it, so a stall here delays every one of them). The
 * checks never read it; `leaseGapTrace` cuts the window around the longest Lease gap out of it.
 */

export interface TraceEntry {
  /** Real epoch ms. */
  at: number;
  what: string;
}

export interface TimerRunRecord {
  start: number;
  end?: number;
  outcome: "skipped" | "ok" | "failed" | "running";
  error?: string;
}

export interface CallRecordLike {
  method: string;
  path: string;
  status: number;
  at: number;
}

/** Event-loop stalls longer than this are recorded. */
const STALL_MS = 500;
const SAMPLE_EVERY_MS = 100;

export class RunTrace {
  readonly timerRuns: TimerRunRecord[] = [];
  readonly entries: TraceEntry[] = [];
  readonly stalls: Array<{ at: number; ms: number }> = [];
  private sampler: NodeJS.Timeout | undefined;

  constructor(readonly startedMs: number) {}

  /** Samples the event loop's lateness every 100 ms until `stop()`. */
  start(): void {
    let expected = Date.now() + SAMPLE_EVERY_MS;
    this.sampler = setInterval(() => {
      const now = Date.now();
      const late = now - expected;
      if (late > STALL_MS) this.stalls.push({ at: now - late, ms: late });
      expected = now + SAMPLE_EVERY_MS;
    }, SAMPLE_EVERY_MS);
    this.sampler.unref();
  }

  stop(): void {
    clearInterval(this.sampler);
  }

  private readonly pods = new Map<string, TraceEntry[]>();

  /** A bridge log line about one pod (`ns/name`); the first 60 per pod are kept. */
  podEvent(pod: string, what: string, at = Date.now()): void {
    const list = this.pods.get(pod) ?? [];
    if (list.length < 60) list.push({ at, what });
    this.pods.set(pod, list);
  }

  private readonly messages = new Map<string, TraceEntry[]>();
  /** Queue messages sent, by 10 s bucket of the run and by who sent them (the queue's inflow). */
  readonly inflow = new Map<number, Record<string, number>>();

  /**
   * A queue message about one pod, sent (`out`, by `who`, with its delay) or delivered (`in`). The first 120
   * per pod are kept: enough to see how many chains a pod has and where each one's time went.
   */
  podMessage(dir: "in" | "out", who: string, message: unknown, delaySeconds?: number, at = Date.now()): void {
    const m = parsed(message) as {
      ns?: unknown;
      name?: unknown;
      reason?: unknown;
      attempt?: unknown;
      hop?: unknown;
      at?: unknown;
    };
    if (typeof m?.ns !== "string" || typeof m.name !== "string") return;
    if (dir === "out") {
      const bucket = Math.floor((at - this.startedMs) / 10_000) * 10;
      const counts = this.inflow.get(bucket) ?? {};
      const source = who.replace(/^i\d+ /, "");
      counts[source] = (counts[source] ?? 0) + 1;
      this.inflow.set(bucket, counts);
    }
    const pod = `${m.ns}/${m.name}`;
    const list = this.messages.get(pod) ?? [];
    if (list.length >= 120) return;
    const stamp = typeof m.at === "string" ? Date.parse(m.at) : NaN;
    const what =
      `${dir} ${who} ${String(m.reason)}` +
      (typeof m.attempt === "number" ? ` a${m.attempt}` : "") +
      (typeof m.hop === "number" ? ` h${m.hop}` : "") +
      (delaySeconds ? ` +${delaySeconds}s` : "") +
      (Number.isNaN(stamp) ? "" : ` at ${rel(this, stamp)}`);
    list.push({ at, what });
    this.messages.set(pod, list);
  }

  podMessages(pod: string): TraceEntry[] {
    return this.messages.get(pod) ?? [];
  }

  podTimeline(pod: string): TraceEntry[] {
    return this.pods.get(pod) ?? [];
  }

  note(what: string, at = Date.now()): void {
    this.entries.push({ at, what });
  }

  timerStarted(skipped: boolean): TimerRunRecord {
    const run: TimerRunRecord = { start: Date.now(), outcome: skipped ? "skipped" : "running" };
    if (skipped) run.end = run.start;
    this.timerRuns.push(run);
    return run;
  }

  timerEnded(run: TimerRunRecord, error?: unknown): void {
    run.end = Date.now();
    run.outcome = error === undefined ? "ok" : "failed";
    if (error !== undefined)
      run.error = (error instanceof Error ? error.message : JSON.stringify(error)).slice(0, 200);
  }
}

function parsed(message: unknown): unknown {
  if (typeof message !== "string") return message;
  try {
    return JSON.parse(message) as unknown;
  } catch {
    return undefined;
  }
}

/** Seconds since the run started, 0.1 s. */
function rel(trace: RunTrace, at: number): number {
  return Math.round((at - trace.startedMs) / 100) / 10;
}

/**
 * Everything recorded within `marginMs` of the gap [fromMs, toMs], in run-relative seconds: the timer runs
 * that overlap it, the Lease calls (reads and failures too), the bridge events, kills, and event-loop stalls.
 */
export function leaseGapTrace(
  trace: RunTrace,
  gap: { fromMs: number; toMs: number; seconds: number },
  leaseCalls: CallRecordLike[],
  marginMs = 4_000,
): Record<string, unknown> {
  const lo = gap.fromMs - marginMs;
  const hi = gap.toMs + marginMs;
  const inWindow = (at: number) => at >= lo && at <= hi;
  return {
    seconds: gap.seconds,
    fromS: rel(trace, gap.fromMs),
    toS: rel(trace, gap.toMs),
    timerRuns: trace.timerRuns
      .filter((r) => (r.end ?? hi) >= lo && r.start <= hi)
      .map((r) => ({
        startS: rel(trace, r.start),
        endS: r.end === undefined ? null : rel(trace, r.end),
        outcome: r.outcome,
        ...(r.error ? { error: r.error } : {}),
      })),
    leaseCalls: leaseCalls
      .filter((c) => inWindow(c.at))
      .map((c) => `${rel(trace, c.at)} ${c.method} ${c.status}`),
    events: trace.entries.filter((e) => inWindow(e.at)).map((e) => `${rel(trace, e.at)} ${e.what}`),
    eventLoopStalls: trace.stalls
      .filter((s) => s.at + s.ms >= lo && s.at <= hi)
      .map((s) => `${rel(trace, s.at)} ${s.ms} ms`),
  };
}
