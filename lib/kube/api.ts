/**
 * Kubernetes adapter: implements the reconcilers' `KubeApi` over @kubernetes/client-node 1.x.
 * Designed for node credentials (`system:node:<node>`): every call is one the Node authorizer allows a
 * kubelet (its node, its lease, pods bound to it, the secrets/configmaps/tokens those pods reference).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import {
  ApiException,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Event,
  type V1Lease,
  type V1Node,
  type V1NodeStatus,
  type V1Pod,
} from "@kubernetes/client-node";
import { parseDocument } from "yaml";
import { ConfigError, NotFoundError, TransientError, ensureError } from "../errors.js";
import type { KubeApi } from "../reconcile/ports.js";
import { kubeErrorFromResponse, statusOf } from "./errors.js";
import { loadKubeconfigObject, parseKubeconfigSync } from "./kubeconfig.js";
import { kubeLeaseClient } from "./lease.js";

/** Page size for list calls: bounded memory per page, O(pages) calls at 5,000 pods. */
export const LIST_PAGE_SIZE = 500;
export const REPORTING_COMPONENT = "aci-bridge";

/**
 * The Functions' kubeconfig, from `KUBECONFIG_CONTENT` (text) or `KUBECONFIG` (a path). A malformed one is a
 * `ConfigError` naming the setting and the position of the problem, never quoting the text (it holds tokens).
 */
export function loadKubeConfig(source: { inline?: string; path?: string }): KubeConfig {
  const kc = new KubeConfig();
  if (source.inline) {
    loadKubeconfigObject(
      kc,
      parseKubeconfigSync(source.inline, "KUBECONFIG_CONTENT", parseDocument),
      "KUBECONFIG_CONTENT",
    );
  } else if (source.path) {
    let text: string;
    try {
      text = readFileSync(source.path, "utf8");
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw new ConfigError(
        `KUBECONFIG: cannot read the file${typeof code === "string" ? ` (${code})` : ""}`,
      );
    }
    const where = "KUBECONFIG file";
    loadKubeconfigObject(kc, parseKubeconfigSync(text, where, parseDocument), where);
    // Relative file references resolve against the file's folder, as client-node's loadFromFile does.
    kc.makePathsAbsolute(dirname(source.path));
  } else kc.loadFromDefault();
  return kc;
}

/** Maps client-node errors (`ApiException`, network errors) through the Kubernetes error table. */
export function mapKubeError(error: unknown, what: string): Error {
  if (error instanceof ApiException) {
    const e = error as ApiException<unknown>;
    return kubeErrorFromResponse(
      { status: e.code, body: e.body, retryAfter: e.headers?.["retry-after"] },
      what,
      error,
    );
  }
  const e = ensureError(error);
  return new TransientError(`kubernetes ${what}: ${e.message}`, undefined, { cause: e });
}

async function orUndefined<T>(what: string, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw mapKubeError(error, what);
  }
}

async function mapped<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw mapKubeError(error, what);
  }
}

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

export function createKubeApi(kc: KubeConfig): KubeApi {
  const core = kc.makeApiClient(CoreV1Api);
  const leases = kubeLeaseClient(kc);

  return {
    getPod: (namespace, name) =>
      orUndefined(`get pod ${namespace}/${name}`, () => core.readNamespacedPod({ namespace, name })),

    async listPodsOnNode(nodeName) {
      const pods: V1Pod[] = [];
      let token: string | undefined;
      do {
        const page = await mapped(`list pods on ${nodeName}`, () =>
          core.listPodForAllNamespaces({
            fieldSelector: `spec.nodeName=${nodeName}`,
            limit: LIST_PAGE_SIZE,
            _continue: token,
          }),
        );
        pods.push(...page.items);
        token = page.metadata?._continue || undefined;
      } while (token);
      return pods;
    },

    async patchPodStatus(namespace, name, status, precondition) {
      // Merge patch replaces lists wholesale, which is what we want: the status we send is complete.
      // A resourceVersion in a merge patch body is an optimistic-concurrency precondition (409 when stale).
      const body = precondition?.resourceVersion
        ? { metadata: { resourceVersion: precondition.resourceVersion }, status }
        : { status };
      const patched = await mapped(`patch pod status ${namespace}/${name}`, () =>
        core.patchNamespacedPodStatus({ namespace, name, body }, mergePatch),
      );
      return patched.metadata?.resourceVersion;
    },

    async deletePodNow(namespace, name, uid) {
      try {
        await core.deleteNamespacedPod({
          namespace,
          name,
          gracePeriodSeconds: 0,
          body: { gracePeriodSeconds: 0, preconditions: { uid } },
        });
      } catch (error) {
        const status = statusOf(error);
        // 404: already gone. 409 on the uid precondition: a new pod took the name; not ours to delete.
        if (status === 404 || status === 409) return;
        throw mapKubeError(error, `delete pod ${namespace}/${name}`);
      }
    },

    async recordEvent(pod, event, reportingInstance) {
      const namespace = pod.metadata?.namespace ?? "default";
      const podName = pod.metadata?.name ?? "";
      const name = eventObjectName(podName, pod.metadata?.uid ?? "", event.key);
      const now = new Date();
      const body: CoreV1Event = {
        metadata: { name, namespace },
        involvedObject: {
          apiVersion: "v1",
          kind: "Pod",
          name: podName,
          namespace,
          uid: pod.metadata?.uid,
          fieldPath: event.fieldPath,
        },
        reason: event.reason,
        message: event.message.slice(0, 1024),
        type: event.type,
        count: event.count,
        firstTimestamp: event.firstTimestamp ? new Date(event.firstTimestamp) : now,
        lastTimestamp: event.lastTimestamp ? new Date(event.lastTimestamp) : now,
        source: { component: REPORTING_COMPONENT, host: reportingInstance },
        reportingComponent: REPORTING_COMPONENT,
        reportingInstance,
      };
      try {
        await core.createNamespacedEvent({ namespace, body });
      } catch (error) {
        if (statusOf(error) !== 409) throw mapKubeError(error, `create event ${namespace}/${name}`);
        // Same identity already recorded: bump count and lastTimestamp only.
        await mapped(`patch event ${namespace}/${name}`, () =>
          core.patchNamespacedEvent(
            {
              namespace,
              name,
              body: { count: event.count, lastTimestamp: body.lastTimestamp, message: body.message },
            },
            mergePatch,
          ),
        );
      }
    },

    getSecret: (namespace, name) =>
      orUndefined(`get secret ${namespace}/${name}`, () => core.readNamespacedSecret({ namespace, name })),

    getConfigMap: (namespace, name) =>
      orUndefined(`get configmap ${namespace}/${name}`, () =>
        core.readNamespacedConfigMap({ namespace, name }),
      ),

    async createServiceAccountToken(namespace, serviceAccountName, pod, audience, expirationSeconds) {
      const result = await mapped(`create token ${namespace}/${serviceAccountName}`, () =>
        core.createNamespacedServiceAccountToken({
          namespace,
          name: serviceAccountName,
          body: {
            spec: {
              audiences: audience ? [audience] : [],
              expirationSeconds,
              boundObjectRef: {
                apiVersion: "v1",
                kind: "Pod",
                name: pod.metadata?.name,
                uid: pod.metadata?.uid,
              },
            },
          },
        }),
      );
      const token = result.status?.token;
      if (!token)
        throw new NotFoundError(`token request for ${namespace}/${serviceAccountName} returned no token`);
      return token;
    },

    getNode: (name) => orUndefined(`get node ${name}`, () => core.readNode({ name })),

    createNode: (node: V1Node) =>
      mapped(`create node ${node.metadata?.name}`, () => core.createNode({ body: node })),

    async patchNodeStatus(name: string, status: V1NodeStatus) {
      // A direct PATCH of nodes/status: node credentials cannot GET-then-patch via kubectl (docs/architecture.md#platform-facts).
      await mapped(`patch node status ${name}`, () =>
        core.patchNodeStatus({ name, body: { status } }, mergePatch),
      );
    },

    async getNamespaceUid(name: string) {
      const ns = await orUndefined(`get namespace ${name}`, () => core.readNamespace({ name }));
      return ns?.metadata?.uid;
    },

    // The one Lease client (`lease.ts`), shared with the watcher: it writes MicroTime as the API server
    // requires, which client-node's serializer does not for a `Date`.
    getLease: (namespace, name) => leases.get(namespace, name),
    createLease: (lease: V1Lease) => leases.create(lease),
    replaceLease: (lease: V1Lease) => leases.replace(lease),
  };
}

/** Deterministic Event name per (pod uid, event key), so re-emitting updates instead of duplicating. */
export function eventObjectName(podName: string, podUid: string, key: string): string {
  const hash = createHash("sha256").update(`${podUid}/${key}`).digest("hex").slice(0, 16);
  return `${podName.slice(0, 253 - 17)}.${hash}`;
}
