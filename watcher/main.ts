/**
 * Entry point of the in-cluster watcher (container image `ENTRYPOINT ["node","dist/watcher/main.js"]`).
 * Reads settings once, builds the Kubernetes and queue clients, starts the watcher and its HTTP endpoints,
 * and on SIGTERM/SIGINT flushes and releases the Lease before exiting 0. The logic lives in lib/watcher (wired
 * in lib/watcher/build.ts), the clients in the adapter layer (lib/kube/http, lib/kube/lease.ts, lib/queue).
 */
import { loadWatcherConfig } from "../lib/config.js";
import { ensureError } from "../lib/errors.js";
import { jsonLineLogger } from "../lib/log.js";
import { startHttpServer } from "../lib/watcher/http.js";
import { loadKubeConnection } from "../lib/kube/http/connection.js";
import { kubeNamespaceUid } from "../lib/kube/http/namespaces.js";
import { describeQueue } from "../lib/queue/watcherSender.js";
import { deriveClusterIdentity } from "../lib/reconcile/identity.js";
import { buildWatcher } from "../lib/watcher/build.js";

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
  const watcher = buildWatcher(config, { kube, logger });
  const http = await startHttpServer(config.httpPort, watcher);
  logger.info("watcher.http.listening", {
    port: http.port,
    queue: describeQueue(config.queueName, config.queue),
  });
  watcher.start();
  // The virtual node's kubelet API (logs, exec, attach, stats), when enabled. Started after the watcher: in
  // `csr` mode it may wait for someone to approve its certificate, and pod events must flow meanwhile.
  const kubeletStop = new AbortController();
  const kubelet = kubeletConfig
    ? import("../lib/kubelet/start.js")
        .then((m) =>
          m.startKubeletEndpoint(kubeletConfig, config.nodeNames, kube, logger, kubeletStop.signal),
        )
        .catch((error: unknown) => {
          if (kubeletStop.signal.aborted) return undefined;
          logger.error("watcher.crashed", { error: `kubelet endpoint: ${ensureError(error).message}` });
          process.exit(1);
        })
    : undefined;

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("watcher.signal", { signal });
    void watcher
      .shutdown()
      .then(() => {
        kubeletStop.abort();
        return Promise.all([http.close(), kubelet?.then((k) => k?.close())]);
      })
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
