/**
 * Kubernetes API fake: a real HTTP server on 127.0.0.1 that `@kubernetes/client-node` 1.x talks to through a
 * kubeconfig, behaving like kube-apiserver 1.32 where the bridge and the watcher can notice (checked against
 * test/fixtures/recordings/kube-apiserver-1.32.json). Test-only: production code never imports it. What it simplifies: docs/kube-fake.md.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type {
  KubeConfig,
  V1ConfigMap,
  V1Namespace,
  V1Node,
  V1Pod,
  V1Secret,
  V1ServiceAccount,
} from "@kubernetes/client-node";
import type { LatencyProfile } from "../latency";
import { KubeStatusError } from "./errors";
import { type KubeResource, resourceDef } from "./resources";
import { type CallRecord, type FaultRule, KubeHttp } from "./server";
import { type KubeletClientOptions, NodeProxy } from "./nodeProxy";
import { FakeReviews } from "./reviews";
import { FakeCa } from "./ca";
import { FakeCsrController } from "./certificates";
import { type DeleteOptions, KubeStore, type PatchType } from "./store";

export { KubeStatusError } from "./errors";
export type { StatusBody } from "./errors";
export type { KubeResource } from "./resources";
export type { CallRecord, FaultRule } from "./server";
export type { DeleteOptions, PatchType } from "./store";
export type { AccessRule, FakeReviews, FakeUser } from "./reviews";
export type { KubeletClientOptions } from "./nodeProxy";
export { canonicalQuantity } from "./quantity";
export type { FakeCa, IssuedPair } from "./ca";

export interface KubeFakeOptions {
  /** Per-request latency by operation class (testground/sim/latency.ts, e.g. `REALISTIC_LATENCY`). Default: none. */
  latency?: LatencyProfile;
  /** Watch events kept for resuming watches (like the watch cache / etcd compaction). Default 1000. */
  historyLimit?: number;
  /** Watch timeout when the client sends no `timeoutSeconds` (the real server picks 30–60 min). Default 1800. */
  watchTimeoutSeconds?: number;
  /** Clock for creationTimestamp, deletionTimestamp, token expiry. Default `() => new Date()`. */
  now?: () => Date;
  /** BOOKMARK interval on watches with `allowWatchBookmarks=true` (one is also sent at timeout). Default 60 000. */
  bookmarkIntervalMs?: number;
  /**
   * How a watch from a compacted resourceVersion is refused: `"event"` (default, what the watch cache does: HTTP
   * 200 with one `ERROR` event carrying a 410 `Expired` Status, then end of stream) or `"http"` (HTTP 410).
   */
  tooOldWatch?: "event" | "http";
  /** Delay of the emulated node lifecycle controller (not-ready taint removal on Ready=True). false disables. Default 0. */
  nodeLifecycleDelayMs?: number | false;
  /** Also project `openshift-service-ca.crt` in kube-api-access volumes, like the recorded server. Default false. */
  openshiftServiceCa?: boolean;
  /**
   * The API server's kubelet-client credential. With it, `pods/{pod}/log`, `pods/{pod}/exec` and
   * `pods/{pod}/attach` (upgrades spliced byte for byte) are proxied to the pod's node — its InternalIP and
   * `status.daemonEndpoints.kubeletEndpoint.Port` — over HTTPS (testground/sim/kube/nodeProxy.ts). Without it they
   * answer 501. `ca` verifies the kubelet's serving certificate; without it, it is not verified. `"self"`:
   * the fake's own CA issues the credential (CN `kube-apiserver-kubelet-client`, O `system:masters`, as
   * kubeadm's), so kubelet endpoints that trust its `client-ca-file` accept it — the local stack's case.
   */
  kubeletClient?: KubeletClientOptions | "self";
  /**
   * Approve `kubernetes.io/kubelet-serving` CSRs this many ms after they are created (an approver
   * controller); default false: they wait for `approveCsr` or a PUT to `…/approval`, as in kubeadm clusters.
   */
  csrAutoApproveMs?: number | false;
}

export interface KubeFake {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Server URL + `insecure-skip-tls-verify: true` + a bearer-token user (the token names the user in `calls`). */
  kubeconfigYaml(opts?: { user?: string }): string;
  /** A client-node KubeConfig loaded from `kubeconfigYaml()`. */
  kubeConfig(opts?: { user?: string }): KubeConfig;

  // Direct helpers: same store, resourceVersions and watch events as HTTP writes. They throw KubeStatusError.
  createNamespace(name: string): V1Namespace;
  /** Creates a pod with the real admission defaults; `nodeName` binds it as the scheduler would have. */
  createPod(pod: V1Pod, opts?: { nodeName?: string }): V1Pod;
  createSecret(secret: V1Secret): V1Secret;
  createConfigMap(cm: V1ConfigMap): V1ConfigMap;
  createServiceAccount(sa: V1ServiceAccount): V1ServiceAccount;
  createNode(node: V1Node): V1Node;
  /** Generic create for any served resource (namespace from the object for namespaced ones). */
  create<T = unknown>(resource: KubeResource, obj: T): T;
  /** PUT semantics (resourceVersion checks, status ignored unless `subresource: "status"`). */
  update<T = unknown>(resource: KubeResource, obj: T, opts?: { subresource?: "status" }): T;
  patch<T = unknown>(
    resource: KubeResource,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    opts?: { type?: PatchType; subresource?: "status" },
  ): T;
  /** DELETE semantics (graceful deletion for bound pods, finalizers). Returns the object or a Success Status. */
  delete(resource: KubeResource, namespace: string | undefined, name: string, opts?: DeleteOptions): unknown;
  /** The `pods/binding` subresource (what the scheduler does). */
  bindPod(namespace: string, name: string, nodeName: string): V1Pod;
  /** Sets (merges) a pod's status through the status subresource. */
  updatePodStatus(namespace: string, name: string, status: V1Pod["status"]): V1Pod;
  get<T = any>(resource: KubeResource, namespace: string | undefined, name: string): T | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
  list<T = any>(resource: KubeResource, namespace?: string): T[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Removes a pod at once (`--grace-period=0 --force`); no-op when absent. */
  deletePodNow(namespace: string, name: string): void;
  /** Current global resourceVersion (the one a list would return). */
  resourceVersion(): string;
  faults: { add(rule: FaultRule): () => void; clear(): void };
  /** Ends every open watch stream cleanly (clients reconnect from their last resourceVersion). */
  cutWatches(): void;
  /** Drops the watch history: a watch from any earlier resourceVersion gets 410 Expired, so informers relist. */
  compactHistory(): void;
  calls: CallRecord[];
  /** TokenReview / SubjectAccessReview tables (testground/sim/kube/reviews.ts). */
  reviews: FakeReviews;
  /**
   * The fake's cluster CA (testground/sim/kube/ca.ts): published as `client-ca-file` in
   * `kube-system/extension-apiserver-authentication`, signs approved CSRs, issues client certificates.
   */
  ca: FakeCa;
  /** `kubectl certificate approve|deny <name>`; the fake's signer then issues (or not) asynchronously. */
  approveCsr(name: string): void;
  denyCsr(name: string): void;
  close(): Promise<void>;
}

/** Starts the fake on 127.0.0.1 with a random port. */
export async function startKubeFake(options: KubeFakeOptions = {}): Promise<KubeFake> {
  const now = options.now ?? (() => new Date());
  const store = new KubeStore({
    historyLimit: options.historyLimit ?? 1000,
    now,
    openshiftServiceCa: options.openshiftServiceCa ?? false,
    nodeLifecycleDelayMs: options.nodeLifecycleDelayMs ?? 0,
  });
  const reviews = new FakeReviews();
  const ca = await FakeCa.create("kube-fake-ca", now());
  const certificates = new FakeCsrController({
    ca,
    store,
    now,
    autoApproveKubeletServingMs: options.csrAutoApproveMs ?? false,
  });
  certificates.start();
  // What kube-apiserver publishes for kubelets and aggregated API servers to verify its client certificate.
  store.create(resourceDef("configmaps"), "kube-system", {
    metadata: { name: "extension-apiserver-authentication", namespace: "kube-system" },
    data: { "client-ca-file": ca.certPem },
  });
  const kubeletClient =
    options.kubeletClient === "self"
      ? await ca.issue("CN=kube-apiserver-kubelet-client, O=system:masters", "client")
      : options.kubeletClient;
  const http = new KubeHttp(store, {
    reviews,
    certificates,
    ...(options.latency ? { latency: options.latency } : {}),
    watchTimeoutSeconds: options.watchTimeoutSeconds ?? 1800,
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
    tooOldWatch: options.tooOldWatch ?? "event",
    now,
    ...(kubeletClient ? { nodeProxy: new NodeProxy(kubeletClient) } : {}),
  });
  const server = createServer((req, res) => http.handle(req, res));
  server.on("upgrade", (req, socket, head: Buffer) => http.upgrade(req, socket, head));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  // client-node is ESM-only; loaded lazily so this module stays importable from CommonJS code paths.
  const { KubeConfig: KubeConfigCtor } = await import("@kubernetes/client-node");

  const kubeconfigYaml = (opts: { user?: string } = {}): string => {
    const user = opts.user ?? "kube-fake-admin";
    return [
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      "  - name: kube-fake",
      "    cluster:",
      `      server: ${url}`,
      "      insecure-skip-tls-verify: true",
      "users:",
      `  - name: ${JSON.stringify(user)}`,
      "    user:",
      `      token: ${JSON.stringify(`kube-fake-token-${user}`)}`,
      "contexts:",
      "  - name: kube-fake",
      "    context:",
      "      cluster: kube-fake",
      `      user: ${JSON.stringify(user)}`,
      "      namespace: default",
      "current-context: kube-fake",
      "",
    ].join("\n");
  };

  const nsOf = (obj: unknown): string | undefined =>
    (obj as { metadata?: { namespace?: string } }).metadata?.namespace;
  const nameOf = (obj: unknown): string =>
    String((obj as { metadata?: { name?: string } }).metadata?.name ?? "");
  const createAny = <T>(resource: KubeResource, obj: T): T => {
    const def = resourceDef(resource);
    const ns = def.namespaced ? (nsOf(obj) ?? "default") : undefined;
    return store.create(def, ns, obj as Record<string, unknown>) as T;
  };

  const fake: KubeFake = {
    url,
    kubeconfigYaml,
    kubeConfig(opts) {
      const kc = new KubeConfigCtor();
      kc.loadFromString(kubeconfigYaml(opts));
      return kc;
    },
    createNamespace: (name) => createAny<V1Namespace>("namespaces", { metadata: { name } }),
    createPod(pod, opts = {}) {
      const body = JSON.parse(JSON.stringify(pod)) as V1Pod;
      if (opts.nodeName) body.spec = { ...(body.spec ?? { containers: [] }), nodeName: opts.nodeName };
      return createAny("pods", body);
    },
    createSecret: (s) => createAny("secrets", s),
    createConfigMap: (c) => createAny("configmaps", c),
    createServiceAccount: (sa) => createAny("serviceaccounts", sa),
    createNode: (n) => createAny("nodes", n),
    create: createAny,
    update<T>(resource: KubeResource, obj: T, opts: { subresource?: "status" } = {}): T {
      const def = resourceDef(resource);
      const ns = def.namespaced ? (nsOf(obj) ?? "default") : undefined;
      const body = obj as Record<string, unknown>;
      return store.update(def, ns, nameOf(obj), body, opts.subresource) as T;
    },
    patch<T>(
      resource: KubeResource,
      namespace: string | undefined,
      name: string,
      patch: unknown,
      opts: { type?: PatchType; subresource?: "status" } = {},
    ): T {
      return store.patch(
        resourceDef(resource),
        namespace,
        name,
        opts.type ?? "merge",
        patch,
        opts.subresource,
      ) as T;
    },
    delete: (resource, namespace, name, opts) => store.delete(resourceDef(resource), namespace, name, opts),
    bindPod(namespace, name, nodeName) {
      store.bind(namespace, name, nodeName);
      return store.get(resourceDef("pods"), namespace, name);
    },
    updatePodStatus(namespace, name, status) {
      return store.patch(resourceDef("pods"), namespace, name, "merge", { status }, "status");
    },
    get(resource, namespace, name) {
      const def = resourceDef(resource);
      return store.peek(def, def.namespaced ? namespace : undefined, name) as never;
    },
    list(resource, namespace) {
      const def = resourceDef(resource);
      const l = store.list(def, { namespace: def.namespaced ? namespace : undefined });
      const apiVersion = l.apiVersion as string;
      return (l.items as Array<Record<string, unknown>>).map((i) => ({
        kind: def.kind,
        apiVersion,
        ...i,
      })) as never[];
    },
    deletePodNow: (namespace, name) => store.forceDelete(resourceDef("pods"), namespace, name),
    resourceVersion: () => String(store.currentRv),
    faults: {
      add(rule) {
        const r = { ...rule };
        http.faults.push(r);
        return () => {
          const i = http.faults.indexOf(r);
          if (i >= 0) http.faults.splice(i, 1);
        };
      },
      clear() {
        http.faults.length = 0;
      },
    },
    cutWatches: () => http.cutWatches(),
    compactHistory: () => store.compactHistory(),
    calls: http.calls,
    reviews,
    ca,
    approveCsr: (name) => void certificates.setApproval(name, "Approved"),
    denyCsr: (name) => void certificates.setApproval(name, "Denied", "KubectlDeny"),
    async close() {
      certificates.close();
      http.cutWatches();
      store.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}

/** True when `e` is the fake's own error with the given HTTP code (for direct-helper callers). */
export function isKubeStatus(e: unknown, code?: number): e is KubeStatusError {
  return e instanceof KubeStatusError && (code === undefined || e.code === code);
}
