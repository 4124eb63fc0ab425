/**
 * A local Azure Functions host for the bridge's two Functions. `func` (Core Tools) cannot be installed
 * here, so the local stack, the end-to-end tests and the benchmarks run the SAME exported handlers through
 * this host. It does only what the Functions host does — poll the queue, decode, invoke, delete / release /
 * poison, fire timers one run at a time, log "Executing…/Executed…" — and nothing the functions do.
 *
 * Semantics and their sources: docs/local-host.md.
 */
import { QueueServiceClient, type QueueClient } from "@azure/storage-queue";
import { resolveHostSettings, type HostJsonSettings, type ResolvedHostSettings } from "./hostConfig.js";
import { QueueListener, poisonQueueName, type QueueFunctionDefinition } from "./hostQueue.js";
import {
  consoleLogSink,
  createClock,
  createRuntime,
  type HostLogLine,
  type HostRuntime,
  type LocalHostStats,
} from "./hostRuntime.js";
import { TimerListener, type TimerFunctionDefinition } from "./hostTimer.js";

export type { HostJsonSettings, QueuesOptions, ResolvedHostSettings } from "./hostConfig.js";
export { parseTimeSpan, resolveHostSettings } from "./hostConfig.js";
export type { QueueFunctionDefinition } from "./hostQueue.js";
export type { TimerFunctionDefinition } from "./hostTimer.js";
export type { FunctionStats, HostLogLevel, HostLogLine, LocalHostStats } from "./hostRuntime.js";
export { formatHostLogLine } from "./hostRuntime.js";

export interface LocalHostOptions {
  /** Parsed host.json, or its path. */
  hostJson: HostJsonSettings | string;
  /** Connection setting name → storage connection string (e.g. Azurite's). */
  connections: Record<string, string>;
  queueFunctions?: QueueFunctionDefinition[];
  timerFunctions?: TimerFunctionDefinition[];
  /** Every `context.log/warn/error/…` line and every host line. Default: Core Tools-like console output. */
  log?: (line: HostLogLine) => void;
  /** Real clock (default `new Date()`); host time derives from it and `timeScale`. */
  now?: () => Date;
  /**
   * Runs host time k times faster than real time (benchmarks, tests): timer schedules, polling back-off,
   * maxPollingInterval, visibility timeouts and functionTimeout all take 1/k of their real duration.
   * Storage visibility has 1-second granularity, so scaled visibility timeouts round up to whole seconds.
   * Default 1.
   */
  timeScale?: number;
  /** How long `stop()` waits for running invocations (real ms). Default 30 000. */
  stopTimeoutMs?: number;
}

export interface LocalHost {
  readonly settings: ResolvedHostSettings;
  /** Live counters. */
  readonly stats: LocalHostStats;
  /** Invokes a timer function now (after its running invocation, if any). */
  runTimerNow(name: string): Promise<void>;
  /**
   * Resolves when nothing runs and every trigger queue is empty (invisible messages — retries waiting for
   * their visibility timeout — count as not empty). Rejects after `timeoutMs` (real, default 30 000).
   */
  idle(options?: { timeoutMs?: number; pollMs?: number }): Promise<void>;
  /** Stops polling and timers and waits (bounded) for running invocations. Idempotent. */
  stop(): Promise<void>;
}

/** Resolves a binding's `connection` like the host: "" → AzureWebJobsStorage; else X, then AzureWebJobsX. */
export function resolveConnection(connections: Record<string, string>, connection: string): string {
  const candidates = connection ? [connection, `AzureWebJobs${connection}`] : ["AzureWebJobsStorage"];
  for (const name of candidates) {
    const value = connections[name];
    if (value) return value;
  }
  throw new Error(
    `Storage account connection string '${candidates.at(-1)}' does not exist. Make sure that it is a defined App Setting.`,
  );
}

export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  const settings = resolveHostSettings(options.hostJson);
  const clock = createClock(options.timeScale ?? 1, options.now);
  const runtime: HostRuntime = createRuntime({
    clock,
    sink: options.log ?? consoleLogSink,
    functionTimeoutMs: settings.functionTimeoutMs,
  });
  const queueDefs = options.queueFunctions ?? [];
  const timerDefs = options.timerFunctions ?? [];

  const names = [...queueDefs, ...timerDefs].map((d) => d.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new Error(`function '${duplicate}' is defined twice`);

  // Validate everything before starting anything (a bad schedule or connection fails startup).
  const services = new Map<string, QueueServiceClient>();
  const queueListeners = queueDefs.map((def) => {
    const connectionString = resolveConnection(options.connections, def.connection);
    let service = services.get(connectionString);
    if (!service) {
      service = QueueServiceClient.fromConnectionString(connectionString);
      services.set(connectionString, service);
    }
    const poisonName = poisonQueueName(def.queueName);
    const poison: QueueClient | undefined = poisonName ? service.getQueueClient(poisonName) : undefined;
    return new QueueListener(def, runtime, settings.queues, service.getQueueClient(def.queueName), poison);
  });
  const timerListeners = new Map(timerDefs.map((def) => [def.name, new TimerListener(def, runtime)]));

  runtime.log({
    level: "information",
    message: `Found the following functions:\n${names.map((n) => `Host.Functions.${n}`).join("\n")}`,
  });
  if (clock.timeScale !== 1) {
    runtime.log({
      level: "information",
      message: `Host time runs ${clock.timeScale}x faster than real time.`,
    });
  }
  for (const listener of queueListeners) listener.start();
  for (const listener of timerListeners.values()) listener.start();
  runtime.log({ level: "information", message: "Job host started" });

  let stopping: Promise<void> | undefined;
  const stopTimeoutMs = options.stopTimeoutMs ?? 30_000;

  return {
    settings,
    stats: runtime.stats,

    async runTimerNow(name) {
      const listener = timerListeners.get(name);
      if (!listener) throw new Error(`no timer function named '${name}'`);
      await listener.runNow();
    },

    async idle({ timeoutMs = 30_000, pollMs = 50 } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const busy =
          runtime.stats.inFlight > 0 ||
          queueListeners.some((l) => l.inFlight > 0) ||
          [...timerListeners.values()].some((t) => t.running);
        if (!busy) {
          const counts = await Promise.all(
            queueListeners.map(async (l) => {
              try {
                return (await l.queue.getProperties()).approximateMessagesCount ?? 0;
              } catch {
                return 0; // a queue that does not exist holds nothing
              }
            }),
          );
          const stillBusy = runtime.stats.inFlight > 0 || queueListeners.some((l) => l.inFlight > 0);
          if (!stillBusy && counts.every((c) => c === 0)) return;
        }
        if (Date.now() > deadline) {
          throw new Error(`local host not idle after ${timeoutMs} ms (in flight: ${runtime.stats.inFlight})`);
        }
        await new Promise((r) => setTimeout(r, pollMs));
      }
    },

    stop() {
      stopping ??= (async () => {
        runtime.log({ level: "information", message: "Stopping JobHost" });
        const [abandoned] = await Promise.all([
          Promise.all(queueListeners.map((l) => l.stop(stopTimeoutMs))).then((n) =>
            n.reduce((a, b) => a + b, 0),
          ),
          Promise.all([...timerListeners.values()].map((t) => t.stop(stopTimeoutMs))),
        ]);
        if (abandoned > 0) {
          runtime.log({
            level: "warning",
            message: `${abandoned} invocation(s) still running after ${stopTimeoutMs} ms; their messages reappear after the visibility timeout.`,
          });
        }
        runtime.log({ level: "information", message: "Job host stopped" });
      })();
      return stopping;
    },
  };
}
