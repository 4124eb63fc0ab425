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
