/**
 * Builds everything the Functions need from the parsed settings: the Kubernetes and ARM adapters, the
 * queue sender for follow-ups, the poison queue, and per-instance state (follow-up memory, throttle gate,
 * timer state). Entry points in `functions/` build one runtime per process, lazily, and pass it down; tests
 * and the local stack build their own.
 */
import { randomUUID } from "node:crypto";
import { DefaultAzureCredential, ManagedIdentityCredential } from "@azure/identity";
import type { TokenCredential } from "@azure/core-auth";
import type { QueueClient } from "@azure/storage-queue";
import type { BridgeConfig } from "./config.js";
import { createContainerInstanceClient } from "./aci/armClient.js";
import { createContainerGroupApi, installRetryAfterCap } from "./aci/containerGroups.js";
import { createKubeApi, loadKubeConfig } from "./kube/api.js";
import { createQueueClient, queueSender } from "./queue/client.js";
import { POD_EVENTS_POISON_QUEUE, POD_EVENTS_QUEUE, type PodMessageSender } from "./queue/message.js";
import { FollowUpScheduler, ThrottleGate } from "./reconcile/followUps.js";
import { KeyedMutex } from "./reconcile/keyedMutex.js";
import type { ContainerGroupApi, KubeApi } from "./reconcile/ports.js";
import type { EntrypointResolver } from "./reconcile/references.js";
import { newTickState, type TickState } from "./reconcile/tick.js";
import { createEntrypointResolver } from "./registry/entrypoint.js";
import type { NodeSettings } from "./translate/types.js";

/** Retry-After up to this long is waited inside the SDK call; longer ones defer the message. */
export const MAX_INLINE_RETRY_AFTER_MS = 5_000;

export interface BridgeRuntime {
  config: Readonly<BridgeConfig>;
  kube: KubeApi;
  aci: ContainerGroupApi;
  sender: PodMessageSender;
  /** Sends a raw (already encoded) body to pod-events-poison. */
  sendPoison(encodedBody: string): Promise<void>;
  followUps: FollowUpScheduler;
  throttle: ThrottleGate;
  /** Serializes reconciles of the same pod within this instance. */
  podLocks: KeyedMutex;
  entrypoints: EntrypointResolver;
  nodes: ReadonlyMap<string, NodeSettings>;
  tickState: TickState;
  /** Identifies this instance in Events (reportingInstance). */
  instance: string;
  now: () => Date;
}

export interface RuntimeOverrides {
  kube?: KubeApi;
  aci?: ContainerGroupApi;
  entrypoints?: EntrypointResolver;
  now?: () => Date;
  instance?: string;
  /** Wraps the pod-events sender (tests: a time-scaled harness shortens visibility delays). */
  wrapSender?: (sender: PodMessageSender) => PodMessageSender;
}

export function createBridgeRuntime(
  config: Readonly<BridgeConfig>,
  overrides: RuntimeOverrides = {},
): BridgeRuntime {
  const now = overrides.now ?? (() => new Date());
  const armCredential = config.aci.armInsecure
    ? undefined
    : azureCredential(config.aci.managedIdentityClientId);
  const aci =
    overrides.aci ??
    (() => {
      const client = createContainerInstanceClient({
        subscriptionId: config.aci.subscriptionId,
        endpoint: config.aci.armEndpoint,
        insecure: config.aci.armInsecure,
        credential: armCredential,
      });
      installRetryAfterCap(client.pipeline, MAX_INLINE_RETRY_AFTER_MS);
      return createContainerGroupApi(client, config.aci.resourceGroup);
    })();
  const kube = overrides.kube ?? createKubeApi(loadKubeConfig(config.kubeconfig));
  const queueCredential = config.queue.connectionString ? undefined : azureCredential(config.queue.clientId);
  const queueClient = (queueName: string): QueueClient =>
    createQueueClient({
      queueName,
      connectionString: config.queue.connectionString,
      queueServiceUri: config.queue.queueServiceUri,
      credential: queueCredential,
    });
  const plainSender = queueSender(queueClient(POD_EVENTS_QUEUE));
  const sender = overrides.wrapSender ? overrides.wrapSender(plainSender) : plainSender;
  const poison = queueClient(POD_EVENTS_POISON_QUEUE);
  const nowMs = () => now().getTime();
  return {
    config,
    kube,
    aci,
    sender,
    async sendPoison(encodedBody) {
      await poison.createIfNotExists();
      await poison.sendMessage(encodedBody);
    },
    followUps: new FollowUpScheduler(sender, nowMs),
    throttle: new ThrottleGate(nowMs),
    podLocks: new KeyedMutex(),
    entrypoints: overrides.entrypoints ?? createEntrypointResolver({}),
    nodes: nodeSettings(config),
    tickState: newTickState(),
    instance: overrides.instance ?? `aci-bridge-${randomUUID().slice(0, 8)}`,
    now,
  };
}

export function nodeSettings(config: Readonly<BridgeConfig>): Map<string, NodeSettings> {
  return new Map(
    config.nodes.map((node) => [
      node.name,
      {
        clusterName: config.clusterName,
        nodeName: node.name,
        region: node.region,
        os: config.node.os,
        subnetId: config.aci.subnetId,
        allowPublicIp: config.aci.allowPublicIp,
        dnsServers: [...config.aci.dnsServers],
        clusterDomain: config.aci.clusterDomain,
        nodeIP: config.node.nodeIP,
        ...(config.aci.apiServer ? { apiServer: { ...config.aci.apiServer } } : {}),
        maxCpuPerGroup: config.aci.maxCpuPerGroup,
        maxMemoryGbPerGroup: config.aci.maxMemoryGbPerGroup,
        policy: { ...config.aci.translation },
      },
    ]),
  );
}

/** Managed identity by client id in Azure; DefaultAzureCredential's chain elsewhere (az login, env, …). */
function azureCredential(clientId: string | undefined): TokenCredential {
  return clientId ? new ManagedIdentityCredential({ clientId }) : new DefaultAzureCredential();
}
