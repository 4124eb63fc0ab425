/** Helpers for the watcher's tests against the Kubernetes API fake and Azurite. */
import { QueueServiceClient, type QueueClient } from "@azure/storage-queue";
import type { V1Pod } from "@kubernetes/client-node";
import { loadWatcherConfig, type Env } from "../../../lib/config.js";
import { memoryLogger } from "../../../lib/log.js";
import { queueSender } from "../../../lib/queue/client.js";
import {
  parsePodMessage,
  type PodMessage,
  type PodMessageSender,
} from "../../../lib/queue/message.js";
import { kubeconfigConnection } from "../../../lib/kube/http/connection.js";
import { buildWatcher } from "../../../lib/watcher/build.js";
import type { Watcher } from "../../../lib/watcher/watcher.js";
import type { KubeFake } from "../../../sim/kube/index.js";

let counter = 0;
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${++counter}`;
}

/** Fast timings so failover, backoff and coalescing happen within a test's budget. */
export const FAST_ENV: Env = {
  WATCHER_COALESCE_MS: "200",
  WATCHER_LEASE_DURATION_SECONDS: "3",
  WATCHER_LEASE_RENEW_PERIOD_SECONDS: "1",
  WATCHER_LEASE_RENEW_DEADLINE_SECONDS: "2",
  WATCHER_LEASE_RETRY_PERIOD_SECONDS: "0.5",
  WATCHER_SEND_RETRY_BASE_MS: "100",
  WATCHER_SEND_RETRY_MAX_MS: "500",
  WATCHER_WATCH_RETRY_BASE_MS: "100",
  WATCHER_WATCH_RETRY_MAX_MS: "500",
  WATCHER_WATCH_IDLE_SECONDS: "10",
};

export async function createQueue(connectionString: string, create = true): Promise<QueueClient> {
  const queue = QueueServiceClient.fromConnectionString(connectionString).getQueueClient(
    uniqueName("watcher"),
  );
  if (create) await queue.create();
  return queue;
}

/** Receives (and deletes) every visible message, decoded as the Functions host would (base64 JSON v1). */
export async function drainQueue(queue: QueueClient): Promise<PodMessage[]> {
  const out: PodMessage[] = [];
  for (;;) {
    const r = await queue.receiveMessages({ numberOfMessages: 32 });
    if (r.receivedMessageItems.length === 0) return out;
    for (const item of r.receivedMessageItems) {
      out.push(parsePodMessage(Buffer.from(item.messageText, "base64").toString("utf8")));
      await queue.deleteMessage(item.messageId, item.popReceipt);
    }
  }
}

/** Collects messages from the queue until `done(all)` holds. */
export async function collectUntil(
  queue: QueueClient,
  done: (all: PodMessage[]) => boolean,
  timeoutMs = 15_000,
): Promise<PodMessage[]> {
  const all: PodMessage[] = [];
  await waitFor(
    "queue messages",
    async () => {
      all.push(...(await drainQueue(queue)));
      return done(all);
    },
    timeoutMs,
  );
  return all;
}

export async function waitFor<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end)
      throw new Error(
        `timed out waiting for ${what}${last ? `: ${last instanceof Error ? last.message : JSON.stringify(last)}` : ""}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface TestWatcher {
  watcher: Watcher;
  logger: ReturnType<typeof memoryLogger>;
}

/** Each test uses its own virtual node name, so pods left by other tests in the shared fake stay out of sight. */
export async function startTestWatcher(opts: {
  kube: KubeFake;
  queue: QueueClient;
  node: string;
  identity: string;
  leaseName: string;
  env?: Env;
  sender?: PodMessageSender;
}): Promise<TestWatcher> {
  const config = loadWatcherConfig({
    ACI_NODE_NAMES: opts.node,
    PodEventsStorage: "UseDevelopmentStorage=true",
    WATCHER_NAMESPACE: "aci-bridge",
    WATCHER_POD_NAME: opts.identity,
    WATCHER_LEASE_NAME: opts.leaseName,
    ...FAST_ENV,
    ...opts.env,
  });
  // The YAML kubeconfig the fake writes, through the same loader as the watcher's KUBECONFIG.
  const kc = await kubeconfigConnection(
    opts.kube.kubeconfigYaml({ user: `system:serviceaccount:aci-bridge:${opts.identity}` }),
  );
  const logger = memoryLogger();
  const watcher = buildWatcher(config, { kube: kc, sender: opts.sender ?? queueSender(opts.queue), logger });
  watcher.start();
  return { watcher, logger };
}

export function testPod(name: string, ns = "shop", extra: Partial<V1Pod["spec"]> = {}): V1Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: ns, labels: { app: name } },
    spec: {
      containers: [{ name: "main", image: "mcr.microsoft.com/azuredocs/aci-helloworld" }],
      tolerations: [{ key: "virtual-kubelet.io/provider", operator: "Exists", effect: "NoSchedule" }],
      ...extra,
    },
  };
}
