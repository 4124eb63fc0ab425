/**
 * The project's error types. Adapters (ARM, Kubernetes, queue) turn SDK errors into these, so the
 * reconcilers decide on kinds, not on status codes: transient errors are thrown to the host for a retry,
 * terminal ones become a Failed pod or a poison message.
 */

export type ErrorKind =
  | "NotFound"
  | "Conflict"
  | "Throttled"
  | "Transient"
  | "Unauthorized"
  | "InvalidPodSpec"
  | "QuotaExceeded"
  | "InvalidMessage"
  | "Config";

export abstract class AciBridgeError extends Error {
  abstract readonly kind: ErrorKind;
  /** Whether retrying the same work later may succeed. Terminal errors are never retried. */
  abstract readonly transient: boolean;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The object does not exist (HTTP 404). Deleting something already gone is not an error: adapters swallow it. */
export class NotFoundError extends AciBridgeError {
  readonly kind = "NotFound";
  readonly transient = false;
}

/** A write lost a race (HTTP 409 on a stale resourceVersion or a uid precondition). Retry after a re-read. */
export class ConflictError extends AciBridgeError {
  readonly kind = "Conflict";
  readonly transient = true;
}

/** The service asked us to slow down (HTTP 429). `retryAfterMs` comes from `Retry-After` when present. */
export class ThrottledError extends AciBridgeError {
  readonly kind = "Throttled";
  readonly transient = true;
  constructor(
    message: string,
    readonly retryAfterMs: number | undefined,
    options?: { cause?: unknown; write?: boolean },
  ) {
    super(message, options);
    this.write = options?.write ?? false;
  }
  /** Whether a write (create/delete, or the create quota) was throttled: ARM budgets reads and writes apart. */
  readonly write: boolean;
}

/**
 * The service refused the write because of the object's current state, and said to retry later (ACI's 409
 * `ContainerGroupTransitioning`: the group is mid-operation). A `ThrottledError` so that callers that
 * defer throttled work (re-enqueue with `retryAfterMs`) defer this too, without closing any write gate
 * (`write` is false); `code` is the service's error code.
 */
export class RetryLaterError extends ThrottledError {
  constructor(
    message: string,
    readonly code: string,
    retryAfterMs: number,
    options?: { cause?: unknown },
  ) {
    super(message, retryAfterMs, { ...options, write: false });
  }
}

/** 5xx, timeouts, connection resets: the same call may work later. */
export class TransientError extends AciBridgeError {
  readonly kind = "Transient";
  readonly transient = true;
  constructor(
    message: string,
    readonly statusCode?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** 401/403 from ARM or Kubernetes: retried (credentials rotate), and surfaced on the Node's Ready condition. */
export class UnauthorizedError extends AciBridgeError {
  readonly kind = "Unauthorized";
  readonly transient = true;
  constructor(
    message: string,
    readonly statusCode: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type InvalidPodSpecReason = "UnsupportedPodSpec" | "InvalidPodSpec" | "MissingReference";

/**
 * Terminal: the pod cannot run on ACI as written. `field` is the pod field path
 * (e.g. `spec.containers[0].volumeMounts[1].subPath`). The message never contains secret values.
 */
export class InvalidPodSpecError extends AciBridgeError {
  readonly kind = "InvalidPodSpec";
  readonly transient = false;
  constructor(
    readonly field: string,
    readonly why: string,
    readonly reason: InvalidPodSpecReason = "UnsupportedPodSpec",
  ) {
    super(`${field}: ${why}`);
  }
}

/** Terminal: ACI refused the group for a quota that waiting cannot meet (e.g. cores per region). */
export class QuotaExceededError extends AciBridgeError {
  readonly kind = "QuotaExceeded";
  readonly transient = false;
  constructor(
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A queue message that is not a valid v1 message. Goes to the poison queue, never retried. */
export class InvalidMessageError extends AciBridgeError {
  readonly kind = "InvalidMessage";
  readonly transient = false;
}

/** A setting is missing or malformed. Raised at start-up with the setting's name. */
export class ConfigError extends AciBridgeError {
  readonly kind = "Config";
  readonly transient = false;
}

/** Turns anything thrown into an Error (JavaScript allows throwing strings and objects). */
export function ensureError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (typeof value === "string") return new Error(value);
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch {
    text = String(value);
  }
  return new Error(`non-error thrown: ${text}`);
}

/** True for errors worth retrying; unknown errors count as transient so nothing is marked Failed by mistake. */
export function isTransient(error: unknown): boolean {
  if (error instanceof AciBridgeError) return error.transient;
  return true;
}
