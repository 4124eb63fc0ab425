/**
 * The one place that reads settings (`process.env` or an equivalent record). Each program parses its
 * settings once at start-up, gets a frozen object, and passes it down. A missing or malformed setting is a
 * `ConfigError` naming it. Every setting is listed in README "Configuration" and local.settings.sample.json.
 */
import { ConfigError } from "./errors.js";

export type Env = Readonly<Record<string, string | undefined>>;
export type OsType = "Linux" | "Windows";

/** One virtual node served by this deployment. */
export interface VirtualNodeConfig {
  name: string;
  /** Azure region the node's container groups are created in. */
  region: string;
}

export interface NodeShape {
  os: OsType;
  /** Taint key on the virtual node; value `azure`, effect NoSchedule (article used `azure.com/aci`). */
  taintKey: string;
  capacity: { cpu: string; memory: string; pods: string };
  /** Internal address shown on the Node and as pods' hostIP. */
  nodeIP: string;
  kubeletVersion: string;
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
  /** Per-group ceilings checked before ARM is called (region-dependent; defaults: common Linux SKUs). */
  maxCpuPerGroup: number;
  maxMemoryGbPerGroup: number;
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
  clusterName: string;
  nodes: VirtualNodeConfig[];
  node: NodeShape;
  aci: AciConfig;
  /** Kubeconfig YAML text (a Key Vault reference in production) or a path to a kubeconfig file. */
  kubeconfig: { inline?: string; path?: string };
  queue: QueueConnectionConfig;
  timings: {
    /** Follow-up status check delay while a pod is starting or terminating. */
    statusFastSeconds: number;
    /** Follow-up status check delay while a pod runs. */
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
  const config: BridgeConfig = {
    clusterName: r.string("ACI_BRIDGE_CLUSTER_NAME", "default"),
    nodes,
    node: {
      os: r.oneOf("ACI_NODE_OS", ["Linux", "Windows"] as const, "Linux"),
      taintKey: r.string("ACI_NODE_TAINT_KEY", "virtual-kubelet.io/provider"),
      capacity: {
        cpu: r.string("ACI_NODE_CAPACITY_CPU", "10000"),
        memory: r.string("ACI_NODE_CAPACITY_MEMORY", "4Ti"),
        pods: r.string("ACI_NODE_CAPACITY_PODS", "5000"),
      },
      nodeIP: r.string("ACI_NODE_IP", "10.240.0.250"),
      kubeletVersion: r.string("ACI_NODE_KUBELET_VERSION", "v1.32.0-aci-bridge"),
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
      maxCpuPerGroup: r.number("ACI_MAX_CPU_PER_GROUP", 4),
      maxMemoryGbPerGroup: r.number("ACI_MAX_MEMORY_GB_PER_GROUP", 16),
    },
    kubeconfig: { inline: r.optional("KUBECONFIG_CONTENT"), path: r.optional("KUBECONFIG") },
    queue: {
      connectionString: r.optional(POD_EVENTS_CONNECTION),
      queueServiceUri: r.optional(`${POD_EVENTS_CONNECTION}__queueServiceUri`),
      clientId: r.optional(`${POD_EVENTS_CONNECTION}__clientId`),
    },
    timings: {
      statusFastSeconds: r.number("ACI_STATUS_FAST_SECONDS", 3),
      statusSlowSeconds: r.number("ACI_STATUS_SLOW_SECONDS", 45),
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
        throw new ConfigError(`ACI_NODE_NAMES: "${name}" is not a valid Kubernetes node name`);
      }
      return { name, region: region || defaultRegion };
    });
  if (nodes.length === 0) throw new ConfigError("ACI_NODE_NAMES: at least one node name is required");
  if (new Set(nodes.map((n) => n.name)).size !== nodes.length) {
    throw new ConfigError("ACI_NODE_NAMES: node names must be unique");
  }
  return nodes;
}

/** Reads typed settings and names the setting in every error. */
export class Reader {
  constructor(private readonly env: Env) {}

  optional(name: string): string | undefined {
    const value = this.env[name]?.trim();
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
      throw new ConfigError(`${name} must be a non-negative number, got "${raw}"`);
    }
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.optional(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (["true", "1", "yes"].includes(raw)) return true;
    if (["false", "0", "no"].includes(raw)) return false;
    throw new ConfigError(`${name} must be true or false, got "${raw}"`);
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
    if (!match) throw new ConfigError(`${name} must be one of ${allowed.join(", ")}, got "${raw}"`);
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
