/**
 * Entry point of the in-cluster watcher (container image `ENTRYPOINT ["node","dist/watcher/main.js"]`).
 * Reads settings once, builds the Kubernetes and queue clients, starts the watcher and its HTTP endpoints,
 * and on SIGTERM/SIGINT flushes and releases the Lease before exiting 0. The logic lives in lib/watcher, the
 * clients in the adapter layer (lib/kube/http, lib/kube/lease.ts, lib/queue).
 */
import { loadWatcherConfig } from "../lib/config.js";
import { ensureError } from "../lib/errors.js";
import { jsonLineLogger } from "../lib/log.js";
import { startHttpServer } from "../lib/watcher/http.js";
import { loadKubeConnection } from "../lib/kube/http/connection.js";
import { kubeNamespaceUid } from "../lib/kube/http/namespaces.js";
import { kubePodApi } from "../lib/kube/http/pods.js";
import { deriveClusterIdentity } from "../lib/reconcile/identity.js";
import { kubeLeaseStore } from "../lib/kube/lease.js";
import { describeQueue, watcherQueueSender } from "../lib/queue/watcherSender.js";
import { Watcher } from "../lib/watcher/watcher.js";

async function main(): Promise<void> {
  const logger = jsonLineLogger();
  let config;
  try {
    config = loadWatcherConfig(process.env);
  } catch (error) {
    logger.error("watcher.config.invalid", { error: ensureError(error).message });
    process.exit(2);
  }
  const kube = await loadKubeConnection(config.kubeconfigPath);
  // The kubelet endpoint serves only groups tagged with the cluster identity the Functions derive; an API
  // server that cannot answer now fails the start (the pod restarts), a 403 leaves `default`.
  const kubeletConfig = config.kubelet && {
    ...config.kubelet,
    ...(await deriveClusterIdentity(config.kubelet, { getNamespaceUid: kubeNamespaceUid(kube) })),
  };
  const watcher = new Watcher({
    config,
    podApi: kubePodApi(kube),
    leaseStore: kubeLeaseStore(kube, config.namespace, config.leaderElection.leaseName),
    sender: watcherQueueSender(config.queueName, config.queue),
    logger,
  });
  const http = await startHttpServer(config.httpPort, watcher);
  // The virtual node's kubelet API (logs, exec, attach): off until the chart mounts its certificate.
  const kubelet = kubeletConfig
    ? await (
        await import("../lib/kubelet/start.js")
      ).startKubeletEndpoint(kubeletConfig, config.nodeNames, kube, logger)
    : undefined;
  logger.info("watcher.http.listening", {
    port: http.port,
    queue: describeQueue(config.queueName, config.queue),
  });
  watcher.start();

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("watcher.signal", { signal });
    void watcher
      .shutdown()
      .then(() => Promise.all([http.close(), kubelet?.close()]))
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error("watcher.crashed", { error: ensureError(error).message });
          process.exit(1);
        },
      );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((error: unknown) => {
  jsonLineLogger().error("watcher.crashed", { error: ensureError(error).message });
  process.exit(1);
});
