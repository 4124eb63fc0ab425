/**
 * The one place a watcher is put together from its config: the pod list/watch and Lease clients over the given
 * Kubernetes connection, the Storage queue sender the config names, and the `Watcher` (reflectors, coalescer,
 * outbox, elector). The in-cluster entry point (`watcher/main.ts`), the local stack and the chaos run all build
 * it here, so they run the same wiring; what they inject differs (a kubeconfig or a fake's, a sender wrapped
 * in faults, a logger that keeps lines).
 */
import type { WatcherConfig } from "../config.js";
import { kubePodApi } from "../kube/http/pods.js";
import type { KubeTarget } from "../kube/http/connection.js";
import { kubeLeaseStore } from "../kube/lease.js";
import type { Logger } from "../log.js";
import type { PodMessageSender } from "../queue/message.js";
import { watcherQueueSender } from "../queue/watcherSender.js";
import type { Clock } from "./clock.js";
import type { WatcherMetrics } from "./metrics.js";
import { Watcher } from "./watcher.js";

export interface BuildWatcherDeps {
  /** The Kubernetes API: a `KubeConnection` (the service account, a kubeconfig) or a client-node `KubeConfig`. */
  kube: KubeTarget;
  logger: Logger;
  /** Replaces the Storage queue sender of `config.queueName` (tests). */
  sender?: PodMessageSender;
  /** Wraps the sender (the chaos run puts its faulty queue between the watcher and the real one). */
  wrapSender?: (sender: PodMessageSender) => PodMessageSender;
  clock?: Clock;
  metrics?: WatcherMetrics;
  random?: () => number;
}

/**
 * A watcher ready to `start()` (once) and `shutdown()` (once). The Lease client is made only when the config
 * enables leader election; creating it sends no request.
 */
export function buildWatcher(config: WatcherConfig, deps: BuildWatcherDeps): Watcher {
  const sender = deps.sender ?? watcherQueueSender(config.queueName, config.queue);
  return new Watcher({
    config,
    podApi: kubePodApi(deps.kube),
    ...(config.leaderElection.enabled
      ? { leaseStore: kubeLeaseStore(deps.kube, config.namespace, config.leaderElection.leaseName) }
      : {}),
    sender: deps.wrapSender ? deps.wrapSender(sender) : sender,
    logger: deps.logger,
    ...(deps.clock ? { clock: deps.clock } : {}),
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.random ? { random: deps.random } : {}),
  });
}
