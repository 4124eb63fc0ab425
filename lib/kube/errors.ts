/** Maps client-node errors (`ApiException`, network errors) to the project's error types. */
import { ApiException } from "@kubernetes/client-node";
import {
  ConflictError,
  NotFoundError,
  ThrottledError,
  TransientError,
  UnauthorizedError,
  ensureError,
} from "../errors.js";

export function statusOf(error: unknown): number | undefined {
  return error instanceof ApiException ? (error as ApiException<unknown>).code : undefined;
}

export function mapKubeError(error: unknown, what: string): Error {
  if (error instanceof ApiException) {
    const e = error as ApiException<unknown>;
    const reason = kubeReason(e.body);
    const text = `kubernetes ${what}: ${e.code}${reason ? ` ${reason}` : ""}`;
    if (e.code === 404) return new NotFoundError(text, { cause: error });
    if (e.code === 409) return new ConflictError(text, { cause: error });
    if (e.code === 401 || e.code === 403) return new UnauthorizedError(text, e.code, { cause: error });
    if (e.code === 429) {
      const seconds = Number(e.headers?.["retry-after"]);
      return new ThrottledError(text, Number.isFinite(seconds) ? seconds * 1000 : undefined, {
        cause: error,
      });
    }
    return new TransientError(text, e.code, { cause: error });
  }
  const e = ensureError(error);
  return new TransientError(`kubernetes ${what}: ${e.message}`, undefined, { cause: e });
}

/** The `reason` of a Kubernetes Status body (a JSON string in client-node 1.x), without echoing the message. */
function kubeReason(body: unknown): string | undefined {
  return statusField(body, "reason");
}

/** Longest Status message kept (a validation message names the field and value, ~200 bytes). */
const MAX_STATUS_MESSAGE = 512;

/**
 * The API server's Status `message` behind an error from this adapter (following `cause`), for logs that must
 * say *why* (e.g. the heartbeat's 400 on a Lease). Errors' own texts keep only code and reason; this is
 * opt-in. Status messages name objects and fields, not credentials; anything shaped like a bearer token or a
 * JWT is masked anyway.
 */
export function kubeStatusMessage(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    if (e instanceof ApiException) {
      const message = statusField((e as ApiException<unknown>).body, "message");
      if (!message) return undefined;
      return message
        .replace(/\b(bearer)\s+\S+/gi, "$1 ***")
        .replace(/\beyJ[\w-]+\.[\w-]+\.[\w-]+/g, "***")
        .slice(0, MAX_STATUS_MESSAGE);
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
    const text = (value as Record<string, unknown>)[field];
    if (typeof text === "string" && text) return text;
  }
  return undefined;
}
