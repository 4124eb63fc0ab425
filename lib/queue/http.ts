/**
 * The watcher's queue sender for connection strings and SAS URLs: one `Put Message` call
 * (`POST {queue}/messages`) over `node:https`, signed with Shared Key or carrying the SAS token.
 *
 * Why not `@azure/storage-queue` here: loading it (with `@azure/core-rest-pipeline`) costs ≈ 19 MiB of RSS,
 * and its pipeline allocates far more per message than the message itself — a new leader's resync sends
 * one message per pod (5,000), which made the SDK the watcher's largest CPU and garbage source
 * (docs/watcher.md). The watcher only ever adds messages; the Functions keep using the SDK
 * (`client.ts`). Workload identity still goes through the SDK (`watcherSender.ts`, loaded on demand).
 *
 * Errors go through the queue error table (`errors.ts`), the same as the SDK sender's. The caller (the
 * watcher's outbox) retries with backoff; a send that fails on a reused keep-alive socket (the server closed
 * it meanwhile) is retried once at once, as the SDK's retry policy would. Why the watcher speaks HTTP
 * itself: docs/adr/0302-watcher-speaks-http.md.
 */
import { createHmac } from "node:crypto";
import * as http from "node:http";
import * as https from "node:https";
import { ConfigError } from "../errors.js";
import { queueErrorFromResponse, queueNetworkError, storageErrorCode, visibilitySeconds } from "./errors.js";
import { encodePodMessage, type PodMessageSender } from "./message.js";

/** Storage REST API version sent with each call (any published version accepts Put Message as used here). */
export const STORAGE_API_VERSION = "2024-11-04";
const REQUEST_TIMEOUT_MS = 30_000;
/** Azurite's well-known development account (`UseDevelopmentStorage=true`). */
const DEV_ACCOUNT = "devstoreaccount1";
const DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/** Where the queue is and how requests are authorised. */
export interface QueueEndpoint {
  /** `https://acct.queue.core.windows.net/pod-events` (no query). */
  queueUrl: string;
  /** Shared Key: the account and its key. */
  sharedKey?: { account: string; key: Buffer };
  /** SAS token (query string without `?`). */
  sas?: string;
}

/** Parses an Azure Storage connection string (account key or SAS; `UseDevelopmentStorage=true`). */
export function connectionStringEndpoint(
  connectionString: string,
  queueName: string,
  setting = "PodEventsStorage",
): QueueEndpoint {
  const fields = new Map<string, string>();
  for (const part of connectionString.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  if (fields.get("usedevelopmentstorage")?.toLowerCase() === "true") {
    const proxy = fields.get("developmentstorageproxyuri")?.replace(/\/+$/, "") ?? "http://127.0.0.1";
    return {
      queueUrl: `${proxy}:10001/${DEV_ACCOUNT}/${queueName}`,
      sharedKey: { account: DEV_ACCOUNT, key: Buffer.from(DEV_KEY, "base64") },
    };
  }
  const account = fields.get("accountname");
  const protocol = fields.get("defaultendpointsprotocol") ?? "https";
  const suffix = fields.get("endpointsuffix") ?? "core.windows.net";
  const endpoint =
    fields.get("queueendpoint")?.replace(/\/+$/, "") ??
    (account ? `${protocol}://${account}.queue.${suffix}` : undefined);
  if (!endpoint) {
    throw new ConfigError(`${setting}: the connection string has neither QueueEndpoint nor AccountName`);
  }
  const queueUrl = `${endpoint}/${queueName}`;
  const sas = fields.get("sharedaccesssignature")?.replace(/^\?/, "");
  if (sas) return { queueUrl, sas };
  const key = fields.get("accountkey");
  if (!account || !key) {
    throw new ConfigError(`${setting}: the connection string needs AccountName and AccountKey, or a SAS`);
  }
  return { queueUrl, sharedKey: { account, key: Buffer.from(key, "base64") } };
}

/** A queue URL carrying a SAS token (`https://acct.queue.core.windows.net/pod-events?sv=…&sig=…`). */
export function sasUrlEndpoint(queueSasUrl: string, setting = "WATCHER_QUEUE_SAS_URL"): QueueEndpoint {
  const q = queueSasUrl.indexOf("?");
  if (q < 0) throw new ConfigError(`${setting}: the queue SAS URL has no token`);
  return { queueUrl: queueSasUrl.slice(0, q).replace(/\/+$/, ""), sas: queueSasUrl.slice(q + 1) };
}

/** Shared Key signature of one request (Blob, Queue and File services' scheme, version 2009-09-19 and later). */
export function sharedKeySignature(
  key: Buffer,
  account: string,
  method: string,
  url: URL,
  headers: Record<string, string>,
): string {
  const h = (name: string) => headers[name] ?? "";
  const length = h("content-length") === "0" ? "" : h("content-length");
  const msHeaders = Object.keys(headers)
    .filter((k) => k.startsWith("x-ms-"))
    .sort()
    .map((k) => `${k}:${h(k).trim()}\n`)
    .join("");
  const params = [...url.searchParams.keys()]
    .map((k) => k.toLowerCase())
    .filter((k, i, all) => all.indexOf(k) === i)
    .sort()
    .map((k) => `\n${k}:${url.searchParams.getAll(k).sort().join(",")}`)
    .join("");
  const stringToSign = [
    method,
    h("content-encoding"),
    h("content-language"),
    length,
    h("content-md5"),
    h("content-type"),
    "", // Date: x-ms-date is used instead
    h("if-modified-since"),
    h("if-match"),
    h("if-none-match"),
    h("if-unmodified-since"),
    h("range"),
  ]
    .join("\n")
    .concat("\n", msHeaders, `/${account}${url.pathname}`, params);
  return createHmac("sha256", key).update(stringToSign, "utf8").digest("base64");
}

const xmlEscape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function httpQueueSender(endpoint: QueueEndpoint): PodMessageSender {
  const secure = endpoint.queueUrl.startsWith("https:");
  // Keep-alive: a resync sends thousands of messages, 8 at a time, over the same few connections.
  const agent = secure
    ? new https.Agent({ keepAlive: true, maxSockets: 16 })
    : new http.Agent({ keepAlive: true, maxSockets: 16 });

  const once = (message: string, visibilityTimeout: number) =>
    new Promise<void>((resolve, reject) => {
      const query = [
        ...(visibilityTimeout ? [`visibilitytimeout=${visibilityTimeout}`] : []),
        ...(endpoint.sas ? [endpoint.sas] : []),
      ].join("&");
      const url = new URL(`${endpoint.queueUrl}/messages${query ? `?${query}` : ""}`);
      const body = `<?xml version="1.0" encoding="utf-8"?><QueueMessage><MessageText>${xmlEscape(message)}</MessageText></QueueMessage>`;
      const headers: Record<string, string> = {
        "content-length": String(Buffer.byteLength(body)),
        "content-type": "application/xml; charset=utf-8",
        "x-ms-date": new Date().toUTCString(),
        "x-ms-version": STORAGE_API_VERSION,
      };
      if (endpoint.sharedKey) {
        const { account, key } = endpoint.sharedKey;
        headers.authorization = `SharedKey ${account}:${sharedKeySignature(key, account, "POST", url, headers)}`;
      }
      const request = secure ? https.request : http.request;
      const req = request(url, { method: "POST", headers, agent });
      req.setTimeout(REQUEST_TIMEOUT_MS, () =>
        req.destroy(new Error(`no answer in ${REQUEST_TIMEOUT_MS} ms`)),
      );
      req.on("error", (error) => reject(Object.assign(error, { reused: req.reusedSocket })));
      req.on("response", (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            resolve();
            return;
          }
          const text = Buffer.concat(chunks).toString("utf8");
          const header = res.headers["x-ms-error-code"];
          const retryAfter = res.headers["retry-after"];
          reject(
            new QueueStatusError(
              queueErrorFromResponse({
                status,
                code: storageErrorCode(text) ?? (typeof header === "string" ? header : undefined),
                retryAfter: typeof retryAfter === "string" ? retryAfter : undefined,
              }),
            ),
          );
        });
      });
      req.end(body);
    });

  return {
    async send(message, delaySeconds = 0) {
      const visibilityTimeout = visibilitySeconds(delaySeconds);
      const text = encodePodMessage(message);
      try {
        await once(text, visibilityTimeout);
      } catch (error) {
        if (error instanceof QueueStatusError) throw error.mapped;
        // A keep-alive socket the server had closed: the request never reached it, so send again at once.
        if ((error as { reused?: boolean }).reused) {
          try {
            await once(text, visibilityTimeout);
            return;
          } catch (again) {
            throw mapNetworkError(again);
          }
        }
        throw mapNetworkError(error);
      }
    },
  };
}

class QueueStatusError extends Error {
  constructor(readonly mapped: Error) {
    super(mapped.message);
  }
}

function mapNetworkError(error: unknown): Error {
  if (error instanceof QueueStatusError) return error.mapped;
  return queueNetworkError(error);
}
