/**
 * The messages between the local Functions host (parent) and one queue-trigger instance (a forked worker
 * process, testground/local/hostWorker.ts). IPC uses `serialization: "advanced"`, so Dates and plain objects cross as
 * they are. Semantics: docs/local-host.md ("Several instances").
 */
import type { InvocationContext } from "@azure/functions";
import type { QueuesOptions } from "./hostConfig.js";
import type { HostLogLine, LocalHostStats } from "./hostRuntime.js";

/** Where a worker finds a queue function: a module exporting a `QueueFunctionDefinition`. */
export interface WorkerFunctionModule {
  /** Absolute path, or a path relative to the compiled tree's root (`functions/podEvents.js`). */
  path: string;
  /** The export holding the definition (`podEventsFunction`). */
  exportName: string;
}

/**
 * A module the worker loads before it starts listening, to wrap the instance's handler or runtime (the chaos
 * run's fault seams). It exports `setupWorker(context)`.
 */
export interface WorkerSetupModule {
  path: string;
  /** Passed to `setupWorker` as `context.options` (structured-clone-able). */
  options?: unknown;
}

export interface WorkerStartMessage {
  type: "start";
  instanceIndex: number;
  functionName: string;
  queueName: string;
  connection: string;
  connectionString: string;
  queues: QueuesOptions;
  functionTimeoutMs: number | undefined;
  timeScale: number;
  clockOrigin: number;
  module: WorkerFunctionModule;
  setup?: WorkerSetupModule;
}

export type ParentToWorker =
  | WorkerStartMessage
  | { type: "stop"; timeoutMs: number }
  /** Delivered to the setup module's `onMessage` listeners. */
  | { type: "custom"; payload: unknown };

/** What the parent needs to know about an instance's work: its host counters and running messages. */
export interface WorkerStatus {
  stats: LocalHostStats;
  /** Messages the listener holds (received, not yet completed). */
  listenerInFlight: number;
}

export type WorkerToParent =
  | { type: "ready"; pid: number }
  | { type: "log"; line: HostLogLine }
  | ({ type: "status" } & WorkerStatus)
  | { type: "stopped"; abandoned: number }
  /** From the setup module (`context.report`). */
  | { type: "custom"; payload: unknown }
  | { type: "fatal"; message: string };

/** What `setupWorker` receives. */
export interface WorkerSetupContext {
  instanceIndex: number;
  options: unknown;
  /** The instance's function definition: replace `handler` to wrap it. */
  definition: { name: string; handler: (message: unknown, context: InvocationContext) => Promise<void> };
  /** Sends a payload to the parent (`LocalHost` option `onInstanceMessage`). */
  report(payload: unknown): void;
  /** Receives payloads the parent sends with `host.sendToInstances`. */
  onMessage(listener: (payload: unknown) => void): void;
}
