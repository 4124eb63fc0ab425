/**
 * Node settings for the dry run: the same environment variables the Functions read (through lib/config's
 * `Reader`), overridden by command-line flags. Nothing here needs Azure or cluster credentials.
 */
import { Reader, loadTranslationPolicy, parseNodes, type Env } from "../lib/config.js";
import type { NodeSettings } from "../lib/translate/types.js";

export interface SettingFlags {
  region?: string;
  subnet?: string;
  allowPublicIp?: boolean;
  os?: string;
  node?: string;
  cluster?: string;
  dnsServers?: string;
  clusterDomain?: string;
  nodeIP?: string;
  apiServer?: string;
}

export function cliNodeSettings(env: Env, flags: SettingFlags): NodeSettings {
  const merged: Record<string, string | undefined> = { ...env };
  const set = (key: string, value: string | boolean | undefined) => {
    if (value !== undefined) merged[key] = String(value);
  };
  set("ACI_REGION", flags.region);
  set("ACI_SUBNET_ID", flags.subnet);
  set("ACI_ALLOW_PUBLIC_IP", flags.allowPublicIp);
  set("ACI_NODE_OS", flags.os);
  set("ACI_BRIDGE_CLUSTER_NAME", flags.cluster);
  set("ACI_DNS_SERVERS", flags.dnsServers);
  set("ACI_CLUSTER_DOMAIN", flags.clusterDomain);
  set("ACI_NODE_IP", flags.nodeIP);
  set("ACI_API_SERVER", flags.apiServer);
  const r = new Reader(merged);
  const region = r.string("ACI_REGION", "eastus");
  const nodes = parseNodes(flags.node ?? r.string("ACI_NODE_NAMES", "aci-bridge"), region);
  const node = nodes[0] ?? { name: "aci-bridge", region };
  const settings: NodeSettings = {
    clusterName: r.string("ACI_BRIDGE_CLUSTER_NAME", "default"),
    nodeName: node.name,
    region: node.region,
    os: r.oneOf("ACI_NODE_OS", ["Linux", "Windows"] as const, "Linux"),
    allowPublicIp: r.bool("ACI_ALLOW_PUBLIC_IP", false),
    dnsServers: r.list("ACI_DNS_SERVERS"),
    clusterDomain: r.string("ACI_CLUSTER_DOMAIN", "cluster.local"),
    nodeIP: r.string("ACI_NODE_IP", "10.240.0.250"),
    maxCpuPerGroup: r.number("ACI_MAX_CPU_PER_GROUP", 4),
    maxMemoryGbPerGroup: r.number("ACI_MAX_MEMORY_GB_PER_GROUP", 16),
    policy: loadTranslationPolicy(r),
  };
  const subnet = r.optional("ACI_SUBNET_ID");
  if (subnet) settings.subnetId = subnet;
  const api = r.optional("ACI_API_SERVER");
  if (api) {
    const match = /^(?:https?:\/\/)?(\[[^\]]+\]|[^:/]+)(?::(\d+))?/.exec(api);
    if (match?.[1])
      settings.apiServer = { host: match[1].replace(/^\[|\]$/g, ""), port: Number(match[2] ?? 443) };
  }
  return settings;
}
