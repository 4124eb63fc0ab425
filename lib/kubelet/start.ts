/**
 * Builds and starts the kubelet endpoint. `startKubeletEndpointWith` takes its parts (the ACI and Monitor
 * clients, the reviews, the TLS material), so the local stack can pass the simulator's, a kubeconfig's or
 * the API fake's; `startKubeletEndpoint` builds those parts from the watcher's settings: the ARM client
 * (managed identity by client id, else DefaultAzureCredential's chain; the simulator with `ARM_INSECURE`),
 * TokenReview/SubjectAccessReview over the watcher's Kubernetes connection, the client CA (a file, else
 * the cluster's `extension-apiserver-authentication` ConfigMap), and the serving certificate (files, or a
 * kubelet-serving CSR that it waits for and rotates: tlsSource.ts). `watcher/main.ts` imports this module
 * only when `WATCHER_KUBELET_ENABLED=true`, so a watcher without the endpoint loads none of the Azure SDK.
 */
import { readFileSync } from "node:fs";
import type { TokenCredential } from "@azure/core-auth";
import { DefaultAzureCredential, ManagedIdentityCredential } from "@azure/identity";
import { createContainerInstanceClient } from "../aci/armClient.js";
import type { AciConfig, KubeletEndpointConfig } from "../config.js";
import { ensureError } from "../errors.js";
import type { Logger } from "../log.js";
import type { KubeConnection } from "../kube/http/connection.js";
import { kubePodReader } from "../kube/http/pod.js";
import { armKubeletAciApi, type KubeletAciApi } from "./aci.js";
import { KubeletAuth, type KubeReviews } from "./auth.js";
import { ServingCertRotation } from "./certRotation.js";
import { readClusterClientCa } from "./clientCa.js";
import { streamHandler } from "./exec.js";
import { kubeReviews } from "./kubeReviews.js";
import { DEFAULT_FOLLOW_TIMING, type FollowTiming } from "./logs.js";
import { monitorMetricsApi, type MetricsApi } from "./monitor.js";
import { startKubeletServer, type PodLookup, type RunningKubelet, type TlsMaterial } from "./server.js";
import { kubeCsrApi, type ServingCertificate } from "./servingCert.js";
import { ResourceStats } from "./stats.js";
import { issueUntilApproved } from "./tlsSource.js";

export interface KubeletEndpointParts {
  port: number;
  /** Listen address; default all interfaces. */
  host?: string;
  tls: TlsMaterial;
  clusterName: string;
  /** Nodes whose pods this endpoint serves; `nodeName` is the one in SubjectAccessReviews and the summary. */
  nodeNames: readonly string[];
  nodeName: string;
  aci: KubeletAciApi;
  metrics: MetricsApi;
  reviews: KubeReviews;
  /** The API server's view of a pod without a group (server.ts `PodLookup`). */
  pods?: PodLookup;
  logger: Logger;
  statsRefreshMs: number;
  followTiming?: FollowTiming;
}

/** Stats refresh + HTTPS server; `close` stops both. */
export async function startKubeletEndpointWith(p: KubeletEndpointParts): Promise<RunningKubelet> {
  const stats = new ResourceStats({
    aci: p.aci,
    metrics: p.metrics,
    clusterName: p.clusterName,
    nodeNames: p.nodeNames,
    nodeName: p.nodeName,
    refreshMs: p.statsRefreshMs,
    logger: p.logger,
  });
  stats.start();
  let running: RunningKubelet;
  try {
    running = await startKubeletServer(
      { port: p.port, ...(p.host ? { host: p.host } : {}), tls: p.tls },
      {
        clusterName: p.clusterName,
        nodeNames: p.nodeNames,
        aci: p.aci,
        auth: new KubeletAuth(p.reviews, p.nodeName),
        logger: p.logger,
        streams: streamHandler({ aci: p.aci, logger: p.logger }),
        stats,
        ...(p.pods ? { pods: p.pods } : {}),
        followTiming: p.followTiming ?? DEFAULT_FOLLOW_TIMING,
      },
    );
  } catch (error) {
    stats.stop();
    throw error;
  }
  p.logger.info("kubelet.listening", {
    port: running.port,
    node: p.nodeName,
    clientCa: p.tls.clientCa !== undefined,
  });
  return {
    ...running,
    close: async () => {
      stats.stop();
      await running.close();
    },
  };
}

/** ARM (container groups, logs, exec) and Monitor (metrics) clients for the endpoint. */
export function azureKubeletApis(
  aci: Pick<
    AciConfig,
    "subscriptionId" | "resourceGroup" | "armEndpoint" | "armInsecure" | "managedIdentityClientId"
  >,
  metricsEndpoint?: string,
  credential?: TokenCredential,
): { aci: KubeletAciApi; metrics: MetricsApi } {
  const cred: TokenCredential | undefined = aci.armInsecure
    ? undefined
    : (credential ??
      (aci.managedIdentityClientId
        ? new ManagedIdentityCredential({ clientId: aci.managedIdentityClientId })
        : new DefaultAzureCredential()));
  const client = createContainerInstanceClient({
    subscriptionId: aci.subscriptionId,
    ...(aci.armEndpoint ? { endpoint: aci.armEndpoint } : {}),
    insecure: aci.armInsecure,
    ...(cred ? { credential: cred } : {}),
  });
  return {
    aci: armKubeletAciApi(client, aci.resourceGroup),
    metrics: monitorMetricsApi({
      subscriptionId: aci.subscriptionId,
      ...(metricsEndpoint ? { endpoint: () => metricsEndpoint } : {}),
      ...(cred ? { credential: cred } : {}),
    }),
  };
}

/**
 * The client CA from a file, else the cluster's ConfigMap. Without one the endpoint still serves bearer
 * tokens, but refuses the API server's client certificate: logged as `kubelet.clientca.unavailable`.
 */
export async function loadClientCa(
  file: string | undefined,
  kube: KubeConnection,
  logger: Logger,
): Promise<string | Buffer | undefined> {
  if (file) return readFileSync(file);
  try {
    const pem = await readClusterClientCa(kube);
    if (pem) return pem;
    logger.warn("kubelet.clientca.unavailable", { error: "client-ca-file is empty" });
  } catch (error) {
    logger.warn("kubelet.clientca.unavailable", { error: ensureError(error).message });
  }
  return undefined;
}

/** The watcher's endpoint, from its settings. In `csr` mode it waits (until `signal`) for an approval. */
export async function startKubeletEndpoint(
  config: KubeletEndpointConfig,
  nodeNames: readonly string[],
  kube: KubeConnection,
  logger: Logger,
  signal?: AbortSignal,
): Promise<RunningKubelet> {
  const clientCa = await loadClientCa(config.clientCaFile, kube, logger);
  const withCa = (c: { cert: string | Buffer; key: string | Buffer }): TlsMaterial => ({
    ...c,
    ...(clientCa ? { clientCa } : {}),
  });
  let rotation: ServingCertRotation | undefined;
  let tls: TlsMaterial;
  const { tls: settings } = config;
  if (settings.mode === "files") {
    tls = withCa({ cert: readFileSync(settings.certFile), key: readFileSync(settings.keyFile) });
  } else {
    const id = { nodeName: config.authzNodeName, address: settings.nodeAddress, dnsNames: settings.dnsNames };
    const api = kubeCsrApi(kube);
    const renew = (s: AbortSignal): Promise<ServingCertificate> =>
      issueUntilApproved(id, { api, logger, signal: s });
    const first = await renew(signal ?? new AbortController().signal);
    tls = withCa(first);
    rotation = new ServingCertRotation({
      current: first,
      renew,
      apply: (c) => running.setTls(withCa(c)),
      logger,
      node: config.authzNodeName,
    });
  }
  const running = await startKubeletEndpointWith({
    port: config.port,
    tls,
    clusterName: config.clusterName,
    nodeNames,
    nodeName: config.authzNodeName,
    ...azureKubeletApis(config.aci, config.metricsEndpoint),
    reviews: kubeReviews(kube),
    pods: kubePodReader(kube),
    logger,
    statsRefreshMs: config.statsRefreshSeconds * 1000,
    followTiming: {
      ...DEFAULT_FOLLOW_TIMING,
      activeMs: config.logsPollSeconds * 1000,
      idleMs: config.logsIdlePollSeconds * 1000,
    },
  });
  rotation?.start();
  return {
    ...running,
    close: async () => {
      rotation?.stop();
      await running.close();
    },
  };
}
