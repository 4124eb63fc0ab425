/**
 * Builds the kubelet endpoint from settings: TLS files, the ARM client (managed identity by client id, else
 * DefaultAzureCredential's chain; the simulator with `ARM_INSECURE`), TokenReview/SubjectAccessReview over
 * the watcher's Kubernetes connection, and the exec/attach bridge. `watcher/main.ts` imports this module
 * only when `WATCHER_KUBELET_ENABLED=true`, so a watcher without the endpoint loads none of the Azure SDK.
 */
import { readFileSync } from "node:fs";
import type { TokenCredential } from "@azure/core-auth";
import { DefaultAzureCredential, ManagedIdentityCredential } from "@azure/identity";
import { createContainerInstanceClient } from "../aci/armClient.js";
import type { KubeletEndpointConfig } from "../config.js";
import type { Logger } from "../log.js";
import type { KubeConnection } from "../kube/http/connection.js";
import { armKubeletAciApi } from "./aci.js";
import { KubeletAuth } from "./auth.js";
import { streamHandler } from "./exec.js";
import { kubeReviews } from "./kubeReviews.js";
import { monitorMetricsApi } from "./monitor.js";
import { ResourceStats } from "./stats.js";
import { DEFAULT_FOLLOW_TIMING } from "./logs.js";
import { startKubeletServer, type RunningKubelet } from "./server.js";

export async function startKubeletEndpoint(
  config: KubeletEndpointConfig,
  nodeNames: readonly string[],
  kube: KubeConnection,
  logger: Logger,
): Promise<RunningKubelet> {
  const credential: TokenCredential | undefined = config.aci.armInsecure
    ? undefined
    : config.aci.managedIdentityClientId
      ? new ManagedIdentityCredential({ clientId: config.aci.managedIdentityClientId })
      : new DefaultAzureCredential();
  const client = createContainerInstanceClient({
    subscriptionId: config.aci.subscriptionId,
    ...(config.aci.armEndpoint ? { endpoint: config.aci.armEndpoint } : {}),
    insecure: config.aci.armInsecure,
    ...(credential ? { credential } : {}),
  });
  const aci = armKubeletAciApi(client, config.aci.resourceGroup);
  const metricsEndpoint = config.metricsEndpoint;
  const stats = new ResourceStats({
    aci,
    metrics: monitorMetricsApi({
      subscriptionId: config.aci.subscriptionId,
      ...(metricsEndpoint ? { endpoint: () => metricsEndpoint } : {}),
      ...(credential ? { credential } : {}),
    }),
    clusterName: config.clusterName,
    nodeNames,
    nodeName: config.authzNodeName,
    refreshMs: config.statsRefreshSeconds * 1000,
    logger,
  });
  stats.start();
  const running = await startKubeletServer(
    {
      port: config.port,
      tls: {
        cert: readFileSync(config.tlsCertFile),
        key: readFileSync(config.tlsKeyFile),
        ...(config.clientCaFile ? { clientCa: readFileSync(config.clientCaFile) } : {}),
      },
    },
    {
      clusterName: config.clusterName,
      nodeNames,
      aci,
      auth: new KubeletAuth(kubeReviews(kube), config.authzNodeName),
      logger,
      streams: streamHandler({ aci, logger }),
      stats,
      followTiming: {
        ...DEFAULT_FOLLOW_TIMING,
        activeMs: config.logsPollSeconds * 1000,
        idleMs: config.logsIdlePollSeconds * 1000,
      },
    },
  );
  logger.info("kubelet.listening", {
    port: running.port,
    node: config.authzNodeName,
    clientCa: config.clientCaFile !== undefined,
  });
  return {
    ...running,
    close: async () => {
      stats.stop();
      await running.close();
    },
  };
}
