/**
 * The watcher's settings and its kubelet endpoint's (docs/watcher.md, docs/kubelet-api.md). Parsed once by
 * `watcher/main.ts` from `process.env`; the rules of lib/config.ts apply (errors name the setting, never its
 * value).
 */
import { isIP } from "node:net";
import type { AciConfig } from "../config.js";
import { ConfigError } from "../errors.js";
import { parseNodes } from "./nodes.js";
import { deepFreeze, port, POD_EVENTS_CONNECTION, Reader, type Env } from "./reader.js";

/** How the watcher authenticates to the pod-events queue (exactly one is chosen, in this order). */
export type WatcherQueueAuth =
  | { kind: "connectionString"; connectionString: string }
  | { kind: "sasUrl"; queueSasUrl: string }
  | { kind: "identity"; queueServiceUri: string; clientId?: string };

export interface WatcherConfig {
  /** Virtual node names whose pods are watched (`ACI_NODE_NAMES`, same setting as the Functions). */
  nodeNames: string[];
  queueName: string;
  queue: WatcherQueueAuth;
  /** Kubeconfig file for running outside the cluster; unset = in-cluster service account. */
  kubeconfigPath?: string;
  /** Namespace of the watcher's own pod (Lease lives there) and its identity in the Lease. */
  namespace: string;
  podName: string;
  leaderElection: {
    enabled: boolean;
    leaseName: string;
    leaseDurationSeconds: number;
    /** The leader renews this often. */
    renewPeriodSeconds: number;
    /** The leader steps down when it could not renew for this long (< lease duration). */
    renewDeadlineSeconds: number;
    /** Followers try to acquire this often. */
    retryPeriodSeconds: number;
  };
  /** Updates to one pod within this window become one message. */
  coalesceMs: number;
  /** Most messages held while the queue is unavailable; beyond it the oldest are dropped (the timer repairs). */
  backlogMax: number;
  sendConcurrency: number;
  sendRetryBaseMs: number;
  sendRetryMaxMs: number;
  /** Restart backoff for a failed list/watch. */
  watchRetryBaseMs: number;
  watchRetryMaxMs: number;
  /** No watch event or bookmark for this long → the watch is presumed hung and restarted. */
  watchIdleSeconds: number;
  /** Page size of the initial list and relists. */
  listPageSize: number;
  /** On SIGTERM: time allowed to flush the backlog before releasing the Lease and exiting. */
  shutdownGraceSeconds: number;
  httpPort: number;
  /** The virtual node's kubelet endpoint (logs, exec, attach, stats); off unless `WATCHER_KUBELET_ENABLED`. */
  kubelet?: KubeletEndpointConfig;
}

/** Settings of the kubelet endpoint the watcher serves (docs/kubelet-api.md). */
export interface KubeletEndpointConfig {
  port: number;
  /** Where the serving certificate comes from (`WATCHER_KUBELET_TLS_MODE`, docs/kubelet-api.md#serving-certificate). */
  tls: KubeletTlsSettings;
  /** The cluster's client CA bundle; unset: read from `kube-system/extension-apiserver-authentication`. */
  clientCaFile?: string;
  /** The cluster identity in the container groups' tags, as the Functions have it (`BridgeConfig`). */
  clusterName: string;
  /** `derive`: neither setting given, the watcher reads the kube-system uid at start (watcher/main.ts). */
  clusterIdentity: "ACI_CLUSTER_ID" | "ACI_BRIDGE_CLUSTER_NAME" | "kube-system" | "derive" | "default";
  /** Node name in SubjectAccessReviews (the first of `ACI_NODE_NAMES` unless `KUBELET_NODE_NAME`). */
  authzNodeName: string;
  aci: Pick<
    AciConfig,
    "subscriptionId" | "resourceGroup" | "armEndpoint" | "armInsecure" | "managedIdentityClientId"
  >;
  /** `kubectl logs -f` polls ACI this often while lines arrive, backing off to the idle interval. */
  logsPollSeconds: number;
  logsIdlePollSeconds: number;
  /** `/stats/summary` and `/metrics/resource` refresh from Azure Monitor this often. */
  statsRefreshSeconds: number;
  /** Monitor metrics endpoint override (the simulator); default `https://<region>.metrics.monitor.azure.com`. */
  metricsEndpoint?: string;
}

/**
 * `files`: PEM files mounted by the chart (`KUBELET_TLS_CERT_FILE`/`KUBELET_TLS_KEY_FILE`). `csr`: a key
 * made in memory and a `kubernetes.io/kubelet-serving` CSR for `KUBELET_NODE_ADDRESS` (IP SAN) and the node
 * name (DNS SAN), waited for until someone approves it, rotated at 80 % of its validity.
 */
export type KubeletTlsSettings =
  | { mode: "files"; certFile: string; keyFile: string }
  | { mode: "csr"; nodeAddress: string; dnsNames: string[] };

function kubeletIdentity(
  clusterId: string | undefined,
  name: string | undefined,
): Pick<KubeletEndpointConfig, "clusterName" | "clusterIdentity"> {
  if (clusterId) return { clusterName: clusterId, clusterIdentity: "ACI_CLUSTER_ID" };
  if (name === undefined) return { clusterName: "default", clusterIdentity: "derive" };
  return { clusterName: name, clusterIdentity: name === "default" ? "default" : "ACI_BRIDGE_CLUSTER_NAME" };
}

export function loadKubeletEndpointConfig(
  env: Env,
  nodeNames: readonly string[],
): KubeletEndpointConfig | undefined {
  const r = new Reader(env);
  if (!r.bool("WATCHER_KUBELET_ENABLED", false)) return undefined;
  const armInsecure = r.bool("ARM_INSECURE", false);
  const armEndpoint = r.optional("ARM_ENDPOINT");
  if (armInsecure && !armEndpoint) {
    throw new ConfigError("ARM_INSECURE=true needs ARM_ENDPOINT (it is for the local ACI simulator only)");
  }
  const clientCaFile = r.optional("KUBELET_CLIENT_CA_FILE");
  const managedIdentityClientId = r.optional("AZURE_CLIENT_ID");
  const authzNodeName = r.string("KUBELET_NODE_NAME", nodeNames[0] ?? "aci-bridge");
  const mode = r.string("WATCHER_KUBELET_TLS_MODE", "files");
  let tls: KubeletTlsSettings;
  if (mode === "files") {
    tls = {
      mode,
      certFile: r.required("KUBELET_TLS_CERT_FILE"),
      keyFile: r.required("KUBELET_TLS_KEY_FILE"),
    };
  } else if (mode === "csr") {
    const nodeAddress = r.required("KUBELET_NODE_ADDRESS");
    if (isIP(nodeAddress) === 0) {
      throw new ConfigError(
        "KUBELET_NODE_ADDRESS must be an IP address (the Node's InternalIP, the certificate's IP SAN)",
      );
    }
    tls = { mode, nodeAddress, dnsNames: [authzNodeName] };
  } else {
    throw new ConfigError('WATCHER_KUBELET_TLS_MODE must be "files" or "csr"');
  }
  const config: KubeletEndpointConfig = {
    port: port(r, "KUBELET_PORT", 10250),
    tls,
    ...(clientCaFile ? { clientCaFile } : {}),
    // The same identity as the Functions' tags (lib/reconcile/identity.ts).
    ...kubeletIdentity(r.optional("ACI_CLUSTER_ID"), r.optional("ACI_BRIDGE_CLUSTER_NAME")),
    authzNodeName,
    aci: {
      subscriptionId: r.required("AZURE_SUBSCRIPTION_ID"),
      resourceGroup: r.required("ACI_RESOURCE_GROUP"),
      armInsecure,
      ...(armEndpoint ? { armEndpoint } : {}),
      ...(managedIdentityClientId ? { managedIdentityClientId } : {}),
    },
    logsPollSeconds: r.number("KUBELET_LOGS_POLL_SECONDS", 2),
    logsIdlePollSeconds: r.number("KUBELET_LOGS_IDLE_POLL_SECONDS", 10),
    statsRefreshSeconds: r.number("KUBELET_STATS_REFRESH_SECONDS", 60),
  };
  const metricsEndpoint = r.optional("KUBELET_METRICS_ENDPOINT");
  if (metricsEndpoint) config.metricsEndpoint = metricsEndpoint;
  if (config.logsPollSeconds <= 0 || config.logsIdlePollSeconds < config.logsPollSeconds) {
    throw new ConfigError("KUBELET_LOGS_POLL_SECONDS must be > 0 and ≤ KUBELET_LOGS_IDLE_POLL_SECONDS");
  }
  return config;
}

export function loadWatcherConfig(env: Env): Readonly<WatcherConfig> {
  const r = new Reader(env);
  const nodeNames = parseNodes(r.string("ACI_NODE_NAMES", "aci-bridge"), "").map((n) => n.name);
  const connectionString = r.optional(POD_EVENTS_CONNECTION);
  const queueSasUrl = r.optional("WATCHER_QUEUE_SAS_URL");
  const queueServiceUri = r.optional(`${POD_EVENTS_CONNECTION}__queueServiceUri`);
  let queue: WatcherQueueAuth;
  if (connectionString) queue = { kind: "connectionString", connectionString };
  else if (queueSasUrl) {
    if (!/^https?:\/\/[^?]+\?.*sig=/.test(queueSasUrl)) {
      throw new ConfigError(
        "WATCHER_QUEUE_SAS_URL must be a queue URL with a SAS token (…/pod-events?sv=…&sig=…)",
      );
    }
    queue = { kind: "sasUrl", queueSasUrl };
  } else if (queueServiceUri) {
    if (!/^https?:\/\//.test(queueServiceUri)) {
      throw new ConfigError(`${POD_EVENTS_CONNECTION}__queueServiceUri must be an http(s) URL`);
    }
    const clientId = r.optional(`${POD_EVENTS_CONNECTION}__clientId`);
    queue = clientId
      ? { kind: "identity", queueServiceUri, clientId }
      : { kind: "identity", queueServiceUri };
  } else {
    throw new ConfigError(
      `${POD_EVENTS_CONNECTION} (connection string), WATCHER_QUEUE_SAS_URL or ${POD_EVENTS_CONNECTION}__queueServiceUri must be set`,
    );
  }
  const integer = (name: string, fallback: number, min = 0): number => {
    const value = r.number(name, fallback);
    if (!Number.isInteger(value) || value < min) {
      throw new ConfigError(`${name} must be an integer ≥ ${min}`);
    }
    return value;
  };
  const config: WatcherConfig = {
    nodeNames,
    // "pod-events" is POD_EVENTS_QUEUE in lib/queue/message.ts (not imported here to keep this module leaf-level).
    queueName: r.string("POD_EVENTS_QUEUE_NAME", "pod-events"),
    queue,
    kubeconfigPath: r.optional("KUBECONFIG"),
    namespace: r.string("WATCHER_NAMESPACE", "aci-bridge"),
    // In a pod HOSTNAME is the pod name; the chart also sets WATCHER_POD_NAME from the downward API.
    podName: r.string("WATCHER_POD_NAME", r.string("HOSTNAME", `aci-bridge-watcher-${process.pid}`)),
    leaderElection: {
      enabled: r.bool("WATCHER_LEADER_ELECTION", true),
      leaseName: r.string("WATCHER_LEASE_NAME", "aci-bridge-watcher"),
      leaseDurationSeconds: integer("WATCHER_LEASE_DURATION_SECONDS", 15, 2),
      renewPeriodSeconds: r.number("WATCHER_LEASE_RENEW_PERIOD_SECONDS", 5),
      renewDeadlineSeconds: r.number("WATCHER_LEASE_RENEW_DEADLINE_SECONDS", 10),
      retryPeriodSeconds: r.number("WATCHER_LEASE_RETRY_PERIOD_SECONDS", 2),
    },
    coalesceMs: integer("WATCHER_COALESCE_MS", 500),
    backlogMax: integer("WATCHER_BACKLOG_MAX", 10_000, 1),
    sendConcurrency: integer("WATCHER_SEND_CONCURRENCY", 8, 1),
    sendRetryBaseMs: integer("WATCHER_SEND_RETRY_BASE_MS", 1_000, 1),
    sendRetryMaxMs: integer("WATCHER_SEND_RETRY_MAX_MS", 30_000, 1),
    watchRetryBaseMs: integer("WATCHER_WATCH_RETRY_BASE_MS", 1_000, 1),
    watchRetryMaxMs: integer("WATCHER_WATCH_RETRY_MAX_MS", 30_000, 1),
    watchIdleSeconds: integer("WATCHER_WATCH_IDLE_SECONDS", 300, 1),
    listPageSize: integer("WATCHER_LIST_PAGE_SIZE", 500, 0),
    shutdownGraceSeconds: r.number("WATCHER_SHUTDOWN_GRACE_SECONDS", 20),
    httpPort: integer("WATCHER_HTTP_PORT", 8080),
  };
  const kubelet = loadKubeletEndpointConfig(env, nodeNames);
  if (kubelet) config.kubelet = kubelet;
  const le = config.leaderElection;
  if (!(
    le.renewPeriodSeconds < le.renewDeadlineSeconds && le.renewDeadlineSeconds < le.leaseDurationSeconds
  )) {
    throw new ConfigError(
      "leader election needs WATCHER_LEASE_RENEW_PERIOD_SECONDS < WATCHER_LEASE_RENEW_DEADLINE_SECONDS < WATCHER_LEASE_DURATION_SECONDS",
    );
  }
  if (config.sendRetryBaseMs > config.sendRetryMaxMs || config.watchRetryBaseMs > config.watchRetryMaxMs) {
    throw new ConfigError("retry base delays must not exceed their maximum");
  }
  return deepFreeze(config);
}
