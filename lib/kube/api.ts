/**
 * Kubernetes adapter: implements the reconcilers' `KubeApi` over @kubernetes/client-node 1.x.
 * Designed for node credentials (`system:node:<node>`): every call is one the Node authorizer allows a
 * kubelet (its node, its lease, pods bound to it, the secrets/configmaps/tokens those pods reference).
 */
import { createHash } from "node:crypto";
import {
  CoordinationV1Api,
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
import { NotFoundError } from "../errors.js";
import type { KubeApi } from "../reconcile/ports.js";
import { mapKubeError, statusOf } from "./errors.js";

/** Page size for list calls: bounded memory per page, O(pages) calls at 5,000 pods. */
export const LIST_PAGE_SIZE = 500;
export const REPORTING_COMPONENT = "aci-bridge";

export function loadKubeConfig(source: { inline?: string; path?: string }): KubeConfig {
  const kc = new KubeConfig();
  if (source.inline) kc.loadFromString(source.inline);
  else if (source.path) kc.loadFromFile(source.path);
  else kc.loadFromDefault();
  return kc;
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
  const coordination = kc.makeApiClient(CoordinationV1Api);

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
      await mapped(`patch pod status ${namespace}/${name}`, () =>
        core.patchNamespacedPodStatus({ namespace, name, body }, mergePatch),
      );
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
      // A direct PATCH of nodes/status: node credentials cannot GET-then-patch via kubectl (FACTS).
      await mapped(`patch node status ${name}`, () =>
        core.patchNodeStatus({ name, body: { status } }, mergePatch),
      );
    },

    getLease: (namespace, name) =>
      orUndefined(`get lease ${namespace}/${name}`, () =>
        coordination.readNamespacedLease({ namespace, name }),
      ),

    createLease: (lease: V1Lease) =>
      mapped(`create lease ${lease.metadata?.name}`, () =>
        coordination.createNamespacedLease({ namespace: lease.metadata?.namespace ?? "", body: lease }),
      ),

    replaceLease: (lease: V1Lease) =>
      mapped(`replace lease ${lease.metadata?.name}`, () =>
        coordination.replaceNamespacedLease({
          namespace: lease.metadata?.namespace ?? "",
          name: lease.metadata?.name ?? "",
          body: lease,
        }),
      ),
  };
}

/** Deterministic Event name per (pod uid, event key), so re-emitting updates instead of duplicating. */
export function eventObjectName(podName: string, podUid: string, key: string): string {
  const hash = createHash("sha256").update(`${podUid}/${key}`).digest("hex").slice(0, 16);
  return `${podName.slice(0, 253 - 17)}.${hash}`;
}
