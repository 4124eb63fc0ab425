/**
 * The `pod-events` queue message, version 1 (docs/architecture.md#queue-message). A message only says
 * "look at pod X": the receiver reads the pod and its container group and converges them, so nothing in
 * the payload is trusted beyond naming the pod.
 */
import { InvalidMessageError } from "../errors.js";

export const POD_EVENTS_QUEUE = "pod-events";
export const POD_EVENTS_POISON_QUEUE = "pod-events-poison";

export const MESSAGE_REASONS = ["added", "updated", "deleted", "resync", "status"] as const;
export type MessageReason = (typeof MESSAGE_REASONS)[number];

export interface PodMessage {
  v: 1;
  ns: string;
  name: string;
  /** The pod uid the sender saw; absent when unknown (e.g. a manual replay). */
  uid?: string;
  reason: MessageReason;
  /** When the sender produced the message (ISO 8601). Informational. */
  at?: string;
  /**
   * How many times handling this pod has already failed with a transient error (set only on the delayed
   * copies podEvents sends for its own retries; absent on the watcher's messages). Chooses the back-off.
   */
  attempt?: number;
  /**
   * How many times podEvents has already re-sent this message (a throttling deferral or a transient-error
   * retry; absent on everyone else's messages). Orders a pod's re-send chains, so an instance can let a
   * duplicate or younger chain end where a further-along one of the same pod is on its way
   * (docs/adr/0007-one-resend-chain-per-pod.md).
   */
  hop?: number;
}

/** Highest `attempt` accepted (the back-off is capped long before). */
export const MAX_ATTEMPT = 10_000;
/** Highest `hop` accepted: a create deferred every few seconds for a year stays under it. */
export const MAX_HOP = 1_000_000_000;

/** Storage queue messages are at most 64 KiB; ours are ~200 bytes, so anything near that is hostile. */
export const MAX_MESSAGE_BYTES = 4096;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const UID = /^[0-9a-fA-F-]{1,64}$/;

export function isNamespaceName(value: string): boolean {
  return value.length <= 63 && DNS1123_LABEL.test(value);
}

export function isPodName(value: string): boolean {
  return value.length <= 253 && DNS1123_SUBDOMAIN.test(value);
}

/**
 * Validates a message body as the Functions library hands it over (already JSON-parsed when it was JSON,
 * else a string or Buffer). Throws `InvalidMessageError` naming the first problem; never echoes the body.
 */
export function parsePodMessage(body: unknown): PodMessage {
  let value = body;
  if (Buffer.isBuffer(value)) value = value.toString("utf8");
  if (typeof value === "string") {
    if (Buffer.byteLength(value) > MAX_MESSAGE_BYTES) {
      throw new InvalidMessageError(
        `message is ${Buffer.byteLength(value)} bytes (max ${MAX_MESSAGE_BYTES})`,
      );
    }
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      throw new InvalidMessageError("message is not JSON");
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidMessageError("message is not a JSON object");
  }
  const raw = value as Record<string, unknown>;
  if (JSON.stringify(raw).length > MAX_MESSAGE_BYTES) {
    throw new InvalidMessageError(`message is larger than ${MAX_MESSAGE_BYTES} bytes`);
  }
  if (raw.v !== 1) throw new InvalidMessageError(`unsupported message version ${describe(raw.v)}`);
  const { ns, name, uid, reason, at, attempt, hop } = raw;
  if (typeof ns !== "string" || !isNamespaceName(ns)) {
    throw new InvalidMessageError("field ns: must be a Kubernetes namespace name (DNS-1123 label)");
  }
  if (typeof name !== "string" || !isPodName(name)) {
    throw new InvalidMessageError("field name: must be a Kubernetes pod name (DNS-1123 subdomain)");
  }
  if (uid !== undefined && (typeof uid !== "string" || !UID.test(uid))) {
    throw new InvalidMessageError("field uid: must be a Kubernetes uid");
  }
  if (typeof reason !== "string" || !(MESSAGE_REASONS as readonly string[]).includes(reason)) {
    throw new InvalidMessageError(`field reason: must be one of ${MESSAGE_REASONS.join(", ")}`);
  }
  if (at !== undefined && (typeof at !== "string" || at.length > 40 || Number.isNaN(Date.parse(at)))) {
    throw new InvalidMessageError("field at: must be an ISO 8601 time");
  }
  if (
    attempt !== undefined &&
    (typeof attempt !== "number" || !Number.isInteger(attempt) || attempt < 1 || attempt > MAX_ATTEMPT)
  ) {
    throw new InvalidMessageError(`field attempt: must be an integer from 1 to ${MAX_ATTEMPT}`);
  }
  if (hop !== undefined && (typeof hop !== "number" || !Number.isInteger(hop) || hop < 1 || hop > MAX_HOP)) {
    throw new InvalidMessageError(`field hop: must be an integer from 1 to ${MAX_HOP}`);
  }
  const message: PodMessage = { v: 1, ns, name, reason: reason as MessageReason };
  if (uid !== undefined) message.uid = uid;
  if (at !== undefined) message.at = at;
  if (attempt !== undefined) message.attempt = attempt;
  if (hop !== undefined) message.hop = hop;
  return message;
}

function describe(v: unknown): string {
  if (v === undefined) return "(missing)";
  const text = typeof v === "string" ? JSON.stringify(v) : typeof v === "number" ? String(v) : typeof v;
  return text.length > 20 ? text.slice(0, 20) + "…" : text;
}

/** Body as the Functions host expects with the default `messageEncoding: base64` (docs/architecture.md#platform-facts). */
export function encodePodMessage(message: PodMessage): string {
  return Buffer.from(JSON.stringify(message), "utf8").toString("base64");
}

/** The pod key, `<namespace>/<name>`: log lines, locks, the watcher's caches and coalescing all use it. */
export function podKey(ns: string, name: string): string {
  return `${ns}/${name}`;
}

/** What a sender knows when it decides to send: the pod and why. */
export interface PodChange {
  ns: string;
  name: string;
  uid?: string;
  reason: MessageReason;
}

/** The v1 message for `change`, stamped `now` (`at` is informational). */
export function toMessage(change: PodChange, now: Date): PodMessage {
  const message: PodMessage = {
    v: 1,
    ns: change.ns,
    name: change.name,
    reason: change.reason,
    at: now.toISOString(),
  };
  if (change.uid) message.uid = change.uid;
  return message;
}

const STRENGTH: Record<MessageReason, number> = { status: 0, resync: 1, updated: 2, added: 3, deleted: 4 };

/**
 * The reason two merged messages for one pod carry: the stronger (deleted > added > updated > resync >
 * status). Any reason makes the receiver look at the pod; the stronger one only says more in the logs.
 */
export function strongerReason(a: MessageReason, b: MessageReason): MessageReason {
  return STRENGTH[b] > STRENGTH[a] ? b : a;
}

/**
 * Sends v1 messages to `pod-events` (the port the reconcilers and the watcher use; adapters: `client.ts`
 * over the Storage SDK, `http.ts` over plain HTTP; tests fake it).
 */
export interface PodMessageSender {
  /**
   * Sends `message`, invisible for `delaySeconds` (0 = now; rounded up to whole seconds, at most 7 days).
   * Throws the project's error types (`errors.ts` table); a send may be retried: duplicates are harmless.
   */
  send(message: PodMessage, delaySeconds?: number): Promise<void>;
}
