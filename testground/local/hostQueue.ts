/**
 * The queue trigger of the local Functions host: one listener per queue-triggered function, following
 * the Storage queues extension (QueueListener / QueueProcessor in azure-webjobs-sdk and
 * Microsoft.Azure.WebJobs.Extensions.Storage.Queues):
 *
 * - Get up to `batchSize` messages with a 10-minute visibility, renewed at half-time while the function runs;
 * - start them all concurrently; wait until at most `newBatchThreshold` are still running, then fetch
 *   the next batch at once (so at most batchSize + newBatchThreshold run at once);
 * - an empty queue (or a missing one, or a 5xx) backs off with a randomized exponential delay from 100 ms up
 *   to `maxPollingInterval`, reset to 100 ms after a poll that found messages;
 * - `messageEncoding: base64`: a body that is not valid base64 is logged ("Message decoding has failed!")
 *   and moved to the poison queue without invoking the function;
 * - a message with dequeueCount > maxDequeueCount is moved to the poison queue before invoking;
 * - success → delete; failure → if dequeueCount >= maxDequeueCount move to `<queue>-poison` (created if
 *   needed) and delete, else make it visible again after `visibilityTimeout`;
 * - the handler gets what the Node library gives it: the body string JSON-parsed when it parses, else the
 *   string (a Buffer when the bytes are not UTF-8), and triggerMetadata converted like
 *   `fromRpcTriggerMetadata` (camelCase keys, string values JSON-parsed when they parse).
 */
import { randomUUID } from "node:crypto";
import { RestError, type DequeuedMessageItem, type QueueClient } from "@azure/storage-queue";
import type { InvocationContext, TriggerMetadata } from "@azure/functions";
import { MIN_POLLING_INTERVAL_MS, formatTimeSpan, type QueuesOptions } from "./hostConfig.js";
import { toDotNetDate, type HostRuntime } from "./hostRuntime.js";
import type { WorkerFunctionModule } from "./hostWorkerProtocol.js";

/** A queue-triggered function, as `functions/*.ts` export it (compatible with `app.storageQueue`). */
export interface QueueFunctionDefinition {
  name: string;
  queueName: string;
  /** App setting name of the storage connection ("" → AzureWebJobsStorage). */
  connection: string;
  handler: (message: unknown, context: InvocationContext) => Promise<void>;
  /**
   * Where an instance process finds this definition, for hosts that run the queue functions on several
   * instances (`queueInstances`): a module and the export holding the definition.
   */
  module?: WorkerFunctionModule;
}

/** The host keeps a message invisible this long while the function runs, renewing it at half-time. */
export const PROCESSING_VISIBILITY_MS = 10 * 60_000;
/** RandomizedExponentialBackoffStrategy.RandomizationFactor. */
const RANDOMIZATION_FACTOR = 0.2;
/** Storage queue names are at most 63 characters; no poison queue when `-poison` does not fit. */
const MAX_QUEUE_NAME = 63;
export const POISON_SUFFIX = "-poison";

/** The poison queue name, or undefined where the host has none (already `-poison`, or too long). */
export function poisonQueueName(queueName: string): string | undefined {
  if (queueName.endsWith(POISON_SUFFIX)) return undefined;
  const name = queueName + POISON_SUFFIX;
  return name.length > MAX_QUEUE_NAME ? undefined : name;
}

/** RandomizedExponentialBackoffStrategy(minimum = 100 ms, maximum = maxPollingInterval). */
export class RandomizedExponentialBackoff {
  #current = 0;
  #exponent = 0;
  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}
  next(executionSucceeded: boolean): number {
    if (executionSucceeded) {
      this.#current = this.minMs;
      this.#exponent = 1;
    } else if (this.#current !== this.maxMs) {
      let interval = this.minMs;
      if (this.#exponent > 0) {
        const factor = 1 - RANDOMIZATION_FACTOR + this.random() * 2 * RANDOMIZATION_FACTOR;
        interval += factor * 2 ** (this.#exponent - 1) * this.minMs;
      }
      if (interval < this.maxMs) {
        this.#current = interval;
        this.#exponent++;
      } else {
        this.#current = this.maxMs;
      }
    }
    return this.#current;
  }
}

/** Convert.FromBase64String: whitespace ignored, length a multiple of 4, padding only at the end. */
export function decodeBase64Strict(text: string): Buffer | undefined {
  const s = text.replace(/[ \t\r\n]/g, "");
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return undefined;
  return Buffer.from(s, "base64");
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
function tryUtf8(bytes: Buffer): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** The Node library's `tryJsonParse` (fromRpcTypedData). */
function tryJsonParse(data: string): unknown {
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return data;
  }
}

function statusOf(error: unknown): number | undefined {
  return error instanceof RestError ? error.statusCode : undefined;
}

/** 404 (message or queue gone) or 400 PopReceiptMismatch: someone else owns it; nothing to do. */
function isGoneOrTakenOver(error: unknown): boolean {
  const status = statusOf(error);
  if (status === 404) return true;
  return (
    status === 400 && error instanceof RestError && /popreceipt/i.test(`${error.code ?? ""}${error.message}`)
  );
}

export class QueueListener {
  readonly #processing = new Set<Promise<void>>();
  readonly #abort = new AbortController();
  readonly #backoff: RandomizedExponentialBackoff;
  #foundSinceLastDelay = false;
  #loop: Promise<void> | undefined;
  #poisonCreated = false;
  #missingQueueLogged = false;
  readonly #poisonName: string | undefined;

  constructor(
    readonly definition: QueueFunctionDefinition,
    private readonly runtime: HostRuntime,
    private readonly options: QueuesOptions,
    readonly queue: QueueClient,
    private readonly poisonQueue: QueueClient | undefined,
  ) {
    this.#backoff = new RandomizedExponentialBackoff(MIN_POLLING_INTERVAL_MS, options.maxPollingIntervalMs);
    this.#poisonName = poisonQueue ? poisonQueueName(definition.queueName) : undefined;
  }

  get inFlight(): number {
    return this.#processing.size;
  }

  start(): void {
    const o = this.options;
    this.runtime.log({
      level: "information",
      functionName: this.definition.name,
      message:
        `Listening on queue '${this.definition.queueName}' for 'Functions.${this.definition.name}': ` +
        `BatchSize=${o.batchSize}, NewBatchThreshold=${o.newBatchThreshold}, ` +
        `MaxPollingInterval=${formatTimeSpan(o.maxPollingIntervalMs)}, ` +
        `VisibilityTimeout=${formatTimeSpan(o.visibilityTimeoutMs)}, MaxDequeueCount=${o.maxDequeueCount}, ` +
        `MessageEncoding=${o.messageEncoding}`,
    });
    this.#loop = this.#run();
  }

  /** Stops polling; waits (up to `timeoutMs` real) for running invocations. Returns how many were abandoned. */
  async stop(timeoutMs: number): Promise<number> {
    this.#abort.abort();
    await this.#loop;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    const outcome = await Promise.race([Promise.allSettled([...this.#processing]), timedOut]);
    clearTimeout(timer);
    return outcome === "timeout" ? this.#processing.size : 0;
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      let batch: DequeuedMessageItem[];
      try {
        const response = await this.queue.receiveMessages({
          numberOfMessages: this.options.batchSize,
          visibilityTimeout: this.#seconds(PROCESSING_VISIBILITY_MS, 1),
          abortSignal: signal,
        });
        batch = response.receivedMessageItems;
        this.#missingQueueLogged = false;
      } catch (error) {
        if (signal.aborted) break;
        this.#logReceiveError(error);
        await this.#backoffDelay();
        continue;
      }
      if (batch.length === 0) {
        await this.#backoffDelay();
        continue;
      }
      for (const message of batch) {
        const task: Promise<void> = this.#process(message).finally(() => this.#processing.delete(task));
        this.#processing.add(task);
      }
      this.#foundSinceLastDelay = true;
      await this.#waitForNewBatchThreshold();
    }
  }

  async #backoffDelay(): Promise<void> {
    const delay = this.#backoff.next(this.#foundSinceLastDelay);
    this.#foundSinceLastDelay = false;
    await this.runtime.clock.sleep(delay, this.#abort.signal);
  }

  async #waitForNewBatchThreshold(): Promise<void> {
    const signal = this.#abort.signal;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<void>((resolve) => {
      onAbort = resolve;
      if (signal.aborted) resolve();
      signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      while (this.#processing.size > this.options.newBatchThreshold && !signal.aborted) {
        await Promise.race([...this.#processing, aborted]);
      }
    } finally {
      // One listener per batch would pile up on the listener's long-lived signal.
      if (onAbort) signal.removeEventListener("abort", onAbort);
    }
  }

  #logReceiveError(error: unknown): void {
    const status = statusOf(error);
    if (status === 404) {
      if (!this.#missingQueueLogged) {
        this.#missingQueueLogged = true;
        this.runtime.log({
          level: "warning",
          functionName: this.definition.name,
          message: `Queue '${this.definition.queueName}' does not exist; polling it with back-off until it does.`,
        });
      }
      return;
    }
    this.runtime.log({
      level: status !== undefined && status >= 500 ? "warning" : "error",
      functionName: this.definition.name,
      message: `Error getting messages from queue '${this.definition.queueName}': ${(error as Error).message}`,
    });
  }

  /** Host milliseconds → whole real seconds for Storage (1-second granularity), at least `min`. */
  #seconds(ms: number, min = 0): number {
    return Math.max(min, Math.ceil(this.runtime.clock.toReal(ms) / 1000));
  }

  async #process(message: DequeuedMessageItem): Promise<void> {
    const { name } = this.definition;
    let bytes: Buffer;
    if (this.options.messageEncoding === "base64") {
      const decoded = decodeBase64Strict(message.messageText);
      if (!decoded) {
        this.runtime.stats.decodeFailures++;
        this.runtime.log({
          level: "warning",
          functionName: name,
          message: `Message decoding has failed! Check MessageEncoding settings. MessageId=${message.messageId}.`,
        });
        await this.#moveToPoison(message, message.popReceipt);
        return;
      }
      bytes = decoded;
    } else {
      bytes = Buffer.from(message.messageText, "utf8");
    }

    if (message.dequeueCount > this.options.maxDequeueCount) {
      await this.#moveToPoison(message, message.popReceipt);
      return;
    }

    const text = tryUtf8(bytes);
    const input: unknown = text === undefined ? bytes : tryJsonParse(text);
    const receipt = { popReceipt: message.popReceipt };
    const renewal = this.#startVisibilityRenewal(message, receipt);
    let succeeded = false;
    try {
      const result = await this.runtime.execute({
        functionName: name,
        reason: `New queue message detected on '${this.definition.queueName}'.`,
        details:
          `MessageId: ${message.messageId}, DequeueCount: ${message.dequeueCount}, ` +
          `InsertedOn: ${toDotNetDate(message.insertedOn)}`,
        triggerMetadata: this.#triggerMetadata(message, text),
        trigger: {
          type: "queueTrigger",
          name: "queueItem",
          queueName: this.definition.queueName,
          connection: this.definition.connection,
        },
        run: (context) => this.definition.handler(input, context),
      });
      succeeded = result.succeeded;
    } finally {
      await renewal.stop();
    }
    await this.#complete(message, receipt.popReceipt, succeeded);
  }

  /** The metadata the host sends (QueueTriggerBinding.CreateBindingData + `sys`), converted by the library. */
  #triggerMetadata(message: DequeuedMessageItem, text: string | undefined): TriggerMetadata {
    const now = this.runtime.clock.now();
    const rpc: Record<string, unknown> = {
      DequeueCount: message.dequeueCount,
      ExpirationTime: toDotNetDate(message.expiresOn),
      Id: message.messageId,
      InsertionTime: toDotNetDate(message.insertedOn),
      NextVisibleTime: toDotNetDate(message.nextVisibleOn),
      PopReceipt: message.popReceipt,
      sys: { MethodName: this.definition.name, UtcNow: toDotNetDate(now), RandGuid: randomUUID() },
    };
    // Not provided when the body is not a valid string (QueueTriggerBinding).
    if (text !== undefined) rpc.QueueTrigger = text;
    const out: TriggerMetadata = {};
    for (const [key, value] of Object.entries(rpc)) {
      out[key.charAt(0).toLowerCase() + key.slice(1)] = camelCaseValue(
        typeof value === "string" ? tryJsonParse(value) : value,
      );
    }
    return out;
  }

  /** Keeps the message invisible while the function runs: renew at half the visibility (QueueListener). */
  #startVisibilityRenewal(
    message: DequeuedMessageItem,
    receipt: { popReceipt: string },
  ): { stop(): Promise<void> } {
    let stopped = false;
    let pending: Promise<void> = Promise.resolve();
    let handle: NodeJS.Timeout | undefined;
    const intervalReal = this.runtime.clock.toReal(PROCESSING_VISIBILITY_MS / 2);
    const schedule = () => {
      handle = setTimeout(() => {
        pending = this.queue
          .updateMessage(
            message.messageId,
            receipt.popReceipt,
            undefined,
            this.#seconds(PROCESSING_VISIBILITY_MS, 1),
          )
          .then((r) => {
            if (r.popReceipt) receipt.popReceipt = r.popReceipt;
          })
          .catch((error: unknown) => {
            this.runtime.log({
              level: "warning",
              functionName: this.definition.name,
              message: `Could not renew the visibility of message '${message.messageId}': ${(error as Error).message}`,
            });
          })
          .finally(() => {
            if (!stopped) schedule();
          });
      }, intervalReal);
    };
    schedule();
    return {
      async stop() {
        stopped = true;
        clearTimeout(handle);
        await pending;
      },
    };
  }

  async #complete(message: DequeuedMessageItem, popReceipt: string, succeeded: boolean): Promise<void> {
    if (succeeded) {
      await this.#delete(message.messageId, popReceipt);
      return;
    }
    if (!this.poisonQueue) {
      // No poison queue for this queue: leave the message invisible to avoid a fast infinite loop.
      return;
    }
    if (message.dequeueCount >= this.options.maxDequeueCount) {
      await this.#moveToPoison(message, popReceipt);
      return;
    }
    try {
      await this.queue.updateMessage(
        message.messageId,
        popReceipt,
        undefined,
        this.#seconds(this.options.visibilityTimeoutMs),
      );
    } catch (error) {
      if (!isGoneOrTakenOver(error)) this.#logStorageError("release", message.messageId, error);
    }
  }

  async #moveToPoison(message: DequeuedMessageItem, popReceipt: string): Promise<void> {
    if (!this.poisonQueue || !this.#poisonName) return;
    this.runtime.log({
      level: "warning",
      functionName: this.definition.name,
      message:
        `Message Id '${message.messageId}' has reached MaxDequeueCount of ${this.options.maxDequeueCount}. ` +
        `Moving message to queue '${this.#poisonName}'.`,
    });
    try {
      if (!this.#poisonCreated) {
        await this.poisonQueue.createIfNotExists();
        this.#poisonCreated = true;
      }
      // The body as stored (still encoded), so the poison queue holds what the sender sent.
      await this.poisonQueue.sendMessage(message.messageText);
    } catch (error) {
      this.#logStorageError("move to the poison queue", message.messageId, error);
      return;
    }
    this.runtime.stats.poisoned++;
    await this.#delete(message.messageId, popReceipt);
  }

  async #delete(messageId: string, popReceipt: string): Promise<void> {
    try {
      await this.queue.deleteMessage(messageId, popReceipt);
    } catch (error) {
      if (!isGoneOrTakenOver(error)) this.#logStorageError("delete", messageId, error);
    }
  }

  #logStorageError(action: string, messageId: string, error: unknown): void {
    this.runtime.log({
      level: "error",
      functionName: this.definition.name,
      message: `Could not ${action} message '${messageId}' on queue '${this.definition.queueName}': ${(error as Error).message}`,
    });
  }
}

/** The library's toCamelCaseValue. */
function camelCaseValue(data: unknown): unknown {
  if (typeof data !== "object" || data === null) return data;
  if (Array.isArray(data)) return data.map(camelCaseValue);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    out[key.charAt(0).toLowerCase() + key.slice(1)] = camelCaseValue(value);
  }
  return out;
}
