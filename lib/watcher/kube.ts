/**
 * Kubernetes adapter for the watcher: the `PodApi` the reflector uses and the `LeaseStore` the elector uses,
 * as plain HTTP(S) calls with `node:http`/`node:https`. It is the only watcher module that talks to the API
 * server; it maps HTTP statuses to the project's error types.
 *
 * Why not client-node's generated clients: importing `@kubernetes/client-node` (or even its `KubeConfig` or
 * `ObjectSerializer`) loads the whole generated API and model tree — ≈ 60 MiB of RSS and 25 MiB of heap
 * before the first pod, most of the watcher's memory (docs/watcher.md). The watcher makes five calls with
 * JSON bodies, so it speaks HTTP itself, and keeps the objects as the server sent them: a pod from a list
 * and the same pod from a watch event are the same JSON, so they fingerprint identically (`pods.ts`), and
 * fields newer than any SDK's models are seen too.
 *
 * Connection (`loadKubeConnection`): in a cluster, the service account (`KUBERNETES_SERVICE_HOST`/`_PORT`,
 * its CA, and its token file re-read every minute, as bound tokens rotate); with `KUBECONFIG`, the current
 * context's server, CA / `insecure-skip-tls-verify` / `tls-server-name`, and a token, token file, client
 * certificate or basic auth. A kubeconfig needing anything else (exec plugins, auth providers, proxies,
 * impersonation) is handed to client-node's `KubeConfig`, loaded only then.
 *
 * Calls made (the chart's RBAC grants exactly these):
 * - pods: list (`GET /api/v1/pods?fieldSelector=spec.nodeName=<node>`) and watch (same, `watch=true`).
 *   The chart also grants pods `get`, the set DESIGN fixes for the watcher ("pods get/list/watch");
 * - leases in the watcher's namespace: get, create, update.
 */
import { readFileSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import { isIPv6 } from "node:net";
import { dirname, isAbsolute, join } from "node:path";
import type { KubeConfig, V1Lease, V1Pod } from "@kubernetes/client-node";
import { ConflictError, NotFoundError, TransientError, UnauthorizedError } from "../errors.js";
import type { LeaseRecord, LeaseStore, StoredLease } from "./elector.js";
import type { PodApi, WatchStatus } from "./reflector.js";

/** Where the API server is and how to authenticate one request. */
export interface KubeConnection {
  /** `https://host:port` (no trailing slash). */
  readonly server: string;
  /** TLS material, agent and headers (Authorization) for one request. */
  requestOptions(): Promise<https.RequestOptions>;
}

const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
/** Bound service account tokens rotate (kubelet refreshes the file); client-node re-reads it every minute too. */
const TOKEN_FILE_TTL_MS = 60_000;
/** A list or Lease call that sends nothing for this long is abandoned (the caller retries). */
const REQUEST_IDLE_TIMEOUT_MS = 30_000;

/** A kubeconfig file when given, else the in-cluster service account. */
export async function loadKubeConnection(kubeconfigPath?: string): Promise<KubeConnection> {
  if (kubeconfigPath) return kubeconfigConnection(readFileSync(kubeconfigPath, "utf8"), kubeconfigPath);
  return inClusterConnection();
}

export function inClusterConnection(
  env: NodeJS.ProcessEnv = process.env,
  dir = SERVICE_ACCOUNT_DIR,
): KubeConnection {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) {
    throw new Error("not in a cluster (KUBERNETES_SERVICE_HOST/PORT unset): set KUBECONFIG");
  }
  // Same rules as client-node's loadFromCluster.
  const scheme = port === "80" || port === "8080" || port === "8001" ? "http" : "https";
  const server = `${scheme}://${isIPv6(host) ? `[${host}]` : host}:${port}`;
  return staticConnection(
    server,
    { ca: readFileSync(join(dir, "ca.crt")) },
    tokenFileAuth(join(dir, "token")),
  );
}

/**
 * A kubeconfig's current context. `text` may be JSON (parsed without loading a YAML parser) or YAML; `path`
 * resolves relative file references as kubectl does.
 */
export async function kubeconfigConnection(text: string, path?: string): Promise<KubeConnection> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // Loaded only for YAML kubeconfigs (never in a cluster): the parser costs ≈ 10 MiB of RSS.
    doc = (await import("yaml")).parse(text);
  }
  const simple = simpleKubeconfig(doc, path ? dirname(path) : undefined);
  if (simple) return staticConnection(simple.server, simple.tls, simple.auth);
  return clientNodeConnection(text);
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : undefined;
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

const CLUSTER_KEYS = new Set([
  "server",
  "certificate-authority",
  "certificate-authority-data",
  "insecure-skip-tls-verify",
  "tls-server-name",
  "extensions",
]);
const USER_KEYS = new Set([
  "token",
  "tokenFile",
  "client-certificate",
  "client-certificate-data",
  "client-key",
  "client-key-data",
  "username",
  "password",
  "extensions",
]);

interface SimpleConfig {
  server: string;
  tls: https.AgentOptions;
  auth: () => Partial<Record<"authorization", string>>;
}

/** The current context when it uses only what `staticConnection` supports; `undefined` → use client-node. */
function simpleKubeconfig(doc: unknown, baseDir: string | undefined): SimpleConfig | undefined {
  const root = obj(doc);
  const named = (list: unknown, name: string | undefined, field: string): Obj | undefined => {
    if (!Array.isArray(list) || !name) return undefined;
    const entry = list.map(obj).find((e) => e?.name === name);
    return entry ? (obj(entry[field]) ?? {}) : undefined;
  };
  const context = named(root?.contexts, str(root?.["current-context"]), "context");
  const cluster = named(root?.clusters, str(context?.cluster), "cluster");
  const user = context?.user === undefined ? {} : named(root?.users, str(context.user), "user");
  if (!cluster || !user) throw new Error("kubeconfig: no current context with a cluster and a user");
  if (Object.keys(cluster).some((k) => !CLUSTER_KEYS.has(k))) return undefined;
  if (Object.keys(user).some((k) => !USER_KEYS.has(k))) return undefined;
  const server = str(cluster.server)?.replace(/\/+$/, "");
  if (!server) throw new Error("kubeconfig: the current cluster has no server");
  const file = (p: unknown) => {
    const s = str(p);
    return s === undefined ? undefined : readFileSync(baseDir && !isAbsolute(s) ? join(baseDir, s) : s);
  };
  const data = (d: unknown) => (str(d) === undefined ? undefined : Buffer.from(str(d) ?? "", "base64"));
  const tls: https.AgentOptions = {};
  const ca = data(cluster["certificate-authority-data"]) ?? file(cluster["certificate-authority"]);
  if (ca) tls.ca = ca;
  if (cluster["insecure-skip-tls-verify"] === true) tls.rejectUnauthorized = false;
  const servername = str(cluster["tls-server-name"]);
  if (servername) tls.servername = servername;
  const cert = data(user["client-certificate-data"]) ?? file(user["client-certificate"]);
  const key = data(user["client-key-data"]) ?? file(user["client-key"]);
  if (cert) tls.cert = cert;
  if (key) tls.key = key;
  const token = str(user.token);
  const tokenFile = str(user.tokenFile);
  const username = str(user.username);
  let auth: SimpleConfig["auth"] = () => ({});
  if (token) auth = () => ({ authorization: `Bearer ${token}` });
  else if (tokenFile) {
    auth = tokenFileAuth(baseDir && !isAbsolute(tokenFile) ? join(baseDir, tokenFile) : tokenFile);
  } else if (username) {
    const basic = Buffer.from(`${username}:${str(user.password) ?? ""}`).toString("base64");
    auth = () => ({ authorization: `Basic ${basic}` });
  }
  return { server, tls, auth };
}

function tokenFileAuth(path: string): SimpleConfig["auth"] {
  let token = "";
  let readAt = -Infinity;
  return () => {
    const now = Date.now();
    if (now - readAt >= TOKEN_FILE_TTL_MS) {
      token = readFileSync(path, "utf8").trim();
      readAt = now;
    }
    return { authorization: `Bearer ${token}` };
  };
}

function staticConnection(
  server: string,
  tls: https.AgentOptions,
  auth: SimpleConfig["auth"],
): KubeConnection {
  const secure = server.startsWith("https:");
  // Keep-alive: the Lease renewals (every few seconds) and list pages reuse their connections.
  const agent = secure
    ? new https.Agent({ keepAlive: true, maxSockets: 8, ...tls })
    : new http.Agent({ keepAlive: true, maxSockets: 8 });
  return {
    server,
    requestOptions: () => Promise.resolve({ agent, headers: auth() }),
  };
}

/** Exotic kubeconfigs (exec plugins, auth providers, proxies…): client-node's `KubeConfig` does the auth. */
async function clientNodeConnection(text: string): Promise<KubeConnection> {
  const { KubeConfig } = await import("@kubernetes/client-node");
  const kc = new KubeConfig();
  kc.loadFromString(text);
  return kubeConfigConnection(kc);
}

/** A client-node `KubeConfig` someone already loaded (the local stack, chaos runs): it authenticates each call. */
export function kubeConfigConnection(kc: KubeConfig): KubeConnection {
  const server = kc.getCurrentCluster()?.server.replace(/\/+$/, "");
  if (!server) throw new Error("kubeconfig: the current context has no cluster");
  return {
    server,
    async requestOptions() {
      const opts: https.RequestOptions = {};
      await kc.applyToHTTPSOptions(opts);
      return opts;
    },
  };
}

/** What `kubePodApi` and `kubeLeaseStore` accept: a connection, or a client-node `KubeConfig`. */
export type KubeTarget = KubeConnection | KubeConfig;

function connectionOf(target: KubeTarget): KubeConnection {
  return "requestOptions" in target ? target : kubeConfigConnection(target);
}

/** An HTTP error from the API server; `statusCode` is what the reflector and elector look at. */
export class KubeHttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: string,
    what: string,
  ) {
    super(`kubernetes: ${what}: ${statusCode}${statusMessage(body)}`);
    this.name = "KubeHttpError";
  }
}

function statusMessage(body: string): string {
  try {
    const message = (JSON.parse(body) as WatchStatus).message;
    return message ? ` ${message.slice(0, 200)}` : "";
  } catch {
    return "";
  }
}

function startRequest(
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
async function callJson<T>(
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
          reject(new KubeHttpError(status, text, what));
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

const query = (params: Record<string, string | number | boolean | undefined>): string =>
  Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== "")
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
    .join("&");

interface PodList {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: V1Pod[];
}

export function kubePodApi(target: KubeTarget): PodApi {
  const conn = connectionOf(target);
  return {
    async list({ fieldSelector, limit, continueToken }) {
      try {
        const list = await callJson<PodList>(
          conn,
          "GET",
          `/api/v1/pods?${query({ fieldSelector, limit: limit > 0 ? limit : undefined, continue: continueToken })}`,
          "list pods",
        );
        const page = { items: list.items ?? [], resourceVersion: list.metadata?.resourceVersion ?? "" };
        const next = list.metadata?.continue;
        return next ? { ...page, continueToken: next } : page;
      } catch (error) {
        throw withStatus(error);
      }
    },
    async watch(req, onEvent, onDone) {
      const opts = await conn.requestOptions();
      const path = `/api/v1/pods?${query({
        watch: true,
        allowWatchBookmarks: true,
        fieldSelector: req.fieldSelector,
        resourceVersion: req.resourceVersion,
        timeoutSeconds: req.timeoutSeconds,
      })}`;
      let finished = false;
      const finish = (error: unknown) => {
        if (finished) return;
        finished = true;
        request.destroy();
        onDone(error);
      };
      const request = startRequest(conn, opts, "GET", path, undefined);
      request.on("error", (error) => finish(error));
      request.on("response", (res) => {
        const status = res.statusCode ?? 0;
        if (status !== 200) {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            finish(
              withStatus(new KubeHttpError(status, Buffer.concat(chunks).toString("utf8"), "watch pods")),
            ),
          );
          res.on("error", (error) => finish(error));
          return;
        }
        // One JSON object per line; each is handed over and dropped, so nothing but the partial line is kept.
        res.setEncoding("utf8");
        let partial = "";
        const line = (text: string) => {
          if (finished || text.trim() === "") return;
          let event: { type?: string; object?: unknown };
          try {
            event = JSON.parse(text) as typeof event;
          } catch (error) {
            finish(new Error("kubernetes: watch pods: bad JSON line", { cause: error }));
            return;
          }
          if (typeof event.type !== "string") return;
          onEvent(event.type, event.object ?? {});
        };
        res.on("data", (chunk: string) => {
          let start = 0;
          for (let nl = chunk.indexOf("\n"); nl >= 0; nl = chunk.indexOf("\n", start)) {
            line(partial + chunk.slice(start, nl));
            partial = "";
            start = nl + 1;
          }
          partial += chunk.slice(start);
        });
        res.on("end", () => {
          line(partial);
          partial = "";
          finish(null);
        });
        res.on("error", (error) => finish(error));
        res.on("aborted", () => finish(new Error("kubernetes: watch pods: stream aborted")));
      });
      return {
        abort: () => {
          finished = true;
          request.destroy();
        },
      };
    },
  };
}

/** Errors from list/watch keep the HTTP status as `statusCode` (the reflector relists on 410). */
function withStatus(error: unknown): unknown {
  if (error instanceof KubeHttpError) {
    return new TransientError(error.message, error.statusCode, { cause: error });
  }
  return error;
}

/** `metav1.MicroTime`: RFC 3339 with microseconds, as the API server writes it. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

export function kubeLeaseStore(target: KubeTarget, namespace: string, name: string): LeaseStore {
  const conn = connectionOf(target);
  const base = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
  const body = (record: LeaseRecord, resourceVersion?: string): V1Lease => {
    const spec: Record<string, unknown> = {
      holderIdentity: record.holderIdentity,
      leaseDurationSeconds: record.leaseDurationSeconds,
      leaseTransitions: record.leaseTransitions,
    };
    if (record.acquireTime) spec.acquireTime = microTime(record.acquireTime);
    if (record.renewTime) spec.renewTime = microTime(record.renewTime);
    return {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name, namespace, ...(resourceVersion ? { resourceVersion } : {}) },
      spec: spec,
    };
  };
  return {
    async get() {
      try {
        return stored(
          await callJson<V1Lease>(conn, "GET", `${base}/${encodeURIComponent(name)}`, "get lease"),
        );
      } catch (error) {
        if (error instanceof KubeHttpError && error.statusCode === 404) return undefined;
        throw mapKubeError(error, "get lease");
      }
    },
    async create(record) {
      try {
        return stored(await callJson<V1Lease>(conn, "POST", base, "create lease", body(record)));
      } catch (error) {
        throw mapKubeError(error, "create lease");
      }
    },
    async update(record, resourceVersion) {
      try {
        return stored(
          await callJson<V1Lease>(
            conn,
            "PUT",
            `${base}/${encodeURIComponent(name)}`,
            "update lease",
            body(record, resourceVersion),
          ),
        );
      } catch (error) {
        throw mapKubeError(error, "update lease");
      }
    },
  };
}

function stored(lease: V1Lease): StoredLease {
  const spec = lease.spec ?? {};
  const out: StoredLease = { resourceVersion: lease.metadata?.resourceVersion ?? "" };
  if (spec.holderIdentity !== undefined && spec.holderIdentity !== null)
    out.holderIdentity = spec.holderIdentity;
  if (spec.leaseDurationSeconds !== undefined && spec.leaseDurationSeconds !== null) {
    out.leaseDurationSeconds = spec.leaseDurationSeconds;
  }
  if (spec.leaseTransitions !== undefined && spec.leaseTransitions !== null) {
    out.leaseTransitions = spec.leaseTransitions;
  }
  if (spec.acquireTime) out.acquireTime = new Date(spec.acquireTime);
  if (spec.renewTime) out.renewTime = new Date(spec.renewTime);
  return out;
}

export function mapKubeError(error: unknown, what: string): Error {
  if (error instanceof KubeHttpError) {
    const code = error.statusCode;
    if (code === 404) return new NotFoundError(`kubernetes: ${what}: 404`, { cause: error });
    if (code === 409) return new ConflictError(`kubernetes: ${what}: 409`, { cause: error });
    if (code === 401 || code === 403) {
      return new UnauthorizedError(`kubernetes: ${what}: ${code}`, code, { cause: error });
    }
    return new TransientError(`kubernetes: ${what}: ${code}`, code, { cause: error });
  }
  return error instanceof Error ? error : new TransientError(`kubernetes: ${what}: ${String(error)}`);
}
