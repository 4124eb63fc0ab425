/**
 * The timer trigger of the local Functions host, following TimerListener in azure-webjobs-sdk-extensions:
 *
 * - a one-shot timer armed for the schedule's next occurrence (UTC here; Azure's default time zone);
 * - invocations of one timer never overlap (the listener's invocation lock; in Azure also a blob-lease
 *   singleton across instances);
 * - after a run, `next` is computed from the run's start time, so a run that overran one or more
 *   occurrences is followed by ONE immediate catch-up run, never a burst, and never a concurrent one;
 * - `runOnStartup` runs once right after start;
 * - the `Timer` object is what the Node library hands over: `{ schedule: { adjustForDST }, scheduleStatus,
 *   isPastDue }`. `scheduleStatus` is only present when the host monitors the schedule (useMonitor, default:
 *   not when more than one occurrence falls within a minute), else `null`, as in Azure.
 */
import type { InvocationContext, Timer } from "@azure/functions";
import { defaultUseMonitor, nextOccurrences, parseTimerSchedule, type TimerSchedule } from "./ncrontab.js";
import { Mutex, toDotNetDate, type HostRuntime } from "./hostRuntime.js";

/** A timer-triggered function, as `functions/*.ts` export it (compatible with `app.timer`). */
export interface TimerFunctionDefinition {
  name: string;
  /** NCRONTAB with seconds (`*\/10 * * * * *`) or a TimeSpan (`00:00:10`). */
  schedule: string;
  runOnStartup?: boolean;
  /** Default like the host: true unless the schedule fires more than once a minute. */
  useMonitor?: boolean;
  handler: (timer: Timer, context: InvocationContext) => Promise<void>;
}

/** Node timers (like System.Timers.Timer) cannot wait longer than ~24.8 days; the host chunks by 24 days. */
const MAX_TIMER_INTERVAL_MS = 24 * 86_400_000;

/** ScheduleMonitor.DefaultDateTime, serialized as the host does. */
const DEFAULT_DATE_TIME = "0001-01-01T00:00:00";

interface ScheduleStatus {
  last: Date | undefined;
  next: Date | undefined;
  lastUpdated: Date | undefined;
}

export class TimerListener {
  readonly schedule: TimerSchedule;
  readonly useMonitor: boolean;
  readonly #lock = new Mutex();
  #status: ScheduleStatus = { last: undefined, next: undefined, lastUpdated: undefined };
  #handle: NodeJS.Timeout | undefined;
  #startupPending = false;
  #stopped = false;
  #firing: Promise<void> = Promise.resolve();

  constructor(
    readonly definition: TimerFunctionDefinition,
    private readonly runtime: HostRuntime,
  ) {
    this.schedule = parseTimerSchedule(definition.schedule);
    this.useMonitor = definition.useMonitor ?? defaultUseMonitor(this.schedule, runtime.clock.now());
  }

  get running(): boolean {
    return this.#lock.busy;
  }

  get nextOccurrence(): Date | undefined {
    return this.#status.next;
  }

  start(): void {
    const now = this.runtime.clock.now();
    this.#status = { last: undefined, next: this.schedule.nextOccurrence(now), lastUpdated: undefined };
    const label =
      this.schedule.kind === "cron"
        ? `Cron: '${this.schedule.expression}'`
        : `Constant: ${this.schedule.expression}`;
    const upcoming = nextOccurrences(this.schedule, now, 5)
      .map((d) => `\n${d.toISOString()}`)
      .join("");
    this.runtime.log({
      level: "information",
      functionName: this.definition.name,
      message: `The next 5 occurrences of the '${this.definition.name}' schedule (${label}) will be:${upcoming}`,
    });
    if (this.definition.runOnStartup) {
      this.#startupPending = true;
      this.#arm(1);
    } else {
      this.#armForNext();
    }
  }

  /** Stops scheduling and waits (up to `timeoutMs` real) for the running invocation, if any. */
  async stop(timeoutMs: number): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#handle);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([this.#firing, this.#lock.drain()]),
      new Promise((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  /**
   * Runs the function now, like the admin API (`POST /admin/functions/<name>`): after any running
   * invocation (the local host serializes it with the schedule), without changing the schedule status.
   */
  async runNow(): Promise<void> {
    await this.#lock.run(async () => {
      await this.#execute("This function was programmatically called via the host APIs.", undefined);
    });
  }

  #armForNext(): void {
    const next = this.#status.next;
    if (!next) return; // the expression never fires again
    // GetNextTimerInterval: a next occurrence already past (an overrun) fires at once.
    this.#arm(Math.max(1, next.getTime() - this.runtime.clock.now().getTime()));
  }

  #arm(hostMs: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#handle);
    const realMs = Math.max(1, this.runtime.clock.toReal(hostMs));
    if (realMs > MAX_TIMER_INTERVAL_MS) {
      // Like the host: wait out a very long interval in chunks, then look at the schedule again.
      this.#handle = setTimeout(() => this.#armForNext(), MAX_TIMER_INTERVAL_MS);
      return;
    }
    this.#handle = setTimeout(() => {
      this.#firing = this.#onTimer();
    }, realMs);
  }

  async #onTimer(): Promise<void> {
    const startup = this.#startupPending;
    this.#startupPending = false;
    const invocationTime = this.runtime.clock.now();
    try {
      await this.#lock.run(async () => {
        if (this.#stopped) return;
        await this.#execute(
          `Timer fired at ${toDotNetDate(invocationTime)}`,
          startup ? "UnscheduledInvocationReason: RunOnStartup" : undefined,
        );
        // If the timer fired slightly early, count from the scheduled time so `next` does not repeat.
        const scheduled = this.#status.next;
        const adjusted =
          !startup && scheduled && scheduled.getTime() > invocationTime.getTime()
            ? scheduled
            : invocationTime;
        this.#status = {
          last: adjusted,
          next: this.schedule.nextOccurrence(adjusted),
          lastUpdated: adjusted,
        };
      });
    } finally {
      this.#armForNext();
    }
  }

  async #execute(reason: string, details: string | undefined): Promise<void> {
    const status = this.#status;
    const iso = (d: Date | undefined) => (d ? d.toISOString() : DEFAULT_DATE_TIME);
    const timer = {
      schedule: { adjustForDST: true },
      scheduleStatus: this.useMonitor
        ? { last: iso(status.last), next: iso(status.next), lastUpdated: iso(status.lastUpdated) }
        : null,
      isPastDue: false,
    } as unknown as Timer; // `scheduleStatus: null` is what Azure passes without a schedule monitor.
    this.runtime.stats.timerRuns++;
    await this.runtime.execute({
      functionName: this.definition.name,
      reason,
      details,
      trigger: {
        type: "timerTrigger",
        name: "timer",
        schedule: this.definition.schedule,
        runOnStartup: this.definition.runOnStartup ?? false,
      },
      run: (context) => this.definition.handler(timer, context),
    });
  }
}
