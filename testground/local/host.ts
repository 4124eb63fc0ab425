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
import { QueueInstances, type InstanceInfo } from "./hostInstances.js";
import type { WorkerSetupModule } from "./hostWorkerProtocol.js";

export type { HostJsonSettings, QueuesOptions, ResolvedHostSettings } from "./hostConfig.js";
export { parseTimeSpan, resolveHostSettings } from "./hostConfig.js";
export type { QueueFunctionDefinition } from "./hostQueue.js";
export type { InstanceInfo } from "./hostInstances.js";
export type { WorkerFunctionModule, WorkerSetupContext, WorkerSetupModule } from "./hostWorkerProtocol.js";
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
  /**
   * Runs every queue function on this many instances, each a forked OS process with its own module state
   * and its own listener (Flex Consumption's scale-out); the definitions need `module`. Timers stay in this
   * process. Default: undefined — one instance, in this process.
   */
  queueInstances?: number;
  /** Loaded by every queue instance before it listens (wraps handlers or the runtime: the chaos run). */
  instanceSetup?: WorkerSetupModule;
  /** Payloads an instance's setup module reports. */
  onInstanceMessage?: (instanceIndex: number, payload: unknown) => void;
  /** The compiled worker entry. Default: testground/local/hostWorker.js of the compiled tree (dist/). */
  workerEntry?: string;
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
  /** Queue instances: 1 when the queue functions run in this process. */
  readonly instances: number;
  /** Each queue instance (only with `queueInstances`): pid, state, counters. */
  instanceInfo(): InstanceInfo[];
  /**
   * SIGKILLs queue instance `index` (only with `queueInstances`): what it ran is lost, its messages reappear
   * after the processing visibility (10 minutes of host time).
   */
  kill(index: number): void;
  /** Starts a new instance in slot `index` (killing the current one if it is alive), as Flex would. */
  restart(index: number): Promise<void>;
  /** Sends a payload to the instances' setup modules (all, or one). */
  sendToInstances(payload: unknown, index?: number): void;
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
  const sink = options.log ?? consoleLogSink;
  const runtime: HostRuntime = createRuntime({
    clock,
    sink,
    functionTimeoutMs: settings.functionTimeoutMs,
  });
  const queueDefs = options.queueFunctions ?? [];
  const timerDefs = options.timerFunctions ?? [];

  const names = [...queueDefs, ...timerDefs].map((d) => d.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new Error(`function '${duplicate}' is defined twice`);

  // Validate everything before starting anything (a bad schedule or connection fails startup).
  const services = new Map<string, QueueServiceClient>();
  const scaled = options.queueInstances !== undefined;
  const instanceGroups = scaled
    ? queueDefs.map((def) => {
        if (!def.module) {
          throw new Error(`queue function '${def.name}' has no 'module': it cannot run on several instances`);
        }
        return new QueueInstances({
          count: options.queueInstances!,
          functionName: def.name,
          queueName: def.queueName,
          connection: def.connection,
          connectionString: resolveConnection(options.connections, def.connection),
          module: def.module,
          settings,
          timeScale: clock.timeScale,
          clockOrigin: clock.origin,
          ...(options.instanceSetup ? { setup: options.instanceSetup } : {}),
          ...(options.workerEntry ? { entry: options.workerEntry } : {}),
          log: sink,
          ...(options.onInstanceMessage ? { onMessage: options.onInstanceMessage } : {}),
        });
      })
    : [];
  const queueClients = queueDefs.map((def) =>
    QueueServiceClient.fromConnectionString(
      resolveConnection(options.connections, def.connection),
    ).getQueueClient(def.queueName),
  );
  const queueListeners = (scaled ? [] : queueDefs).map((def) => {
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
  await Promise.all(instanceGroups.map((g) => g.startAll()));
  if (scaled) {
    runtime.log({
      level: "information",
      message: `Queue functions run on ${options.queueInstances} instance(s): ${instanceGroups
        .map(
          (g) =>
            `${queueDefs[instanceGroups.indexOf(g)]?.name} pids ${g
              .info()
              .map((i) => i.pid)
              .join(", ")}`,
        )
        .join("; ")}`,
    });
  }
  for (const listener of timerListeners.values()) listener.start();
  runtime.log({ level: "information", message: "Job host started" });

  let stopping: Promise<void> | undefined;
  const stopTimeoutMs = options.stopTimeoutMs ?? 30_000;

  const stats = (): LocalHostStats => {
    if (!scaled) return runtime.stats;
    const total = structuredClone(runtime.stats);
    for (const g of instanceGroups) g.addStatsTo(total);
    total.maxInFlight = Math.max(runtime.stats.maxInFlight, ...instanceGroups.map((g) => g.maxInFlight));
    return total;
  };
  const scaledOnly = (): void => {
    if (!scaled)
      throw new Error("kill/restart need queueInstances (the queue functions run in this process)");
  };

  return {
    settings,
    get stats() {
      return stats();
    },
    instances: options.queueInstances ?? 1,
    instanceInfo: () => instanceGroups.flatMap((g) => g.info()),
    kill(index) {
      scaledOnly();
      for (const g of instanceGroups) g.kill(index);
    },
    async restart(index) {
      scaledOnly();
      await Promise.all(instanceGroups.map((g) => g.restart(index)));
    },
    sendToInstances(payload, index) {
      for (const g of instanceGroups) g.send(payload, index);
    },

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
          instanceGroups.some((g) => g.busy) ||
          [...timerListeners.values()].some((t) => t.running);
        if (!busy) {
          const counts = await Promise.all(
            queueClients.map(async (queue) => {
              try {
                return (await queue.getProperties()).approximateMessagesCount ?? 0;
              } catch {
                return 0; // a queue that does not exist holds nothing
              }
            }),
          );
          const stillBusy =
            runtime.stats.inFlight > 0 ||
            queueListeners.some((l) => l.inFlight > 0) ||
            instanceGroups.some((g) => g.busy);
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
          Promise.all([
            ...queueListeners.map((l) => l.stop(stopTimeoutMs)),
            ...instanceGroups.map((g) => g.stop(stopTimeoutMs)),
          ]).then((n) => n.reduce((a, b) => a + b, 0)),
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
