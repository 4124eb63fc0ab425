/**
 * One JSON request/response to the API server over `node:http`/`node:https`, through a `KubeConnection`.
 * A non-2xx answer rejects with `KubeHttpError` (status, body, `Retry-After`), which the callers map through
 * the Kubernetes error table (`../errors.ts`); connection problems reject with the socket's error.
 */
import * as http from "node:http";
import * as https from "node:https";
import { KubeHttpError } from "../errors.js";
import type { KubeConnection } from "./connection.js";

/** A list or Lease call that sends nothing for this long is abandoned (the caller retries). */
const REQUEST_IDLE_TIMEOUT_MS = 30_000;

export function startRequest(
  conn: KubeConnection,
  opts: https.RequestOptions,
  method: string,
  path: string,
  body: string | undefined,
): http.ClientRequest {
  const url = new URL(conn.server + path);
  // `applyToHTTPSOptions` sets headers as an object (never the raw array form).
  const headers: http.OutgoingHttpHeaders = {
    accept: "application/json",
    ...(opts.headers as http.OutgoingHttpHeaders | undefined),
  };
  if (body !== undefined) {
    headers["content-type"] = "application/json";
    headers["content-length"] = Buffer.byteLength(body);
  }
  const request = url.protocol === "https:" ? https.request : http.request;
  const req = request(url, { ...opts, method, headers });
  req.end(body);
  return req;
}

/** One JSON request/response. Non-2xx → `KubeHttpError`; connection problems → the socket's error. */
export async function callJson<T>(
  conn: KubeConnection,
  method: string,
  path: string,
  what: string,
  body?: unknown,
): Promise<T> {
  const opts = await conn.requestOptions();
  return new Promise<T>((resolve, reject) => {
    const req = startRequest(conn, opts, method, path, body === undefined ? undefined : JSON.stringify(body));
    req.setTimeout(REQUEST_IDLE_TIMEOUT_MS, () =>
      req.destroy(new Error(`kubernetes: ${what}: no answer in ${REQUEST_IDLE_TIMEOUT_MS} ms`)),
    );
    req.on("error", reject);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) {
          const retryAfter: string | undefined = res.headers["retry-after"];
          reject(new KubeHttpError(status, text, retryAfter, what));
          return;
        }
        try {
          resolve(JSON.parse(text) as T);
        } catch (error) {
          reject(new Error(`kubernetes: ${what}: bad JSON`, { cause: error }));
        }
      });
    });
  });
}

export const query = (params: Record<string, string | number | boolean | undefined>): string =>
  Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== "")
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
    .join("&");
