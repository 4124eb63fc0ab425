/**
 * The local stack: the whole bridge on one machine. Starts, on 127.0.0.1, Azurite (queue), the ACI simulator and
 * the Kubernetes API fake — or uses a real queue, real ACI and a real cluster when told to — then the real
 * watcher (in-process) and the local Functions host running the SAME exported Function definitions Azure runs
 * (`functions/podEvents.ts`, `functions/reconcile.ts`). Those build their runtime from `process.env` on first
 * use, exactly as in Azure, so this module writes the bridge's app settings into `process.env` before the first
 * invocation. One stack per process, therefore (see docs/local-stack.md).
 *
 * Used by `npm start` (testground/local/main.ts), the end-to-end tests, the benchmarks and the chaos tests.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { ContainerInstanceManagementClient } from "@azure/arm-containerinstance";
import { DefaultAzureCredential } from "@azure/identity";
import { QueueServiceClient } from "@azure/storage-queue";
import { KubeConfig, type V1Node } from "@kubernetes/client-node";
import { createContainerInstanceClient } from "../../lib/aci/armClient.js";
import { loadWatcherConfig, POD_EVENTS_CONNECTION } from "../../lib/config.js";
import { jsonLineLogger, type Logger } from "../../lib/log.js";
import { POD_EVENTS_POISON_QUEUE, POD_EVENTS_QUEUE } from "../../lib/queue/message.js";
import { TAG_CLUSTER, TAG_NODE } from "../../lib/translate/names.js";
import { kubeConfigConnection } from "../../lib/kube/http/connection.js";
import { describeQueue } from "../../lib/queue/watcherSender.js";
import { buildWatcher } from "../../lib/watcher/build.js";
import type { Watcher } from "../../lib/watcher/watcher.js";
import {
  startAciSimulator,
  type AciSimulator,
  type AciSimulatorOptions,
  type AciSimulatorTiming,
} from "../sim/aci/index.js";
import { startAzurite, startAzuriteProcess, type RunningAzurite } from "../sim/azurite.js";
import type { LatencyProfile } from "../sim/latency.js";
import { startQueueProxy, type QueueProxy } from "../sim/queueProxy.js";
import { startKubeFake, type KubeFake, type KubeFakeOptions } from "../sim/kube/index.js";
import {
  startLocalHost,
  type HostJsonSettings,
  type HostLogLine,
  type LocalHost,
  type WorkerSetupModule,
} from "./host.js";
import { planKubeletPort, probeListen, startLocalKubelet, type LocalKubelet } from "./kubelet.js";
import { groupViewFromRest, groupViewFromSdk, type GroupView } from "./tables.js";

/** The article's virtual node (`az aks install-connector` in westus): name, taint and region. */
export const ARTICLE_NODE = {
  name: "virtual-kubelet-aci-connector-linux-westus",
  taint: "azure.com/aci:NoSchedule",
  region: "westus",
} as const;

export const LOCAL_RESOURCE_GROUP = "aci-bridge-local";
/** With the API fake, this user may scrape the kubelet endpoint's metrics (token `kube-fake-token-<user>`). */
export const METRICS_SERVER_USER = "system:serviceaccount:kube-system:metrics-server";
export const LOCAL_CLUSTER_NAME = "local";
/** A delegated subnet id for the simulator: groups get private 10.240.x.y addresses (VNet mode, docs/architecture.md#identities). */
export const LOCAL_SUBNET_ID =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/aci-bridge-local/providers/Microsoft.Network/virtualNetworks/aks-vnet/subnets/aci";

/** Simulator timings that look like ACI to a person watching (a few seconds per state). */
export const REALISTIC_TIMING: Readonly<AciSimulatorTiming> = {
  pendingMs: 2_000,
  creatingMs: 4_000,
  initContainerMs: 1_000,
  deleteMs: 3_000,
  restartBackoffMs: 2_000,
  restartBackoffMaxMs: 30_000,
  pullRetryMs: 2_000,
  pullFailureGiveUpMs: 20_000,
};

export interface LocalStackOptions {
  /** The virtual node. Default: the article's (`virtual-kubelet-aci-connector-linux-westus`, `azure.com/aci:NoSchedule`, westus). */
  node?: { name?: string; taint?: string; region?: string };
  clusterName?: string;

  /** A real cluster instead of the API fake: a kubeconfig file (and optionally a context in it). */
  kubernetes?: { kubeconfigPath: string; context?: string };
  /** Real ACI (ARM via `DefaultAzureCredential`) instead of the simulator. */
  azure?: { subscriptionId: string; resourceGroup: string };
  /** A real storage account's connection string instead of Azurite. */
  storageConnectionString?: string;
  /**
   * Azurite in a child process instead of this one (`startAzuriteProcess`): the queue then shares no event
   * loop with the timer and the fakes, as a Storage account shares no CPU with the Functions host. Needs the
   * compiled dist/. Default false.
   */
  azuriteProcess?: boolean;

  /** Fixed ports (default 0: any free port). */
  ports?: { azurite?: number; aci?: number };
  /** ACI simulator options (timing, quotas, throttling, behaviors, faults via `stack.aci.faults`, seed…). */
  simulator?: AciSimulatorOptions;
  /** Kubernetes API fake options (e.g. `nodeLifecycleDelayMs`). */
  kubeFake?: KubeFakeOptions;
  /**
   * The virtual node's kubelet endpoint (testground/local/kubelet.ts), in this process: HTTPS on `address:port` (port 0:
   * any free port); the Node is registered with that InternalIP and kubelet port. Default: none.
   */
  kubelet?: {
    address: string;
    port: number;
    csrTimeoutMs?: number;
    /**
     * The user chose `port` (`--kubelet-port`): if it is taken, startup fails. Otherwise (the default 10250)
     * a taken port gives way to any free one, with a note. Default true.
     */
    portChosen?: boolean;
  };
  /** Resource group used in the simulator. Default `aci-bridge-local`. */
  resourceGroup?: string;

  /** Local Functions host time scale (timer schedule, polling back-off, visibility timeouts). Default 1. */
  timeScale?: number;
  /**
   * `podEvents` instances. 1 (default): in this process. N > 1: N forked processes, each with its own module
   * state and queue listener, as Flex Consumption scales out (`stack.host.kill(i)` / `restart(i)`); needs the
   * compiled tree (dist/). `reconcile` stays in this process.
   */
  podEventsInstances?: number;
  /** Loaded by each `podEvents` instance before it listens (with podEventsInstances > 1): the chaos seams. */
  instanceSetup?: WorkerSetupModule;
  /** Payloads from the instances' setup modules. */
  onInstanceMessage?: (instanceIndex: number, payload: unknown) => void;
  /**
   * Latency profile (testground/sim/latency.ts) for the Kubernetes API fake and the queue path (a proxy in front of
   * Azurite). Default: none.
   */
  latency?: LatencyProfile;
  /** Put the queue proxy in front of Azurite even without latency (so `stack.queueProxy` can refuse). */
  queueProxy?: boolean;
  /** Deep-merged over the repository's host.json (e.g. `{ extensions: { queues: { maxPollingInterval: "00:00:00.5" } } }`). */
  hostJson?: HostJsonSettings;
  /** Bridge app settings (lib/config.ts names, e.g. `ACI_STATUS_FAST_SECONDS`); they win over the stack's. */
  settings?: Record<string, string>;
  /** Watcher settings (lib/config.ts `loadWatcherConfig` names, e.g. `WATCHER_COALESCE_MS`). */
  watcherSettings?: Record<string, string>;

  /** Human progress lines ("starting Azurite… listening on …"). Default: none. */
  progress?: (line: string) => void;
  /** Every local host line (host and `context.log`). Default: kept in `stack.logs.host` only. */
  hostLog?: (line: HostLogLine) => void;
  /** Every watcher JSON log line. Default: kept in `stack.logs.watcher` only. */
  watcherLog?: (line: string) => void;
  /** Lines kept in `stack.logs.*` (ring buffers). Default 5000 each. */
  logBufferSize?: number;
}

export type KubernetesBackend = "fake" | "cluster";
export type AciBackend = "simulator" | "azure";
export type QueueBackend = "azurite" | "storage";

export interface LocalStack {
  /** Present when the simulator is used: `calls`, `countCalls`, `faults`, `setBehavior`, `getGroup`, … */
  aci?: AciSimulator;
  /** Present when the API fake is used: `calls`, `faults`, `get/list`, `createPod`, … */
  kube?: KubeFake;
  /** Present when Azurite is used. */
  azurite?: RunningAzurite;
  /** Present with the `kubelet` option: where the kubelet endpoint listens. */
  kubelet?: LocalKubelet;
  /** Present with `latency` or `queueProxy` (and Azurite): the proxy everyone reaches the queue through. */
  queueProxy?: QueueProxy;
  /** The local Functions host: `stats`, `idle()`, `runTimerNow("reconcile")`. */
  host: LocalHost;
  watcher: Watcher;
  backends: {
    kubernetes: KubernetesBackend;
    aci: AciBackend;
    queue: QueueBackend;
    /** One line per part, e.g. `Kubernetes: API fake http://127.0.0.1:41234`. */
    describe: string[];
  };
  node: { name: string; taint: string; region: string };
  clusterName: string;
  resourceGroup: string;
  subscriptionId: string;
  /** Kubeconfig (YAML) an admin client (the scenario, kubectl-like tools) uses. */
  kubeconfigYaml: string;
  /** A client-node KubeConfig for the same. */
  kubeConfig(): KubeConfig;
  /** Storage connection string of the pod-events queue. */
  queueConnectionString: string;
  /** The bridge app settings the stack put into process.env (secrets included: do not print). */
  settings: Readonly<Record<string, string>>;
  /** Recent log lines (ring buffers): host lines formatted, watcher lines as JSON text. */
  logs: { host: HostLogLine[]; watcher: string[] };
  /**
   * The bridge's container groups (tagged for this cluster and node) as the table shows them. Simulator: read
   * directly (no ARM calls, not in the call log); Azure: one ARM list call (no instance view, like `az container list`).
   */
  listGroups(): Promise<GroupView[]>;
  /** Runs the reconcile timer now (heartbeat: registers the node on first run) and waits for the Node. */
  registerNode(timeoutMs?: number): Promise<V1Node>;
  /** Stops watcher (flush), host, then the servers. Idempotent. */
  stop(): Promise<void>;
}

/** A startup problem with an instruction for the user (port in use, unreachable cluster, …). */
export class StackStartError extends Error {
  override name = "StackStartError";
}

let started = false;

/** Finds a file of the repository from this module (testground/local/ in tests, dist/testground/local/ when built). */
export function repoPath(...parts: string[]): string {
  let dir = __dirname;
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, "package.json"))) return join(dir, ...parts);
    dir = dirname(dir);
  }
  return resolve(__dirname, "..", "..", ...parts);
}

function mergeDeep<T>(base: T, over: unknown): T {
  if (!over || typeof over !== "object" || Array.isArray(over)) return (over ?? base) as T;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over as Record<string, unknown>)) {
    const b = out[k];
    out[k] = b && typeof b === "object" && !Array.isArray(b) ? mergeDeep(b, v) : v;
  }
  return out as T;
}

function ring<T>(size: number): { items: T[]; push(item: T): void } {
  const items: T[] = [];
  return {
    items,
    push(item) {
      items.push(item);
      if (items.length > size) items.splice(0, items.length - size);
    },
  };
}

function isAddressInUse(error: unknown): boolean {
  return (error as { code?: string } | undefined)?.code === "EADDRINUSE";
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  if (started) {
    throw new Error(
      "startLocalStack: one stack per process — the Functions build their runtime once from process.env " +
        "(functions/runtime.ts), as in Azure. Start another stack in a child process.",
    );
  }
  const progress = options.progress ?? (() => undefined);
  const node = {
    name: options.node?.name ?? ARTICLE_NODE.name,
    taint: options.node?.taint ?? ARTICLE_NODE.taint,
    region: options.node?.region ?? ARTICLE_NODE.region,
  };
  const clusterName = options.clusterName ?? LOCAL_CLUSTER_NAME;
  const bufferSize = options.logBufferSize ?? 5000;
  const hostLogs = ring<HostLogLine>(bufferSize);
  const watcherLogs = ring<string>(bufferSize);
  const cleanups: Array<() => Promise<unknown>> = [];
  const describe: string[] = [];

  const fail = async (error: unknown): Promise<never> => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    throw error;
  };

  let azurite: RunningAzurite | undefined;
  let queueProxy: QueueProxy | undefined;
  let aci: AciSimulator | undefined;
  let kube: KubeFake | undefined;
  let queueConnectionString: string;
  try {
    // ---- queue ----
    if (options.storageConnectionString) {
      queueConnectionString = options.storageConnectionString;
      const where = describeQueue(POD_EVENTS_QUEUE, {
        kind: "connectionString",
        connectionString: queueConnectionString,
      });
      progress(`using the storage account from the connection string… ${where}`);
      describe.push(`queue: Storage account (${where})`);
    } else {
      progress("starting Azurite (queue)…");
      try {
        azurite = await (options.azuriteProcess ? startAzuriteProcess : startAzurite)(
          options.ports?.azurite ?? 0,
        );
      } catch (error) {
        if (isAddressInUse(error)) {
          throw new StackStartError(
            `port ${options.ports?.azurite} is in use (Azurite): stop what listens there, or pass --azurite-port 0 to pick a free port`,
          );
        }
        throw error;
      }
      const a = azurite;
      cleanups.push(() => a.close());
      queueConnectionString = azurite.connectionString;
      progress(`  Azurite listening on 127.0.0.1:${azurite.port}`);
      describe.push(
        `queue: Azurite ${azurite.queueEndpoint} (in memory${options.azuriteProcess ? ", own process" : ""})`,
      );
      if (options.latency || options.queueProxy) {
        queueProxy = await startQueueProxy({
          targetPort: azurite.port,
          ...(options.latency ? { latency: options.latency } : {}),
        });
        const p = queueProxy;
        cleanups.push(() => p.close());
        queueConnectionString = queueProxy.connectionString;
        progress(
          `  queue proxy on 127.0.0.1:${queueProxy.port}${options.latency ? ` (latency profile ${options.latency.name})` : ""}`,
        );
        describe.push(
          `queue path: proxy 127.0.0.1:${queueProxy.port}${options.latency ? `, latency ${options.latency.name}` : ""}`,
        );
      }
    }
    const service = QueueServiceClient.fromConnectionString(queueConnectionString);
    try {
      await service.getQueueClient(POD_EVENTS_QUEUE).createIfNotExists();
      await service.getQueueClient(POD_EVENTS_POISON_QUEUE).createIfNotExists();
    } catch (error) {
      throw new StackStartError(
        `cannot create the ${POD_EVENTS_QUEUE} queue: ${(error as Error).message}. Check the storage connection string (--storage) and that its key allows queue writes.`,
      );
    }

    // ---- ACI ----
    let subscriptionId: string;
    let resourceGroup: string;
    let armClient: ContainerInstanceManagementClient | undefined;
    if (options.azure) {
      subscriptionId = options.azure.subscriptionId;
      resourceGroup = options.azure.resourceGroup;
      progress(
        `using real ACI: subscription ${subscriptionId}, resource group ${resourceGroup}, region ${node.region}…`,
      );
      armClient = createContainerInstanceClient({ subscriptionId, credential: new DefaultAzureCredential() });
      try {
        await armClient.containerGroups.listByResourceGroup(resourceGroup).byPage({ maxPageSize: 1 }).next();
      } catch (error) {
        const e = error as { statusCode?: number; code?: string; message?: string };
        throw new StackStartError(
          `cannot list container groups in resource group ${resourceGroup}: ${e.statusCode ?? e.code ?? ""} ${e.message?.split("\n")[0] ?? ""}. ` +
            `Sign in (az login) or set AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET, check the subscription and that the resource group exists.`,
        );
      }
      describe.push(
        `ACI: Azure (subscription ${subscriptionId}, resource group ${resourceGroup}, region ${node.region}, DefaultAzureCredential)`,
      );
    } else {
      progress("starting the ACI simulator…");
      const simOptions: AciSimulatorOptions = { defaultRegion: node.region, ...options.simulator };
      const simPort = options.ports?.aci ?? options.simulator?.port;
      if (simPort !== undefined) simOptions.port = simPort;
      try {
        aci = await startAciSimulator(simOptions);
      } catch (error) {
        if (isAddressInUse(error)) {
          throw new StackStartError(
            `port ${simPort} is in use (ACI simulator): stop what listens there, or pass --aci-port 0 to pick a free port`,
          );
        }
        throw error;
      }
      const s = aci;
      cleanups.push(() => s.close());
      subscriptionId = aci.subscriptionId;
      resourceGroup = options.resourceGroup ?? LOCAL_RESOURCE_GROUP;
      progress(
        `  ACI simulator listening on ${aci.endpoint} (subscription ${subscriptionId}, resource group ${resourceGroup})`,
      );
      describe.push(
        `ACI: simulator ${aci.endpoint} (resource group ${resourceGroup}, region ${node.region})`,
      );
    }

    // ---- Kubernetes ----
    let kubeconfigYaml: string;
    let bridgeKubeconfig: { inline?: string; path?: string };
    let watcherKc: KubeConfig;
    if (options.kubernetes) {
      const { kubeconfigPath, context } = options.kubernetes;
      progress(`using the cluster from ${kubeconfigPath}${context ? ` (context ${context})` : ""}…`);
      const kc = new KubeConfig();
      try {
        kc.loadFromFile(kubeconfigPath);
        if (context) kc.setCurrentContext(context);
      } catch (error) {
        throw new StackStartError(`cannot read kubeconfig ${kubeconfigPath}: ${(error as Error).message}`);
      }
      if (context && !kc.getContextObject(context)) {
        throw new StackStartError(
          `context ${context} is not in ${kubeconfigPath} (kubectl config get-contexts lists them)`,
        );
      }
      kubeconfigYaml = kc.exportConfig();
      const server = kc.getCurrentCluster()?.server ?? "?";
      await checkCluster(kc, server);
      // A file path keeps relative certificate paths and exec plugins working (inline YAML would lose the base dir).
      bridgeKubeconfig = context ? { inline: kubeconfigYaml } : { path: kubeconfigPath };
      watcherKc = kc;
      describe.push(`Kubernetes: cluster ${server} (context ${kc.getCurrentContext()})`);
    } else {
      progress("starting the Kubernetes API fake…");
      kube = await startKubeFake({
        nodeLifecycleDelayMs: 1000,
        // With the kubelet endpoint: an approver for its serving CSR (as clusters with kubelet-csr-approver
        // have), and the API server's path to it — `kubectl logs/exec/attach` through the fake's node proxy,
        // with a kubelet-client certificate from the fake's CA, which the endpoint trusts as client-ca-file.
        ...(options.kubelet ? { csrAutoApproveMs: 100, kubeletClient: "self" as const } : {}),
        ...(options.latency ? { latency: options.latency } : {}),
        ...options.kubeFake,
      });
      const k = kube;
      cleanups.push(() => k.close());
      // The RBAC a metrics-server install brings (ClusterRole system:metrics-server: get nodes/metrics,
      // nodes/stats), so its ServiceAccount's token can scrape the kubelet endpoint (docs/kubelet-api.md).
      kube.reviews.allow({
        users: [METRICS_SERVER_USER],
        verbs: ["get"],
        resources: ["nodes/metrics", "nodes/stats"],
      });
      kubeconfigYaml = kube.kubeconfigYaml({ user: "kubectl" });
      // The Functions use node credentials (docs/architecture.md#identities); the fake names users in its call log.
      bridgeKubeconfig = { inline: kube.kubeconfigYaml({ user: `system:node:${node.name}` }) };
      watcherKc = kube.kubeConfig({ user: "system:serviceaccount:aci-bridge:aci-bridge-watcher" });
      progress(`  Kubernetes API fake listening on ${kube.url}`);
      describe.push(
        `Kubernetes: API fake ${kube.url} (no controllers or scheduler: the scenario expands workloads and binds pods)`,
      );
    }

    // ---- the kubelet endpoint (before the settings: the Node carries its address and port) ----
    let kubelet: LocalKubelet | undefined;
    if (options.kubelet) {
      const { address } = options.kubelet;
      const plan = planKubeletPort(
        { address, port: options.kubelet.port, chosen: options.kubelet.portChosen ?? true },
        options.kubelet.port === 0 ? undefined : await probeListen(address, options.kubelet.port),
      );
      if ("error" in plan) throw new StackStartError(plan.error);
      if (plan.note) progress(`  note: ${plan.note}`);
      const port = plan.port;
      progress(`starting the kubelet endpoint on ${address}:${port === 0 ? "(any free port)" : port}…`);
      const cluster = watcherKc.getCurrentCluster();
      const fallbackClientCa = cluster?.caData
        ? Buffer.from(cluster.caData, "base64").toString("utf8")
        : cluster?.caFile && existsSync(cluster.caFile)
          ? readFileSync(cluster.caFile, "utf8")
          : undefined;
      try {
        kubelet = await startLocalKubelet({
          address,
          port,
          nodeName: node.name,
          clusterName,
          kube: kubeConfigConnection(watcherKc),
          ...(fallbackClientCa ? { fallbackClientCa } : {}),
          aci: aci
            ? { subscriptionId, resourceGroup, armEndpoint: aci.endpoint, armInsecure: true }
            : { subscriptionId, resourceGroup, armInsecure: false },
          ...(aci ? { metricsEndpoint: aci.endpoint } : {}),
          csrTimeoutMs: options.kubelet.csrTimeoutMs ?? (kube ? 10_000 : 30_000),
          progress,
          logger: jsonLineLogger((line) => {
            watcherLogs.push(line);
            options.watcherLog?.(line);
          }),
        });
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === "EADDRINUSE" || code === "EADDRNOTAVAIL" || code === "EACCES") {
          throw new StackStartError(
            code === "EADDRINUSE"
              ? `port ${port} is in use on ${address} (kubelet endpoint): stop what listens there, or pass --kubelet-port`
              : `cannot listen on ${address}:${port} (${code}, kubelet endpoint): --node-address must be an address of this machine`,
          );
        }
        throw error;
      }
      const k = kubelet;
      cleanups.push(() => k.close());
      progress(`  kubelet endpoint listening on ${kubelet.url} (certificate: ${kubelet.certificate()})`);
      describe.push(`kubelet: ${kubelet.url} (node ${node.name}, InternalIP ${address})`);
    }

    // ---- bridge app settings → process.env (what functions/runtime.ts reads on first invocation) ----
    const settings: Record<string, string> = {
      AZURE_SUBSCRIPTION_ID: subscriptionId,
      ACI_RESOURCE_GROUP: resourceGroup,
      ACI_REGION: node.region,
      ACI_NODE_NAMES: node.name,
      ACI_NODE_TAINT: node.taint,
      ACI_BRIDGE_CLUSTER_NAME: clusterName,
      [POD_EVENTS_CONNECTION]: queueConnectionString,
      ...(aci
        ? {
            ARM_ENDPOINT: aci.endpoint,
            ARM_INSECURE: "true",
            ACI_SUBNET_ID: LOCAL_SUBNET_ID,
            ACI_DNS_SERVERS: "10.0.0.10",
          }
        : { ARM_INSECURE: "false" }),
      ...(bridgeKubeconfig.inline
        ? { KUBECONFIG_CONTENT: bridgeKubeconfig.inline }
        : { KUBECONFIG: bridgeKubeconfig.path ?? "" }),
      // The heartbeat (lib/reconcile/node.ts) writes these as InternalIP and daemonEndpoints.kubeletEndpoint.Port.
      ...(kubelet ? { ACI_NODE_IP: kubelet.address, ACI_NODE_KUBELET_PORT: String(kubelet.port) } : {}),
      ...options.settings,
    };
    if (!aci) delete process.env.ARM_ENDPOINT;
    if (settings.KUBECONFIG) delete process.env.KUBECONFIG_CONTENT;
    Object.assign(process.env, settings);

    // ---- local Functions host, running the deployed Function definitions ----
    // From here on the Functions may build their process-wide runtime from these settings: no second stack.
    started = true;
    progress("starting the local Functions host…");
    const { podEventsFunction, reconcileFunction } = await importFunctionDefinitions((line) =>
      hostLogs.push({ time: new Date(), level: "warning", category: "Host", message: line }),
    );
    const hostJson = mergeDeep(
      JSON.parse(readFileSync(repoPath("host.json"), "utf8")) as HostJsonSettings,
      options.hostJson,
    );
    const instances = options.podEventsInstances ?? 1;
    if (!Number.isInteger(instances) || instances < 1) {
      throw new StackStartError(`podEventsInstances must be an integer >= 1, got ${instances}`);
    }
    // The instances load the compiled definition (their own module state); this process keeps its own.
    const podEventsDefinition = Object.assign(podEventsFunction, {
      module: { path: "functions/podEvents.js", exportName: "podEventsFunction" },
    });
    const host = await startLocalHost({
      hostJson,
      ...(instances > 1
        ? {
            queueInstances: instances,
            ...(options.instanceSetup ? { instanceSetup: options.instanceSetup } : {}),
            ...(options.onInstanceMessage ? { onInstanceMessage: options.onInstanceMessage } : {}),
          }
        : {}),
      connections: {
        AzureWebJobsStorage: queueConnectionString,
        [POD_EVENTS_CONNECTION]: queueConnectionString,
      },
      queueFunctions: [podEventsDefinition],
      timerFunctions: [reconcileFunction],
      timeScale: options.timeScale ?? 1,
      log: (line) => {
        hostLogs.push(line);
        options.hostLog?.(line);
      },
    });
    cleanups.push(() => host.stop());
    progress(
      `  Functions: podEvents ← queue ${podEventsFunction.queueName}` +
        `${
          instances > 1
            ? ` on ${instances} instances (pids ${host
                .instanceInfo()
                .map((i) => i.pid)
                .join(", ")})`
            : ""
        }` +
        `, reconcile on "${reconcileFunction.schedule}"` +
        `${(options.timeScale ?? 1) !== 1 ? ` (host time ×${options.timeScale})` : ""}`,
    );

    // ---- watcher (in-process, the same code as the in-cluster Deployment) ----
    progress("starting the watcher…");
    const watcherConfig = loadWatcherConfig({
      ACI_NODE_NAMES: node.name,
      [POD_EVENTS_CONNECTION]: queueConnectionString,
      WATCHER_LEADER_ELECTION: "false",
      WATCHER_POD_NAME: "aci-bridge-watcher-local",
      WATCHER_NAMESPACE: "aci-bridge",
      ...options.watcherSettings,
    });
    const watcherLogger: Logger = jsonLineLogger((line) => {
      watcherLogs.push(line);
      options.watcherLog?.(line);
    });
    const watcher = buildWatcher(watcherConfig, { kube: watcherKc, logger: watcherLogger });
    watcher.start();
    cleanups.push(() => watcher.shutdown(2_000));
    const syncDeadline = Date.now() + 15_000;
    while (watcher.readiness().length > 0) {
      if (Date.now() > syncDeadline) {
        throw new StackStartError(`the watcher did not sync within 15 s: ${watcher.readiness().join("; ")}`);
      }
      await sleep(25);
    }
    progress(`  watcher: pods on node ${node.name} → queue ${watcherConfig.queueName}`);

    const adminKc = (): KubeConfig => {
      const kc = new KubeConfig();
      kc.loadFromString(kubeconfigYaml);
      return kc;
    };

    const ownedBy = (tags: Record<string, string>) =>
      tags[TAG_CLUSTER] === clusterName && tags[TAG_NODE] === node.name;
    let stopping: Promise<void> | undefined;
    const stack: LocalStack = {
      ...(aci ? { aci } : {}),
      ...(kube ? { kube } : {}),
      ...(kubelet ? { kubelet } : {}),
      ...(azurite ? { azurite } : {}),
      ...(queueProxy ? { queueProxy } : {}),
      host,
      watcher,
      backends: {
        kubernetes: kube ? "fake" : "cluster",
        aci: aci ? "simulator" : "azure",
        queue: azurite ? "azurite" : "storage",
        describe,
      },
      node,
      clusterName,
      resourceGroup,
      subscriptionId,
      kubeconfigYaml,
      kubeConfig: adminKc,
      queueConnectionString,
      settings,
      logs: { host: hostLogs.items, watcher: watcherLogs.items },

      async listGroups() {
        if (aci) {
          const sim = aci;
          return sim
            .listGroups()
            .filter((g) => g.resourceGroup.toLowerCase() === resourceGroup.toLowerCase())
            .map((g) => groupViewFromRest(sim.getGroup(g.resourceGroup, g.name) ?? g.body))
            .filter((g) => ownedBy(g.tags));
        }
        const out: GroupView[] = [];
        for await (const g of armClient!.containerGroups.listByResourceGroup(resourceGroup)) {
          const view = groupViewFromSdk(g);
          if (ownedBy(view.tags)) out.push(view);
        }
        return out;
      },

      async registerNode(timeoutMs = 30_000) {
        await host.runTimerNow(reconcileFunction.name);
        const core = await coreApi(adminKc());
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          try {
            return await core.readNode({ name: node.name });
          } catch (error) {
            if (Date.now() > deadline) {
              throw new StackStartError(
                `node ${node.name} was not registered within ${timeoutMs} ms (${(error as Error).message}); ` +
                  `see the reconcile timer's log (--verbose)`,
              );
            }
            await sleep(200);
          }
        }
      },

      stop() {
        stopping ??= (async () => {
          // Watcher first (flushes what it holds), then the host (finishes running invocations), then servers.
          for (const c of cleanups.reverse()) await c().catch(() => undefined);
          cleanups.length = 0;
        })();
        return stopping;
      },
    };
    return stack;
  } catch (error) {
    return fail(error);
  }
}

/**
 * Imports the deployed Function definitions. Outside the Functions host `@azure/functions` runs in test mode and
 * warns on `console.warn` that it skips `app.storageQueue`/`app.timer` registrations; those lines go to the log.
 */
async function importFunctionDefinitions(onWarning: (line: string) => void) {
  const original = console.warn;
  console.warn = (...args: unknown[]) => {
    const text = args.map(String).join(" ");
    if (text.includes("@azure/functions")) onWarning(text);
    else original(...args);
  };
  try {
    const { podEventsFunction } = await import("../../functions/podEvents.js");
    const { reconcileFunction } = await import("../../functions/reconcile.js");
    return { podEventsFunction, reconcileFunction };
  } finally {
    console.warn = original;
  }
}

async function coreApi(kc: KubeConfig) {
  const { CoreV1Api } = await import("@kubernetes/client-node");
  return kc.makeApiClient(CoreV1Api);
}

/** Fails fast, with what to do, when a real cluster cannot be reached or refuses the credentials. */
async function checkCluster(kc: KubeConfig, server: string): Promise<void> {
  const core = await coreApi(kc);
  try {
    await core.listNode({ limit: 1 });
  } catch (error) {
    const code = (error as { code?: number | string }).code;
    if (code === 401) {
      throw new StackStartError(
        `the API server ${server} refused the credentials (401): refresh them (az aks get-credentials …) and retry`,
      );
    }
    if (code === 403) {
      throw new StackStartError(
        `the API server ${server} forbids listing nodes (403): the local stack needs a user that may list nodes and create/delete the scenario's objects`,
      );
    }
    throw new StackStartError(
      `cannot reach the Kubernetes API at ${server}: ${(error as Error).message.split("\n")[0]}. ` +
        `Check --kubeconfig / the current context (kubectl cluster-info), VPN or firewall.`,
    );
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
