/**
 * Test harness for the bridge loop: a real ACI simulator, a real Kubernetes API fake and a private Azurite,
 * the real SDK clients built from settings exactly as in Azure (lib/config + lib/runtime), and the exported
 * Function handlers. `pump()` plays the queue trigger: it receives visible messages from `pod-events` and
 * hands each to the podEvents handler, deleting it on success.
 */
import { randomUUID } from "node:crypto";
import { InvocationContext } from "@azure/functions";
import { QueueServiceClient, type QueueClient } from "@azure/storage-queue";
import type { V1Pod } from "@kubernetes/client-node";
import { loadBridgeConfig } from "../../lib/config.js";
import { createPodEventsHandler, createReconcileHandler } from "../../lib/functions/handlers.js";
import {
  POD_EVENTS_POISON_QUEUE,
  POD_EVENTS_QUEUE,
  type PodMessage,
  type PodMessageSender,
} from "../../lib/queue/message.js";
import type { EntrypointResolver } from "../../lib/reconcile/references.js";
import { createBridgeRuntime, type BridgeRuntime, type RuntimeOverrides } from "../../lib/runtime.js";
import { startAciSimulator, type AciSimulator, type AciSimulatorOptions } from "../../sim/aci/index.js";
import { startAzurite, type RunningAzurite } from "../../sim/azurite.js";
import { startKubeFake, type KubeFake } from "../../sim/kube/index.js";

export const RESOURCE_GROUP = "aci-bridge-test";
export const CLUSTER = "test-cluster";
export const NODE = "aci-bridge";
export const SUBNET_ID =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/aks-net/providers/Microsoft.Network/virtualNetworks/aks-vnet/subnets/aci";

export interface LogLine {
  level: string;
  text: string;
  event: string;
  fields: Record<string, unknown>;
}

export interface BridgeHarness {
  aci: AciSimulator;
  kube: KubeFake;
  azurite: RunningAzurite;
  runtime: BridgeRuntime;
  queue: QueueClient;
  poison: QueueClient;
  logs: LogLine[];
  events(name?: string): LogLine[];
  /** Hands one message to podEvents (as the host would after dequeuing it). Throws what the handler throws. */
  deliver(message: unknown, dequeueCount?: number): Promise<void>;
  /** Delivers every currently visible queue message once; returns how many were handled. */
  pump(): Promise<number>;
  tick(): Promise<void>;
  /** Pumps (and ticks every `tickEveryMs`) until `done()` is true, or throws after `timeoutMs`. */
  runUntil(done: () => boolean | Promise<boolean>, timeoutMs?: number, tickEveryMs?: number): Promise<void>;
  /**
   * Another Functions instance: its own runtime (follow-up memory, locks, throttle gate, instance id) over
   * the same simulators and queue, sharing no memory with `runtime`.
   */
  newInstance(): { runtime: BridgeRuntime; deliver(message: unknown, dequeueCount?: number): Promise<void> };
  /** The bridge's clock (scaled when `timeScale` is set). */
  now(): Date;
  createBoundPod(pod: V1Pod): V1Pod;
  pod(ns: string, name: string): V1Pod | undefined;
  group(ns: string, name: string): Record<string, unknown> | undefined;
  close(): Promise<void>;
}

export interface HarnessOptions {
  aci?: AciSimulatorOptions;
  env?: Record<string, string>;
  entrypoints?: EntrypointResolver;
  /**
   * Bridge time runs this many times faster than real time: the runtime's clock and the ACI simulator's are
   * scaled, and queue visibility delays are divided by it (Azurite counts whole seconds, so at least 1 s).
   */
  timeScale?: number;
  /** Like the host's `maxDequeueCount`: a message that failed this many times moves to the poison queue. */
  maxDequeueCount?: number;
}

export const staticEntrypoints = (map: Record<string, string[]> = {}): EntrypointResolver => ({
  resolve: async (image) => {
    const entrypoint = map[image];
    if (!entrypoint) throw new Error(`test resolver: no entrypoint for ${image}`);
    return entrypoint;
  },
});

export async function startBridgeHarness(options: HarnessOptions = {}): Promise<BridgeHarness> {
  const scale = options.timeScale ?? 1;
  const origin = Date.now();
  const nowMs = () => (scale === 1 ? Date.now() : origin + (Date.now() - origin) * scale);
  const [aci, kube, azurite] = await Promise.all([
    startAciSimulator({
      defaultRegion: "westeurope",
      ...(scale !== 1 ? { now: nowMs } : {}),
      ...options.aci,
    }),
    startKubeFake(),
    startAzurite(0),
  ]);
  const config = loadBridgeConfig({
    AZURE_SUBSCRIPTION_ID: aci.subscriptionId,
    ACI_RESOURCE_GROUP: RESOURCE_GROUP,
    ACI_REGION: "westeurope",
    ACI_NODE_NAMES: NODE,
    ACI_BRIDGE_CLUSTER_NAME: CLUSTER,
    ARM_ENDPOINT: aci.endpoint,
    ARM_INSECURE: "true",
    KUBECONFIG_CONTENT: kube.kubeconfigYaml(),
    PodEventsStorage: azurite.connectionString,
    ACI_SUBNET_ID: SUBNET_ID,
    ACI_DNS_SERVERS: "10.0.0.10",
    ACI_STATUS_FAST_SECONDS: "0",
    ACI_STATUS_SLOW_SECONDS: "1",
    ACI_REPAIR_INTERVAL_SECONDS: "0",
    ...options.env,
  });
  const overrides = (): RuntimeOverrides => ({
    entrypoints: options.entrypoints ?? staticEntrypoints(),
    ...(scale !== 1
      ? {
          now: () => new Date(nowMs()),
          wrapSender: (sender: PodMessageSender): PodMessageSender => ({
            send: (message, delaySeconds = 0) => sender.send(message, delaySeconds / scale),
          }),
        }
      : {}),
  });
  const runtime = createBridgeRuntime(config, overrides());
  const maxDequeueCount = options.maxDequeueCount ?? 5;
  const service = QueueServiceClient.fromConnectionString(azurite.connectionString);
  const queue = service.getQueueClient(POD_EVENTS_QUEUE);
  const poison = service.getQueueClient(POD_EVENTS_POISON_QUEUE);
  await queue.createIfNotExists();
  await poison.createIfNotExists();

  const logs: LogLine[] = [];
  const context = (functionName: string, dequeueCount = 1) =>
    new InvocationContext({
      invocationId: randomUUID(),
      functionName,
      triggerMetadata: { dequeueCount },
      logHandler: (level, ...args) => {
        const text = args.map(String).join(" ");
        const space = text.indexOf(" ");
        let fields: Record<string, unknown> = {};
        try {
          fields = JSON.parse(text.slice(space + 1)) as Record<string, unknown>;
        } catch {
          // not an event line
        }
        logs.push({ level, text, event: space > 0 ? text.slice(0, space) : text, fields });
      },
    });
  const podEvents = createPodEventsHandler(() => runtime);
  const reconcile = createReconcileHandler(() => runtime);

  const harness: BridgeHarness = {
    aci,
    kube,
    azurite,
    runtime,
    queue,
    poison,
    logs,
    events: (name) => (name ? logs.filter((l) => l.event === name) : logs),
    deliver: (message, dequeueCount = 1) => podEvents(message, context("podEvents", dequeueCount)),
    async pump() {
      const received = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 30 });
      let handled = 0;
      for (const item of received.receivedMessageItems) {
        const text = Buffer.from(item.messageText, "base64").toString("utf8");
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // delivered as a string, like the library does
        }
        try {
          await harness.deliver(body, item.dequeueCount);
          await queue.deleteMessage(item.messageId, item.popReceipt);
        } catch {
          if (item.dequeueCount >= maxDequeueCount) {
            // What the host does after maxDequeueCount failures: the message moves to the poison queue.
            await poison.sendMessage(item.messageText);
            await queue.deleteMessage(item.messageId, item.popReceipt);
          } else {
            // visible again at once (the host waits visibilityTimeout first)
            await queue.updateMessage(item.messageId, item.popReceipt, undefined, 0);
          }
        }
        handled++;
      }
      return handled;
    },
    tick: () => reconcile({ isPastDue: false, scheduleStatus: undefined } as never, context("reconcile")),
    async runUntil(done, timeoutMs = 20_000, tickEveryMs = 0) {
      const deadline = Date.now() + timeoutMs;
      let lastTick = 0;
      while (!(await done())) {
        if (Date.now() > deadline) throw new Error(`runUntil: condition not met within ${timeoutMs} ms`);
        if (tickEveryMs && Date.now() - lastTick >= tickEveryMs) {
          lastTick = Date.now();
          await harness.tick();
        }
        const n = await harness.pump();
        if (n === 0) await new Promise((r) => setTimeout(r, 50));
      }
    },
    newInstance() {
      const other = createBridgeRuntime(config, overrides());
      const handler = createPodEventsHandler(() => other);
      return {
        runtime: other,
        deliver: (message, dequeueCount = 1) => handler(message, context("podEvents", dequeueCount)),
      };
    },
    now: () => new Date(nowMs()),
    createBoundPod: (pod) => kube.createPod(pod, { nodeName: NODE }),
    pod: (ns, name) => kube.get<V1Pod>("pods", ns, name),
    group: (ns, name) => aci.getGroup(RESOURCE_GROUP, `${ns}-${name}`),
    async close() {
      await Promise.allSettled([aci.close(), kube.close(), azurite.close()]);
    },
  };
  return harness;
}

export function added(pod: V1Pod, reason: PodMessage["reason"] = "added"): PodMessage {
  return {
    v: 1,
    ns: pod.metadata?.namespace ?? "default",
    name: pod.metadata?.name ?? "",
    uid: pod.metadata?.uid,
    reason,
    at: new Date().toISOString(),
  };
}

export function simplePod(
  name: string,
  image = "mcr.microsoft.com/azuredocs/aci-helloworld",
  extra: Partial<V1Pod["spec"]> = {},
): V1Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels: { app: name } },
    spec: {
      containers: [{ name: "app", image, ports: [{ containerPort: 80 }] }],
      nodeSelector: { type: "virtual-kubelet" },
      tolerations: [{ key: "virtual-kubelet.io/provider", operator: "Exists", effect: "NoSchedule" }],
      ...extra,
    },
  };
}
