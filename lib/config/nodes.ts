/**
 * The virtual nodes a deployment serves and the Node's shape (lib/config.ts reads the settings; the watcher
 * reads `ACI_NODE_NAMES` too).
 */
import { ConfigError } from "../errors.js";
import type { OsType } from "../translate/types.js";

/** One virtual node served by this deployment. */
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
