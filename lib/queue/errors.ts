/**
 * The one Storage queue error table: a Queue service answer (HTTP status, the `<Code>` of its XML error body
 * or `x-ms-error-code`) becomes one of the project's error types. Both queue adapters use it: the SDK sender
 * of the Functions (`client.ts`) and the watcher's plain-HTTP sender (`http.ts`). No SDK import here.
 *
 * | answer | error | why |
 * |---|---|---|
 * | 401, 403 (`AuthenticationFailed`, `AuthorizationFailure`…) | `UnauthorizedError` | a wrong key, an expired SAS, a missing role |
 * | 503 `ServerBusy`, 429 | `ThrottledError` | Storage's throttling answer is 503 ServerBusy (its scalability targets) |
 * | anything else (other 503s, 500 `OperationTimedOut`, 404 `QueueNotFound`, 400…) | `TransientError` | retried with backoff, logged with status and code |
 *
 * Messages carry the status and the code, never the body's message text.
 */
import { AciBridgeError, ThrottledError, TransientError, UnauthorizedError, ensureError } from "../errors.js";

/** Storage caps a message's visibility timeout at 7 days. */
export const MAX_VISIBILITY_SECONDS = 7 * 24 * 3600;

/** The visibility timeout a send asks for: whole seconds, 0 … 7 days. */
export function visibilitySeconds(delaySeconds: number): number {
  return Math.min(Math.max(0, Math.ceil(delaySeconds)), MAX_VISIBILITY_SECONDS);
}

export interface QueueFailure {
  status: number;
  code?: string | undefined;
  retryAfter?: string | undefined;
}

export function queueErrorFromResponse(failure: QueueFailure, cause?: unknown): Error {
  const { status } = failure;
  const code = failure.code ?? "";
  const text = `queue: ${status || ""} ${code}`.trim();
  const options = { cause };
  if (status === 401 || status === 403) return new UnauthorizedError(text, status, options);
  if (status === 429 || (status === 503 && (code === "" || code === "ServerBusy"))) {
    const seconds = Number(failure.retryAfter);
    return new ThrottledError(
      text,
      failure.retryAfter !== undefined && Number.isFinite(seconds) ? seconds * 1000 : undefined,
      options,
    );
  }
  return new TransientError(text, status || undefined, options);
}

/** The `<Code>` of a Storage XML error body. */
export function storageErrorCode(body: string): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
}

/** A failure with no answer (connection refused, reset, timeout): transient. */
export function queueNetworkError(error: unknown): Error {
  if (error instanceof AciBridgeError) return error;
  const e = ensureError(error);
  return new TransientError(`queue: ${e.message}`, undefined, { cause: e });
}
