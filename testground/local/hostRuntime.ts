/**
 * What every trigger of the local Functions host shares: the (optionally scaled) clock, log lines in the
 * host's wording, the invocation wrapper (InvocationContext, "Executing…/Executed…" lines, functionTimeout)
 * and the counters.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { format } from "node:util";
import { InvocationContext, type FunctionTrigger, type TriggerMetadata } from "@azure/functions";
import { formatTimeSpan } from "./hostConfig.js";

/** The library's LogLevel (`context.log` → information, `warn` → warning, …). */
export type HostLogLevel = "trace" | "debug" | "information" | "warning" | "error" | "critical" | "none";

export interface HostLogLine {
  time: Date;
  level: HostLogLevel;
  /** "Host" for the host's own lines, "Function" for `context.log…` lines. */
  category: "Host" | "Function";
  functionName?: string;
  invocationId?: string;
  /** Which queue instance wrote it, when the queue functions run on several (testground/local/hostInstances.ts). */
  instance?: number;
  message: string;
}

export type HostLogSink = (line: HostLogLine) => void;

/** `[2026-11-25T12:00:00.000Z] Executing 'Functions.podEvents' (…)`, like Core Tools prints. */
export function formatHostLogLine(line: HostLogLine): string {
  return `[${line.time.toISOString()}] ${line.message}`;
}

export function consoleLogSink(line: HostLogLine): void {
  const text = formatHostLogLine(line);
  if (line.level === "error" || line.level === "critical") console.error(text);
  else if (line.level === "warning") console.warn(text);
  else if (line.level === "information") console.log(text);
}

/**
 * The host's clock. With `timeScale` k > 1, host time runs k times faster than real time: schedules,
 * polling delays and visibility timeouts take 1/k of their configured real duration.
 */
export interface HostClock {
  timeScale: number;
  /** Real epoch ms at which host time equals real time. */
  origin: number;
  /** Host time (scaled). */
  now(): Date;
  /** Waits `ms` of host time (ms / timeScale real). Resolves early, without error, when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Host milliseconds → real milliseconds. */
  toReal(ms: number): number;
}

/**
 * `origin` (real epoch ms) is where host time and real time coincide; instances of one host share it, so
 * their scaled timestamps agree. Default: now.
 */
export function createClock(
  timeScale = 1,
  realNow: () => Date = () => new Date(),
  origin: number = realNow().getTime(),
): HostClock {
  if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new Error("timeScale must be a positive number");
  const toReal = (ms: number) => ms / timeScale;
  return {
    timeScale,
    origin,
    now: () => new Date(origin + (realNow().getTime() - origin) * timeScale),
    toReal,
    sleep(ms, signal) {
      return new Promise<void>((resolve) => {
        if (signal?.aborted) return resolve();
        const onAbort = () => {
          clearTimeout(handle);
          resolve();
        };
        const handle = setTimeout(
          () => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
          },
          Math.max(0, toReal(ms)),
        );
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    },
  };
}

export interface FunctionStats {
  invocations: number;
  succeeded: number;
  failures: number;
  timeouts: number;
  inFlight: number;
  maxInFlight: number;
}

export interface LocalHostStats extends FunctionStats {
  /** Messages moved to `<queue>-poison` (after maxDequeueCount, or undecodable). */
  poisoned: number;
  /** Messages that were not valid base64 under `messageEncoding: base64`. */
  decodeFailures: number;
  /** Timer invocations (scheduled, startup, and runTimerNow). */
  timerRuns: number;
  byFunction: Record<string, FunctionStats>;
}

export function emptyStats(): LocalHostStats {
  return {
    invocations: 0,
    succeeded: 0,
    failures: 0,
    timeouts: 0,
    inFlight: 0,
    maxInFlight: 0,
    poisoned: 0,
    decodeFailures: 0,
    timerRuns: 0,
    byFunction: {},
  };
}

export interface InvocationRequest {
  functionName: string;
  /** The host's reason text, e.g. "New queue message detected on 'pod-events'." */
  reason: string;
  /** "Trigger Details: …" line, when the trigger has some. */
  details?: string;
  triggerMetadata?: TriggerMetadata;
  trigger: FunctionTrigger;
  run(context: InvocationContext): Promise<void>;
}

export interface InvocationResult {
  invocationId: string;
  succeeded: boolean;
  error?: Error;
  durationMs: number;
}

export interface HostRuntime {
  clock: HostClock;
  stats: LocalHostStats;
  log(line: Omit<HostLogLine, "time" | "category"> & { category?: HostLogLine["category"] }): void;
  /** Runs one invocation the way the host does; never throws (a failure is in the result). */
  execute(request: InvocationRequest): Promise<InvocationResult>;
}

export class FunctionTimeoutError extends Error {
  override name = "FunctionTimeoutException";
}

export function createRuntime(options: {
  clock: HostClock;
  sink: HostLogSink;
  functionTimeoutMs: number | undefined;
}): HostRuntime {
  const { clock, sink, functionTimeoutMs } = options;
  const stats = emptyStats();
  const log: HostRuntime["log"] = (line) =>
    sink({ time: clock.now(), category: "Host", ...line, message: line.message });

  const functionStats = (name: string): FunctionStats =>
    (stats.byFunction[name] ??= {
      invocations: 0,
      succeeded: 0,
      failures: 0,
      timeouts: 0,
      inFlight: 0,
      maxInFlight: 0,
    });

  async function execute(request: InvocationRequest): Promise<InvocationResult> {
    const { functionName } = request;
    const invocationId = randomUUID();
    const fs = functionStats(functionName);
    const context = new InvocationContext({
      invocationId,
      functionName,
      triggerMetadata: request.triggerMetadata,
      options: { trigger: request.trigger },
      logHandler: (level, ...args) =>
        sink({
          time: clock.now(),
          level,
          category: "Function",
          functionName,
          invocationId,
          message: format(...args),
        }),
    });

    log({
      level: "information",
      functionName,
      invocationId,
      message: `Executing 'Functions.${functionName}' (Reason='${request.reason}', Id=${invocationId})`,
    });
    if (request.details) {
      log({
        level: "information",
        functionName,
        invocationId,
        message: `Trigger Details: ${request.details}`,
      });
    }

    for (const s of [stats, fs]) {
      s.invocations++;
      s.inFlight++;
      s.maxInFlight = Math.max(s.maxInFlight, s.inFlight);
    }
    const started = performance.now();
    let error: Error | undefined;
    let timedOut = false;
    let timeoutHandle: NodeJS.Timeout | undefined;
    try {
      const work = request.run(context);
      if (functionTimeoutMs === undefined) {
        await work;
      } else {
        const limit = formatTimeSpan(functionTimeoutMs);
        const timeout = new Promise<never>((_, reject) => {
          timeoutHandle = setTimeout(() => {
            timedOut = true;
            log({
              level: "error",
              functionName,
              invocationId,
              message: `Timeout value of ${limit} exceeded by function 'Functions.${functionName}' (Id: '${invocationId}'). Initiating cancellation.`,
            });
            reject(
              new FunctionTimeoutError(
                `Timeout value of ${limit} was exceeded by function: Functions.${functionName}`,
              ),
            );
          }, clock.toReal(functionTimeoutMs));
        });
        // The handler's promise cannot be cancelled; a late rejection must not become unhandled.
        work.catch(() => undefined);
        await Promise.race([work, timeout]);
      }
    } catch (caught) {
      error = caught instanceof Error ? caught : new Error(format(caught));
    } finally {
      if (timeoutHandle) clearTimeout(timeoutHandle);
    }
    const durationMs = Math.round(performance.now() - started);
    for (const s of [stats, fs]) {
      s.inFlight--;
      if (error) s.failures++;
      else s.succeeded++;
      if (timedOut) s.timeouts++;
    }
    if (error) {
      log({
        level: "error",
        functionName,
        invocationId,
        message:
          `Executed 'Functions.${functionName}' (Failed, Id=${invocationId}, Duration=${durationMs}ms)\n` +
          `Result: Failure\nException: ${error.name}: ${error.message}\nStack: ${error.stack ?? ""}`,
      });
    } else {
      log({
        level: "information",
        functionName,
        invocationId,
        message: `Executed 'Functions.${functionName}' (Succeeded, Id=${invocationId}, Duration=${durationMs}ms)`,
      });
    }
    return { invocationId, succeeded: !error, error, durationMs };
  }

  return { clock, stats, log, execute };
}

/** .NET `DateTimeOffset` as the host serializes it into trigger metadata (`…+00:00`). */
export function toDotNetDate(date: Date): string {
  return date
    .toISOString()
    .replace(/\.000Z$/, "Z")
    .replace(/Z$/, "+00:00");
}

/**
 * A small async mutex: `run` executes functions one at a time in call order (the timer listener's
 * `SemaphoreSlim(1, 1)`).
 */
export class Mutex {
  #tail: Promise<unknown> = Promise.resolve();
  #busy = 0;
  get busy(): boolean {
    return this.#busy > 0;
  }
  run<T>(fn: () => Promise<T>): Promise<T> {
    this.#busy++;
    const result = this.#tail.then(fn, fn);
    this.#tail = result
      .catch(() => undefined)
      .finally(() => {
        this.#busy--;
      });
    return result;
  }
  /** Resolves once everything queued so far has finished. */
  async drain(): Promise<void> {
    await this.#tail;
  }
}
