/**
 * What the kubelet endpoint needs from ACI, declared where it is used, and its implementation over
 * `@azure/arm-containerinstance` (the adapter layer: SDK errors become the project's error types through
 * `mapArmError`). Costs per call are in docs/kubelet-api.md: `getGroup` and `listLogs` are ARM reads,
 * `executeCommand` and `attach` are POST actions (ARM counts them as writes).
 */
import type { ContainerInstanceManagementClient } from "@azure/arm-containerinstance";
import { isRestError } from "@azure/core-rest-pipeline";
import { mapArmError } from "../aci/errors.js";
import { ownerFromTags, type PodOwner } from "../translate/names.js";

export type ContainerRunState = "Waiting" | "Running" | "Terminated" | "Unknown";

export interface ContainerInfo {
  name: string;
  state: ContainerRunState;
  restartCount: number;
  /** ACI's detailStatus / waiting reason, for error messages. */
  detail: string;
  startTime?: string;
}

export interface GroupInfo {
  name: string;
  /** Undefined when the group lacks the bridge's tags (not ours: never served). */
  owner?: PodOwner;
  containers: ContainerInfo[];
}

export interface StreamEndpoint {
  webSocketUri: string;
  password: string;
}

export interface TerminalSize {
  rows: number;
  cols: number;
}

/** A group as the list call shows it (no instance view): enough to know whose it is and where. */
export interface ListedGroup {
  name: string;
  id: string;
  region: string;
  owner?: PodOwner;
  containers: string[];
}

/** The ACI operations behind logs, exec and attach. Every method may be called concurrently. */
export interface KubeletAciApi {
  /** Every group in the resource group (one ARM read per 100 groups). */
  listGroups(): Promise<ListedGroup[]>;
  /** GET with instanceView; undefined when the group does not exist. */
  getGroup(name: string): Promise<GroupInfo | undefined>;
  /** The current instance's log (ACI keeps no earlier instance). Throws NotFoundError when gone. */
  listLogs(group: string, container: string, opts: { tail?: number; timestamps: boolean }): Promise<string>;
  /** Starts a command; the caller connects to the websocket and sends the password as the first message. */
  executeCommand(
    group: string,
    container: string,
    command: string,
    size: TerminalSize,
  ): Promise<StreamEndpoint>;
  /** Output stream of the container's main process; the password goes in the Authorization header. */
  attach(group: string, container: string): Promise<StreamEndpoint>;
}

function runState(s: string | undefined): ContainerRunState {
  return s === "Waiting" || s === "Running" || s === "Terminated" ? s : "Unknown";
}

export function armKubeletAciApi(
  client: ContainerInstanceManagementClient,
  resourceGroup: string,
): KubeletAciApi {
  return {
    async listGroups() {
      const out: ListedGroup[] = [];
      try {
        for await (const g of client.containerGroups.listByResourceGroup(resourceGroup)) {
          const owner = ownerFromTags(g.tags);
          out.push({
            name: g.name ?? "",
            id: g.id ?? "",
            region: (g.location ?? "").toLowerCase().replace(/\s+/g, ""),
            ...(owner ? { owner } : {}),
            containers: g.containers.map((c) => c.name),
          });
        }
      } catch (error) {
        throw mapArmError(error, "list groups");
      }
      return out;
    },
    async getGroup(name) {
      try {
        const g = await client.containerGroups.get(resourceGroup, name);
        const owner = ownerFromTags(g.tags);
        return {
          name,
          ...(owner ? { owner } : {}),
          containers: [...g.containers, ...(g.initContainers ?? [])].map((c) => {
            const cur = c.instanceView?.currentState;
            return {
              name: c.name,
              state: runState(cur?.state),
              restartCount: c.instanceView?.restartCount ?? 0,
              detail: cur?.detailStatus ?? "",
              ...(cur?.startTime ? { startTime: new Date(cur.startTime).toISOString() } : {}),
            };
          }),
        };
      } catch (error) {
        if (isRestError(error) && error.statusCode === 404) return undefined;
        throw mapArmError(error, `get ${name}`);
      }
    },
    async listLogs(group, container, opts) {
      try {
        const r = await client.containers.listLogs(resourceGroup, group, container, {
          timestamps: opts.timestamps,
          ...(opts.tail !== undefined ? { tail: opts.tail } : {}),
        });
        return r.content ?? "";
      } catch (error) {
        throw mapArmError(error, `logs ${group}/${container}`);
      }
    },
    async executeCommand(group, container, command, size) {
      try {
        const r = await client.containers.executeCommand(resourceGroup, group, container, {
          command,
          terminalSize: size,
        });
        return { webSocketUri: r.webSocketUri ?? "", password: r.password ?? "" };
      } catch (error) {
        throw mapArmError(error, `exec ${group}/${container}`);
      }
    },
    async attach(group, container) {
      try {
        const r = await client.containers.attach(resourceGroup, group, container);
        return { webSocketUri: r.webSocketUri ?? "", password: r.password ?? "" };
      } catch (error) {
        throw mapArmError(error, `attach ${group}/${container}`);
      }
    },
  };
}
