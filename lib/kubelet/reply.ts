/**
 * The kubelet endpoint's error replies (kubernetes pkg/kubelet/server/server.go answers plain text): the
 * `HttpError` a handler throws, how adapter errors map onto it (`toHttpError`: a missing group is 404, ARM
 * throttling 429 with `Retry-After`), and `rawReply` for upgrade requests that are refused before any
 * WebSocket exists. Split from server.ts so the routing stays readable; server.ts re-exports these.
 */
import type { Duplex } from "node:stream";
import { ensureError, NotFoundError, ThrottledError } from "../errors.js";

/** A reply the kubelet would give: status and a plain-text body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function portForwardError(): HttpError {
  return new HttpError(
    501,
    "port-forward is not supported for pods on the virtual node: Azure Container Instances has no port-forwarding API; expose the port through a Service or the container group's IP instead",
  );
}

export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof NotFoundError) return new HttpError(404, "pod does not exist");
  if (error instanceof ThrottledError) {
    const seconds = Math.max(1, Math.ceil((error.retryAfterMs ?? 1000) / 1000));
    return new HttpError(429, "Azure Resource Manager is throttling this node; retry later", {
      "retry-after": String(seconds),
    });
  }
  return new HttpError(500, `error talking to Azure Container Instances: ${ensureError(error).message}`);
}

/** Answers an upgrade request that will not be upgraded (plain HTTP/1.1 on the raw socket). */
export function rawReply(socket: Duplex, e: HttpError): void {
  const body = Buffer.from(e.message, "utf8");
  const reason: Record<number, string> = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
  };
  const headers = Object.entries({ ...e.headers })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("");
  socket.end(
    `HTTP/1.1 ${e.status} ${reason[e.status] ?? "Error"}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${body.length}\r\n${headers}connection: close\r\n\r\n${body.toString("utf8")}`,
  );
}

/** A sleep that ends early when `signal` aborts (log following stops when the client goes). */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done);
  });
}
