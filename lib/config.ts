/**
 * The one place that reads settings (`process.env` or an equivalent record). Each program parses its
 * settings once at start-up, gets a frozen object, and passes it down. A missing or malformed setting is a
 * `ConfigError` naming it. Every setting is listed in README "Configuration" and local.settings.sample.json.
 *
 * Errors name the setting and say what is wrong; they never repeat the value (a connection string, a
 * kubeconfig or a SAS URL in the wrong setting would otherwise land in the logs on every invocation).
 */
import { isIP } from "node:net";
import { ConfigError } from "./errors.js";
import { DEFAULT_TRANSLATION_POLICY, type TranslationPolicy } from "./translate/policy.js";
import type { OsType } from "./translate/types.js";

// Translation's own types, read here from settings (translation never imports config).
export { DEFAULT_TRANSLATION_POLICY };
export type { OsType, TranslationPolicy };

export type Env = Readonly<Record<string, string | undefined>>;

/** One virtual node served by this deployment. */
/**
 * Default `ACI_STATUS_SLOW_SECONDS`: 55 s + the host's 2 s `maxPollingInterval` + a 3 s handler budget = 60 s,
 * the bound on crash → pod status (docs/benchmarks.md, "The crash lag bound").
 */
export const DEFAULT_STATUS_SLOW_SECONDS = 55;

export interface VirtualNodeConfig {
  name: string;
  /** Azure region the node's container groups are created in. */
  region: string;
}

export interface NodeShape {
  os: OsType;
  /** Taint on the virtual node (`ACI_NODE_TAINT`, kubectl syntax `key[=value]:Effect`). */
  taint: { key: string; value?: string; effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute" };
  capacity: { cpu: string; memory: string; pods: string };
  /** Internal address shown on the Node and as pods' hostIP. */
  nodeIP: string;
  kubeletVersion: string;
  /** `daemonEndpoints.kubeletEndpoint.Port` on the Node: where the watcher serves the kubelet API (docs/kubelet-api.md). */
  kubeletPort?: number;
}

export interface AciConfig {
  subscriptionId: string;
  resourceGroup: string;
  /** ARM endpoint; only set to talk to the ACI simulator or a sovereign cloud. */
  armEndpoint?: string;
  /** Plain-http ARM with a fake token: the local simulator only. */
  armInsecure: boolean;
  /** User-assigned managed identity client id for ARM (else DefaultAzureCredential's chain). */
  managedIdentityClientId?: string;
  /** Delegated subnet resource id: groups get private IPs there (VNet mode). */
  subnetId?: string;
  /** Operator switch: allow pods that ask for it (annotation) to get a public IP. */
  allowPublicIp: boolean;
  /** Cluster DNS servers written into VNet-mode groups' dnsConfig. */
  dnsServers: string[];
  /** Search domains for cluster DNS (namespace-specific ones are added per pod). */
  clusterDomain: string;
  /** The API server as containers should reach it (`host:port`), for KUBERNETES_SERVICE_HOST/PORT. */
  apiServer?: { host: string; port: number };
  /** Per-group ceilings checked before ARM is called (region-dependent; defaults: common Linux SKUs). */
  maxCpuPerGroup: number;
  maxMemoryGbPerGroup: number;
  /** Node-wide choices for pod fields ACI can only approximate (docs/translation.md "Node-wide policies"). */
  translation: TranslationPolicy;
}

/** ACI_UNSUPPORTED_PROBES, ACI_POD_IP_SUBSTITUTE, ACI_WORKING_DIR, ACI_EXCESS_PORTS. */
export function loadTranslationPolicy(r: Reader): TranslationPolicy {
  const d = DEFAULT_TRANSLATION_POLICY;
  const policy: TranslationPolicy = {
    unsupportedProbes: r.oneOf("ACI_UNSUPPORTED_PROBES", ["reject", "drop"] as const, d.unsupportedProbes),
    workingDir: r.oneOf("ACI_WORKING_DIR", ["reject", "drop"] as const, d.workingDir),
    excessPorts: r.oneOf("ACI_EXCESS_PORTS", ["reject", "first5"] as const, d.excessPorts),
  };
  const substitute = r.optional("ACI_POD_IP_SUBSTITUTE");
  if (substitute !== undefined) {
    // An address a process can bind or print: IPv4 or IPv6 literal, nothing a shell would interpret.
    if (!/^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*)$/.test(substitute)) {
      throw new ConfigError("ACI_POD_IP_SUBSTITUTE must be an IP address (e.g. 0.0.0.0)");
    }
    policy.podIpSubstitute = substitute;
  }
  return policy;
}

export interface QueueConnectionConfig {
  /** Connection string (Azurite, or an account key/SAS string). */
  connectionString?: string;
  /** Queue service URI for identity-based connections (`<Conn>__queueServiceUri`). */
  queueServiceUri?: string;
  /** Managed identity client id for identity-based connections (`<Conn>__clientId`). */
  clientId?: string;
}

export interface BridgeConfig {
  /**
   * The cluster identity in every container group's ownership tag: `ACI_CLUSTER_ID` (the kube-system
   * namespace uid, unique per cluster) when set, else `ACI_BRIDGE_CLUSTER_NAME`, else the kube-system uid
   * the Functions read at run time (lib/reconcile/identity.ts; `default` until then, or when unreadable).
   */
  clusterName: string;
  /**
   * Where `clusterName` came from. `derive`: not set, to be read from kube-system; `kube-system`: read;
   * `default` (unreadable, or `ACI_BRIDGE_CLUSTER_NAME=default` pinned): repair never deletes orphans.
   */
  clusterIdentity: "ACI_CLUSTER_ID" | "ACI_BRIDGE_CLUSTER_NAME" | "kube-system" | "derive" | "default";
  nodes: VirtualNodeConfig[];
  node: NodeShape;
  aci: AciConfig;
  /** Kubeconfig YAML text (a Key Vault reference in production) or a path to a kubeconfig file. */
  kubeconfig: { inline?: string; path?: string };
  queue: QueueConnectionConfig;
  timings: {
    /** Follow-up status check delay while a pod is starting or terminating. */
    statusFastSeconds: number;
    /**
     * Follow-up status check delay while a pod runs. The default leaves room for the queue hop so that a crash
     * shows in the pod's status within 60 s (docs/benchmarks.md, "The crash lag bound").
     */
    statusSlowSeconds: number;
    /** Repair (list pods + list groups) runs at most this often from the timer. */
    repairIntervalSeconds: number;
    leaseDurationSeconds: number;
  };
}

/** Name of the app setting (connection prefix) for the pod-events queue, used by the trigger binding. */
export const POD_EVENTS_CONNECTION = "PodEventsStorage";

export function loadBridgeConfig(env: Env): Readonly<BridgeConfig> {
  const r = new Reader(env);
  const region = r.string("ACI_REGION", "eastus");
  const nodes = parseNodes(r.string("ACI_NODE_NAMES", "aci-bridge"), region);
  const clusterId = r.optional("ACI_CLUSTER_ID");
  const namedCluster = r.optional("ACI_BRIDGE_CLUSTER_NAME");
  const explicitName = namedCluster !== undefined && namedCluster !== "default";
  if (clusterId !== undefined && !/^[A-Za-z0-9][-A-Za-z0-9_.]{0,62}$/.test(clusterId)) {
    throw new ConfigError(
      `ACI_CLUSTER_ID must be the kube-system namespace uid (letters, digits, -, _, .; at most 63), got "${clusterId}"`,
    );
  }
  const config: BridgeConfig = {
    clusterName: clusterId ?? namedCluster ?? "default",
    clusterIdentity: clusterId
      ? "ACI_CLUSTER_ID"
      : explicitName
        ? "ACI_BRIDGE_CLUSTER_NAME"
        : namedCluster === undefined
          ? "derive"
          : "default",
    nodes,
    node: {
      os: r.oneOf("ACI_NODE_OS", ["Linux", "Windows"] as const, "Linux"),
      taint: parseTaint(r.string("ACI_NODE_TAINT", "virtual-kubelet.io/provider=azure:NoSchedule")),
      capacity: {
        cpu: r.string("ACI_NODE_CAPACITY_CPU", "10000"),
        memory: r.string("ACI_NODE_CAPACITY_MEMORY", "4Ti"),
        pods: r.string("ACI_NODE_CAPACITY_PODS", "5000"),
      },
      nodeIP: r.string("ACI_NODE_IP", "10.240.0.250"),
      kubeletVersion: r.string("ACI_NODE_KUBELET_VERSION", "v1.32.0-aci-bridge"),
      kubeletPort: port(r, "ACI_NODE_KUBELET_PORT", 10250),
    },
    aci: {
      subscriptionId: r.required("AZURE_SUBSCRIPTION_ID"),
      resourceGroup: r.required("ACI_RESOURCE_GROUP"),
      armEndpoint: r.optional("ARM_ENDPOINT"),
      armInsecure: r.bool("ARM_INSECURE", false),
      managedIdentityClientId: r.optional("AZURE_CLIENT_ID"),
      subnetId: r.optional("ACI_SUBNET_ID"),
      allowPublicIp: r.bool("ACI_ALLOW_PUBLIC_IP", false),
      dnsServers: r.list("ACI_DNS_SERVERS"),
      clusterDomain: r.string("ACI_CLUSTER_DOMAIN", "cluster.local"),
      apiServer: parseHostPort(r.optional("ACI_API_SERVER")),
      maxCpuPerGroup: r.number("ACI_MAX_CPU_PER_GROUP", 4),
      maxMemoryGbPerGroup: r.number("ACI_MAX_MEMORY_GB_PER_GROUP", 16),
      translation: loadTranslationPolicy(r),
    },
    kubeconfig: { inline: r.optional("KUBECONFIG_CONTENT"), path: r.optional("KUBECONFIG") },
    queue: {
      connectionString: r.optional(POD_EVENTS_CONNECTION),
      queueServiceUri: r.optional(`${POD_EVENTS_CONNECTION}__queueServiceUri`),
      clientId: r.optional(`${POD_EVENTS_CONNECTION}__clientId`),
    },
    timings: {
      statusFastSeconds: r.number("ACI_STATUS_FAST_SECONDS", 3),
      statusSlowSeconds: r.number("ACI_STATUS_SLOW_SECONDS", DEFAULT_STATUS_SLOW_SECONDS),
      repairIntervalSeconds: r.number("ACI_REPAIR_INTERVAL_SECONDS", 60),
      leaseDurationSeconds: 40,
    },
  };
  if (!config.kubeconfig.inline && !config.kubeconfig.path) {
    throw new ConfigError("KUBECONFIG_CONTENT (kubeconfig YAML) or KUBECONFIG (a file path) must be set");
  }
  if (!config.queue.connectionString && !config.queue.queueServiceUri) {
    throw new ConfigError(
      `${POD_EVENTS_CONNECTION} (connection string) or ${POD_EVENTS_CONNECTION}__queueServiceUri must be set`,
    );
  }
  if (config.aci.armInsecure && !config.aci.armEndpoint) {
    throw new ConfigError("ARM_INSECURE=true needs ARM_ENDPOINT (it is for the local ACI simulator only)");
  }
  return deepFreeze(config);
}

/** `aci-bridge` or `aci-bridge,aci-bridge-west:westus` → nodes with regions (default region for bare names). */
export function parseNodes(value: string, defaultRegion: string): VirtualNodeConfig[] {
  const nodes = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const [name = "", region] = entry.split(":").map((s) => s.trim());
      if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) || name.length > 253) {
        throw new ConfigError("ACI_NODE_NAMES: an entry is not a valid Kubernetes node name");
      }
      return { name, region: region || defaultRegion };
    });
  if (nodes.length === 0) throw new ConfigError("ACI_NODE_NAMES: at least one node name is required");
  if (new Set(nodes.map((n) => n.name)).size !== nodes.length) {
    throw new ConfigError("ACI_NODE_NAMES: node names must be unique");
  }
  return nodes;
}

/**
 * `virtual-kubelet.io/provider=azure:NoSchedule` or the article's older `azure.com/aci:NoSchedule`
 * (no value: a toleration with only the key and effect tolerates it).
 */
export function parseTaint(value: string): NodeShape["taint"] {
  const match =
    /^([A-Za-z0-9][-A-Za-z0-9_./]*)(?:=([-A-Za-z0-9_.]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(
      value,
    );
  if (!match) {
    throw new ConfigError("ACI_NODE_TAINT must look like key[=value]:NoSchedule");
  }
  const [, key = "", taintValue, effect] = match;
  const taint: NodeShape["taint"] = { key, effect: effect as NodeShape["taint"]["effect"] };
  if (taintValue) taint.value = taintValue;
  return taint;
}

/** `10.0.0.1:443` or `my-aks-dns-abc.hcp.eastus.azmk8s.io:443` (port defaults to 443). */
export function parseHostPort(value: string | undefined): { host: string; port: number } | undefined {
  if (!value) return undefined;
  const match = /^([A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(value);
  const port = Number(match?.[2] ?? 443);
  if (!match || port < 1 || port > 65535) {
    throw new ConfigError("ACI_API_SERVER must be host[:port]");
  }
  return { host: match[1] ?? "", port };
}

/** An App Service Key Vault reference, as the setting holds it when the reference did not resolve. */
const KEY_VAULT_REFERENCE = /^@Microsoft\.KeyVault\s*\(/i;

/** Reads typed settings and names the setting in every error. */
export class Reader {
  constructor(private readonly env: Env) {}

  optional(name: string): string | undefined {
    const value = this.env[name]?.trim();
    if (value && KEY_VAULT_REFERENCE.test(value)) {
      // App Service keeps the literal reference when it cannot resolve it (identity without access, a
      // wrong secret URI, a deleted version): using it as the value would fail far from the cause.
      throw new ConfigError(
        `${name}: the Key Vault reference did not resolve (the app setting still holds the literal @Microsoft.KeyVault(...) text); check the reference and the app's access to the vault`,
      );
    }
    return value ? value : undefined;
  }

  required(name: string): string {
    const value = this.optional(name);
    if (value === undefined) throw new ConfigError(`${name} must be set`);
    return value;
  }

  string(name: string, fallback: string): string {
    return this.optional(name) ?? fallback;
  }

  number(name: string, fallback: number): number {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) {
      throw new ConfigError(`${name} must be a non-negative number`);
    }
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.optional(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (["true", "1", "yes"].includes(raw)) return true;
    if (["false", "0", "no"].includes(raw)) return false;
    throw new ConfigError(`${name} must be true or false`);
  }

  list(name: string): string[] {
    return (this.optional(name) ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    const match = allowed.find((a) => a.toLowerCase() === raw.toLowerCase());
    if (!match) throw new ConfigError(`${name} must be one of ${allowed.join(", ")}`);
    return match;
  }
}

export function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

// ---- Watcher settings ----
// Owned by the watcher (issue 5). Parsed once by `watcher/main.ts` from `process.env`; see docs/watcher.md.

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

function port(r: Reader, name: string, fallback: number): number {
  const value = r.number(name, fallback);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new ConfigError(`${name} must be a TCP port (1–65535), got "${value}"`);
  }
  return value;
}

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
