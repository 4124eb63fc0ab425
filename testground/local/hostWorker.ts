/**
 * One queue-trigger instance of the local Functions host, in its own OS process (forked by
 * testground/local/hostInstances.ts), like one Flex Consumption instance: its own module state, so the Function module
 * it loads builds its own bridge runtime from the process environment (functions/runtime.ts), and its own
 * queue listener with the host's semantics (testground/local/hostQueue.ts). Log lines and counters go to the parent
 * over IPC. A SIGKILL loses what it was running; its messages reappear after the processing visibility.
 *
 * Protocol: testground/local/hostWorkerProtocol.ts; semantics: docs/local-host.md ("Several instances").
 */
import { isAbsolute, join } from "node:path";
import { QueueServiceClient } from "@azure/storage-queue";
import { QueueListener, poisonQueueName, type QueueFunctionDefinition } from "./hostQueue.js";
import { createClock, createRuntime, type HostLogLine } from "./hostRuntime.js";
import type {
  ParentToWorker,
  WorkerSetupContext,
  WorkerStartMessage,
  WorkerToParent,
} from "./hostWorkerProtocol.js";

/** Counters are pushed at least this often while they change (besides every invocation start and end). */
const STATUS_INTERVAL_MS = 200;

function send(message: WorkerToParent): void {
  // A parent that is gone cannot be told; the worker exits on 'disconnect'.
  if (process.connected) process.send?.(message);
}

function resolveModule(path: string): string {
  return isAbsolute(path) ? path : join(__dirname, "..", "..", path);
}

/**
 * Imports a module the way the stack imports the Function definitions: outside the Functions host
 * `@azure/functions` warns on console.warn that it skips `app.*` registrations; those lines become host lines.
 */
async function importQuietly(path: string, log: (line: string) => void): Promise<Record<string, unknown>> {
  const original = console.warn;
  console.warn = (...args: unknown[]) => {
    const text = args.map(String).join(" ");
    if (text.includes("@azure/functions")) log(text);
    else original(...args);
  };
  try {
    return (await import(resolveModule(path))) as Record<string, unknown>;
  } finally {
    console.warn = original;
  }
}

async function start(config: WorkerStartMessage): Promise<void> {
  const clock = createClock(config.timeScale, undefined, config.clockOrigin);
  const runtime = createRuntime({
    clock,
    sink: (line: HostLogLine) => send({ type: "log", line }),
    functionTimeoutMs: config.functionTimeoutMs,
  });
  const hostLine = (message: string) => runtime.log({ level: "warning", message });

  const exports = await importQuietly(config.module.path, hostLine);
  const found = exports[config.module.exportName] as QueueFunctionDefinition | undefined;
  if (!found || typeof found.handler !== "function") {
    throw new Error(`${config.module.path} does not export a queue function '${config.module.exportName}'`);
  }
  // A copy: the setup module may replace the handler without touching the module's own object.
  const definition: QueueFunctionDefinition = {
    name: config.functionName,
    queueName: config.queueName,
    connection: config.connection,
    handler: found.handler,
  };

  const listeners: Array<(payload: unknown) => void> = [];
  if (config.setup) {
    const setupExports = await importQuietly(config.setup.path, hostLine);
    const setupWorker = setupExports.setupWorker as
      ((c: WorkerSetupContext) => Promise<void> | void) | undefined;
    if (typeof setupWorker !== "function")
      throw new Error(`${config.setup.path} does not export setupWorker`);
    await setupWorker({
      instanceIndex: config.instanceIndex,
      options: config.setup.options,
      definition,
      report: (payload) => send({ type: "custom", payload }),
      onMessage: (listener) => listeners.push(listener),
    });
  }

  const service = QueueServiceClient.fromConnectionString(config.connectionString);
  const poisonName = poisonQueueName(config.queueName);
  const listener = new QueueListener(
    definition,
    runtime,
    config.queues,
    service.getQueueClient(config.queueName),
    poisonName ? service.getQueueClient(poisonName) : undefined,
  );

  let lastStatus = "";
  const pushStatus = () => {
    const status = { stats: runtime.stats, listenerInFlight: listener.inFlight };
    const text = JSON.stringify(status);
    if (text === lastStatus) return;
    lastStatus = text;
    send({ type: "status", ...status });
  };
  const execute = runtime.execute.bind(runtime);
  runtime.execute = async (request) => {
    // execute() counts the invocation synchronously, before its first await.
    const result = execute(request);
    pushStatus();
    const outcome = await result;
    pushStatus();
    return outcome;
  };
  const timer = setInterval(pushStatus, STATUS_INTERVAL_MS);

  process.on("message", (message: ParentToWorker) => {
    if (message.type === "custom") {
      for (const l of listeners) l(message.payload);
    } else if (message.type === "stop") {
      void listener.stop(message.timeoutMs).then((abandoned) => {
        clearInterval(timer);
        pushStatus();
        send({ type: "stopped", abandoned });
        process.disconnect();
        // Whatever is still running is abandoned, as when the host shuts an instance down.
        setTimeout(() => process.exit(0), 50).unref();
      });
    }
  });
  listener.start();
  pushStatus();
  send({ type: "ready", pid: process.pid });
}

if (require.main === module) {
  // Without a parent there is nothing to serve; a parent that goes away takes its instances with it.
  process.on("disconnect", () => process.exit(0));
  process.once("message", (message: ParentToWorker) => {
    if (message.type !== "start") return;
    start(message).catch((error: unknown) => {
      send({
        type: "fatal",
        message: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
      setTimeout(() => process.exit(1), 50);
    });
  });
}
