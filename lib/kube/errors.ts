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
  let value = body;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      return undefined;
    }
  }
  if (value && typeof value === "object" && "reason" in value && typeof value.reason === "string") {
    return value.reason;
  }
  return undefined;
}
