/**
 * The one place that reads settings (`process.env` or an equivalent record). Each program parses its
 * settings once at start-up, gets a frozen object, and passes it down. A missing or malformed setting is a
 * `ConfigError` naming it. Every setting is listed in README "Configuration" and local.settings.sample.json.
 *
 * Errors name the setting and say what is wrong; they never repeat the value (a connection string, a
 * kubeconfig or a SAS URL in the wrong setting would otherwise land in the logs on every invocation).
 */
import { ConfigError } from "./errors.js";
import { DEFAULT_TRANSLATION_POLICY, type TranslationPolicy } from "./translate/policy.js";
import type { OsType } from "./translate/types.js";
import { parseNodes, parseTaint, type NodeShape, type VirtualNodeConfig } from "./config/nodes.js";
import { deepFreeze, parseHostPort, port, POD_EVENTS_CONNECTION, Reader, type Env } from "./config/reader.js";

// Translation's own types, read here from settings (translation never imports config).
export { DEFAULT_TRANSLATION_POLICY };
export type { OsType, TranslationPolicy };
// The parts in lib/config/, so that every program imports its settings from this one module.
export * from "./config/nodes.js";
export * from "./config/reader.js";
export * from "./config/watcher.js";

/**
 * Default `ACI_STATUS_SLOW_SECONDS`: 55 s + the host's 2 s `maxPollingInterval` + a 3 s handler budget = 60 s,
 * the bound on crash → pod status (docs/benchmarks.md, "The crash lag bound").
 */
export const DEFAULT_STATUS_SLOW_SECONDS = 55;

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
