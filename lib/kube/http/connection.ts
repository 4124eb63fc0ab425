/**
 * Where the Kubernetes API server is and how one request authenticates, for the plain-HTTP clients
 * (`transport.ts`, `pods.ts`, `../lease.ts`). In a cluster: the service account (`KUBERNETES_SERVICE_HOST`/
 * `_PORT`, its CA, and its token file re-read every minute, as bound tokens rotate). With a kubeconfig: the
 * current context's server, CA / `insecure-skip-tls-verify` / `tls-server-name`, and a token, token file,
 * client certificate or basic auth. A kubeconfig needing anything else (exec plugins, auth providers,
 * proxies, impersonation) is handed to client-node's `KubeConfig`, loaded only then. Why the watcher speaks
 * HTTP itself: docs/adr/0302-watcher-speaks-http.md.
 *
 * Errors while loading a kubeconfig name the file or setting and say what is wrong, never quote its content
 * (a token may sit on any line): see `kubeconfigParseError`.
 */
import { readFileSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import { isIPv6 } from "node:net";
import { dirname, isAbsolute, join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { ConfigError } from "../../errors.js";
import { isKubeconfigObject, loadKubeconfigObject, parseKubeconfigText } from "../kubeconfig.js";

/** Where the API server is and how to authenticate one request. */
export interface KubeConnection {
  /** `https://host:port` (no trailing slash). */
  readonly server: string;
  /** TLS material, agent and headers (Authorization) for one request. */
  requestOptions(): Promise<https.RequestOptions>;
}

export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
/** Bound service account tokens rotate (kubelet refreshes the file); client-node re-reads it every minute too. */
const TOKEN_FILE_TTL_MS = 60_000;

/** A kubeconfig file when given, else the in-cluster service account. */
export async function loadKubeConnection(kubeconfigPath?: string): Promise<KubeConnection> {
  if (kubeconfigPath) {
    let text: string;
    try {
      text = readFileSync(kubeconfigPath, "utf8");
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw new ConfigError(
        `KUBECONFIG: cannot read the file${typeof code === "string" ? ` (${code})` : ""}`,
      );
    }
    return kubeconfigConnection(text, kubeconfigPath, "KUBECONFIG");
  }
  return inClusterConnection();
}

export function inClusterConnection(
  env: NodeJS.ProcessEnv = process.env,
  dir = SERVICE_ACCOUNT_DIR,
): KubeConnection {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) {
    throw new ConfigError("not in a cluster (KUBERNETES_SERVICE_HOST/PORT unset): set KUBECONFIG");
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
export async function kubeconfigConnection(
  text: string,
  path?: string,
  setting = "kubeconfig",
): Promise<KubeConnection> {
  const source = path ? `${setting} file` : setting;
  const doc = await parseKubeconfigText(text, source);
  if (!isKubeconfigObject(doc)) throw new ConfigError(`${source}: not a valid kubeconfig: not a mapping`);
  const simple = simpleKubeconfig(doc, path ? dirname(path) : undefined, source);
  if (simple) return staticConnection(simple.server, simple.tls, simple.auth);
  return clientNodeConnection(doc, source);
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
function simpleKubeconfig(
  doc: unknown,
  baseDir: string | undefined,
  source: string,
): SimpleConfig | undefined {
  const root = obj(doc);
  const named = (list: unknown, name: string | undefined, field: string): Obj | undefined => {
    if (!Array.isArray(list) || !name) return undefined;
    const entry = list.map(obj).find((e) => e?.name === name);
    return entry ? (obj(entry[field]) ?? {}) : undefined;
  };
  const context = named(root?.contexts, str(root?.["current-context"]), "context");
  const cluster = named(root?.clusters, str(context?.cluster), "cluster");
  const user = context?.user === undefined ? {} : named(root?.users, str(context.user), "user");
  if (!cluster || !user) {
    throw new ConfigError(`${source}: no current context with a cluster and a user`);
  }
  if (Object.keys(cluster).some((k) => !CLUSTER_KEYS.has(k))) return undefined;
  if (Object.keys(user).some((k) => !USER_KEYS.has(k))) return undefined;
  const server = str(cluster.server)?.replace(/\/+$/, "");
  if (!server) throw new ConfigError(`${source}: the current cluster has no server`);
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
async function clientNodeConnection(doc: unknown, source: string): Promise<KubeConnection> {
  const { KubeConfig } = await import("@kubernetes/client-node");
  const kc = new KubeConfig();
  loadKubeconfigObject(kc, doc, source);
  return kubeConfigConnection(kc);
}

/** A client-node `KubeConfig` someone already loaded (the local stack, chaos runs): it authenticates each call. */
export function kubeConfigConnection(kc: KubeConfig): KubeConnection {
  const server = kc.getCurrentCluster()?.server.replace(/\/+$/, "");
  if (!server) throw new ConfigError("kubeconfig: the current context has no cluster");
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

export function connectionOf(target: KubeTarget): KubeConnection {
  return "requestOptions" in target ? target : kubeConfigConnection(target);
}
