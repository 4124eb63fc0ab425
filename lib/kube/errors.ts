/**
 * The one Kubernetes error table: an API server answer (HTTP status, the `reason` of its `Status` body,
 * `Retry-After`) becomes one of the project's error types. Both Kubernetes adapters use it: the client-node
 * adapter of the Functions (`api.ts`) and the plain-HTTP clients of the watcher (`http/`). No SDK import
 * here, so the watcher can load it without client-node.
 *
 * | status | error | why |
 * |---|---|---|
 * | 404 | `NotFoundError` | the object is gone (deleting it again succeeds in the adapters) |
 * | 409 | `ConflictError` | a stale resourceVersion or a failed precondition: re-read and retry |
 * | 401, 403 | `UnauthorizedError` | retried (credentials rotate), surfaced on the Node's Ready condition |
 * | 429 | `ThrottledError` | API priority and fairness; `Retry-After` honoured |
 * | 410 | `TransientError` (statusCode 410) | a watch/list resourceVersion too old: the reflector relists |
 * | anything else (400, 422, 5xx, no answer) | `TransientError` | retried with backoff, logged with the status |
 *
 * Messages carry the status and the `Status.reason`, never the server's `message` (it quotes object names
 * and, for admission errors, field values).
 */
import {
  AciBridgeError,
  ConflictError,
  NotFoundError,
  ThrottledError,
  TransientError,
  UnauthorizedError,
  ensureError,
} from "../errors.js";

/** An API server answer that was not 2xx, as the watcher's HTTP clients see it. */
export class KubeHttpError extends Error {
  constructor(
    readonly statusCode: number,
    /** The response body as received (a JSON `Status` from a real server). */
    readonly body: string,
    readonly retryAfter: string | undefined,
    what: string,
  ) {
    super(`kubernetes ${what}: ${statusCode}`);
    this.name = "KubeHttpError";
  }
}

/** One failed answer; `body` is the `Status` object or its JSON text. */
export interface KubeFailure {
  status: number;
  body?: unknown;
  retryAfter?: string | undefined;
}

export function kubeErrorFromResponse(failure: KubeFailure, what: string, cause?: unknown): Error {
  const { status } = failure;
  const reason = statusReason(failure.body);
  const text = `kubernetes ${what}: ${status}${reason ? ` ${reason}` : ""}`;
  const options = { cause };
  if (status === 404) return new NotFoundError(text, options);
  if (status === 409) return new ConflictError(text, options);
  if (status === 401 || status === 403) return new UnauthorizedError(text, status, options);
  if (status === 429) {
    const seconds = Number(failure.retryAfter);
    return new ThrottledError(
      text,
      failure.retryAfter !== undefined && Number.isFinite(seconds) ? seconds * 1000 : undefined,
      options,
    );
  }
  return new TransientError(text, status || undefined, options);
}

/**
 * Maps what a watcher HTTP call threw: a `KubeHttpError` through the table, a project error as it is, any
 * other failure (connection refused, reset, timeout) to `TransientError`.
 */
export function mapKubeHttpError(error: unknown, what: string): Error {
  if (error instanceof KubeHttpError) {
    return kubeErrorFromResponse(
      { status: error.statusCode, body: error.body, retryAfter: error.retryAfter },
      what,
      error,
    );
  }
  if (error instanceof AciBridgeError) return error;
  const e = ensureError(error);
  return new TransientError(`kubernetes ${what}: ${e.message}`, undefined, { cause: e });
}

/** The `reason` of a Kubernetes `Status` body (object or JSON text), without echoing its message. */
export function statusReason(body: unknown): string | undefined {
  return statusField(body, "reason");
}

/**
 * The HTTP status of a failed Kubernetes call, from client-node's `ApiException` (`code`) or the watcher
 * clients' `KubeHttpError` (`statusCode`), following `cause` from a mapped error.
 */
export function statusOf(error: unknown): number | undefined {
  for (let e: unknown = error, depth = 0; e && typeof e === "object" && depth < 5; depth++) {
    const o = e as { statusCode?: unknown; code?: unknown; cause?: unknown };
    if (typeof o.statusCode === "number") return o.statusCode;
    if (typeof o.code === "number") return o.code;
    e = o.cause;
  }
  return undefined;
}

/** Longest Status message kept (a validation message names the field and value, ~200 bytes). */
const MAX_STATUS_MESSAGE = 512;

/**
 * The API server's Status `message` behind an error from either Kubernetes adapter (following `cause` to the
 * client-node `ApiException` or the watcher's `KubeHttpError`, both of which carry the body), for logs that
 * must say *why* (the heartbeat's 400 on a Lease). Errors' own texts keep only status and reason; this is
 * opt-in. Status messages name objects and fields, not credentials; anything shaped like a bearer token or a
 * JWT is masked anyway.
 */
export function kubeStatusMessage(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    if (typeof e === "object" && "body" in e) {
      const message = statusField(e.body, "message");
      if (message) {
        return message
          .replace(/\b(bearer)\s+\S+/gi, "$1 ***")
          .replace(/\beyJ[\w-]+\.[\w-]+\.[\w-]+/g, "***")
          .slice(0, MAX_STATUS_MESSAGE);
      }
    }
    e = e instanceof Error ? e.cause : undefined;
  }
  return undefined;
}

function statusField(body: unknown, field: "reason" | "message"): string | undefined {
  let value = body;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      return undefined;
    }
  }
  if (value && typeof value === "object" && field in value) {
    const v = (value as Record<string, unknown>)[field];
    if (typeof v === "string") return v;
  }
  return undefined;
}
