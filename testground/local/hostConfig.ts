/**
 * host.json for the local Functions host: the `extensions.queues` settings and `functionTimeout`, resolved
 * with the Functions host's defaults and limits (QueuesOptions in the Storage queues extension), and .NET
 * `TimeSpan` strings parsed the way the host parses them.
 */
import { readFileSync } from "node:fs";

/** The parts of a host.json file the local host reads (the file's own shape). */
export interface HostJsonSettings {
  version?: string;
  functionTimeout?: string;
  extensions?: {
    queues?: {
      maxPollingInterval?: string | number;
      visibilityTimeout?: string | number;
      batchSize?: number;
      newBatchThreshold?: number;
      maxDequeueCount?: number;
      messageEncoding?: string;
    };
  };
  [key: string]: unknown;
}

export type MessageEncoding = "base64" | "none";

/** Resolved queue trigger settings, durations in milliseconds. */
export interface QueuesOptions {
  maxPollingIntervalMs: number;
  visibilityTimeoutMs: number;
  batchSize: number;
  newBatchThreshold: number;
  maxDequeueCount: number;
  messageEncoding: MessageEncoding;
}

export interface ResolvedHostSettings {
  queues: QueuesOptions;
  /** Undefined when host.json sets none (the Consumption default is 5 min; Flex/Premium 30 min). */
  functionTimeoutMs: number | undefined;
}

/** Host defaults (QueuesOptions / QueuePollingIntervals). */
export const QUEUE_DEFAULTS = {
  maxPollingIntervalMs: 60_000,
  visibilityTimeoutMs: 0,
  batchSize: 16,
  maxDequeueCount: 5,
  messageEncoding: "base64" as MessageEncoding,
};
/** Storage returns at most 32 messages per Get Messages call. */
export const MAX_BATCH_SIZE = 32;
/** QueuePollingIntervals.Minimum: the first back-off step and the smallest allowed maxPollingInterval. */
export const MIN_POLLING_INTERVAL_MS = 100;

export class HostConfigError extends Error {
  override name = "HostConfigError";
}

/**
 * Parses a .NET TimeSpan string like `TimeSpan.Parse` does: `d`, `hh:mm`, `hh:mm:ss`, `d.hh:mm:ss` and
 * an optional `.fffffff` fraction. Note the .NET trap the host inherits: a bare number means DAYS
 * (`"2000"` is 2000 days, azure-webjobs-sdk#2967). A JSON number is treated the same way.
 */
export function parseTimeSpan(value: string | number): number {
  const text = String(value).trim();
  const m = /^(-)?(?:(\d+)|(?:(\d+)\.)?(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,7}))?)?)$/.exec(text);
  if (!m) throw new HostConfigError(`'${text}' is not a valid TimeSpan (expected [d.]hh:mm[:ss[.fffffff]])`);
  const sign = m[1] ? -1 : 1;
  if (m[2] !== undefined) return sign * Number(m[2]) * 86_400_000;
  const days = Number(m[3] ?? 0);
  const hours = Number(m[4]);
  const minutes = Number(m[5]);
  const seconds = Number(m[6] ?? 0);
  if (hours > 23 || minutes > 59 || seconds > 59) {
    throw new HostConfigError(`'${text}' is not a valid TimeSpan (a component is out of range)`);
  }
  const fraction = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
  return sign * (((days * 24 + hours) * 60 + minutes) * 60_000 + seconds * 1000 + fraction);
}

/** Formats milliseconds as the host prints a TimeSpan (`00:00:05`, `00:00:00.1000000`). */
export function formatTimeSpan(ms: number): string {
  const total = Math.abs(ms);
  const days = Math.floor(total / 86_400_000);
  const h = Math.floor((total % 86_400_000) / 3_600_000);
  const mi = Math.floor((total % 3_600_000) / 60_000);
  const s = Math.floor((total % 60_000) / 1000);
  const frac = Math.round((total % 1000) * 10_000);
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return (
    (ms < 0 ? "-" : "") +
    (days ? `${days}.` : "") +
    `${pad(h)}:${pad(mi)}:${pad(s)}` +
    (frac ? `.${pad(frac, 7)}` : "")
  );
}

export function loadHostJson(path: string): HostJsonSettings {
  const text = readFileSync(path, "utf8");
  try {
    return JSON.parse(text) as HostJsonSettings;
  } catch (error) {
    throw new HostConfigError(`${path}: not valid JSON (${(error as Error).message})`);
  }
}

/** Applies the host's defaults and validation (QueuesOptions setters) to host.json. */
export function resolveHostSettings(hostJson: HostJsonSettings | string): ResolvedHostSettings {
  const json = typeof hostJson === "string" ? loadHostJson(hostJson) : hostJson;
  const q = json.extensions?.queues ?? {};

  const batchSize = q.batchSize ?? QUEUE_DEFAULTS.batchSize;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw new HostConfigError(`extensions.queues.batchSize must be an integer 1-${MAX_BATCH_SIZE}`);
  }
  // Default: batchSize / 2 (the host multiplies by the vCPU count; one local "instance" = 1).
  const newBatchThreshold = q.newBatchThreshold ?? Math.floor(batchSize / 2);
  if (!Number.isInteger(newBatchThreshold) || newBatchThreshold < 0) {
    throw new HostConfigError("extensions.queues.newBatchThreshold must be an integer >= 0");
  }
  const maxDequeueCount = q.maxDequeueCount ?? QUEUE_DEFAULTS.maxDequeueCount;
  if (!Number.isInteger(maxDequeueCount) || maxDequeueCount < 1) {
    throw new HostConfigError("extensions.queues.maxDequeueCount must not be less than 1");
  }
  const maxPollingIntervalMs =
    q.maxPollingInterval === undefined
      ? QUEUE_DEFAULTS.maxPollingIntervalMs
      : parseTimeSpan(q.maxPollingInterval);
  if (maxPollingIntervalMs < MIN_POLLING_INTERVAL_MS) {
    throw new HostConfigError(
      `extensions.queues.maxPollingInterval must not be less than ${formatTimeSpan(MIN_POLLING_INTERVAL_MS)}`,
    );
  }
  const visibilityTimeoutMs =
    q.visibilityTimeout === undefined
      ? QUEUE_DEFAULTS.visibilityTimeoutMs
      : parseTimeSpan(q.visibilityTimeout);
  if (visibilityTimeoutMs < 0) throw new HostConfigError("extensions.queues.visibilityTimeout must be >= 0");

  const encodingText = (q.messageEncoding ?? QUEUE_DEFAULTS.messageEncoding).toLowerCase();
  if (encodingText !== "base64" && encodingText !== "none") {
    throw new HostConfigError(
      `extensions.queues.messageEncoding must be 'base64' or 'none', not '${encodingText}'`,
    );
  }

  return {
    queues: {
      maxPollingIntervalMs,
      visibilityTimeoutMs,
      batchSize,
      newBatchThreshold,
      maxDequeueCount,
      messageEncoding: encodingText,
    },
    functionTimeoutMs: json.functionTimeout === undefined ? undefined : parseTimeSpan(json.functionTimeout),
  };
}
