/**
 * Kubernetes adapter for the watcher: the `PodApi` the reflector uses and the `LeaseStore` the elector uses,
 * on client-node 1.x. It is the only watcher module that touches the SDK; it maps `ApiException` to the
 * project's error types and gives watch objects the same deserialized form as list items, so a pod compares
 * equal whether it came from a list or from a watch.
 *
 * Calls made (the chart's RBAC grants exactly these):
 * - pods: list (`GET /api/v1/pods?fieldSelector=spec.nodeName=<node>`) and watch (same, `watch=true`).
 *   The chart also grants pods `get`, the set DESIGN fixes for the watcher ("pods get/list/watch");
 * - leases in the watcher's namespace: get, create, update.
 */
import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  V1MicroTime,
  Watch,
  type V1Lease,
  type V1Pod,
} from "@kubernetes/client-node";
// Not re-exported by the package index; the package has no `exports` map, so the deep path is public.
import { ObjectSerializer } from "@kubernetes/client-node/dist/serializer.js";
import { ConflictError, NotFoundError, TransientError, UnauthorizedError } from "../errors.js";
import type { LeaseRecord, LeaseStore, StoredLease } from "./elector.js";
import type { PodApi } from "./reflector.js";

/** Loads a kubeconfig file when given, else the in-cluster service account. */
export function loadKubeConfig(kubeconfigPath?: string): KubeConfig {
  const kc = new KubeConfig();
  if (kubeconfigPath) kc.loadFromFile(kubeconfigPath);
  else kc.loadFromCluster();
  return kc;
}

export function kubePodApi(kc: KubeConfig): PodApi {
  const core = kc.makeApiClient(CoreV1Api);
  const watch = new Watch(kc);
  return {
    async list({ fieldSelector, limit, continueToken }) {
      try {
        const list = await core.listPodForAllNamespaces({
          fieldSelector,
          ...(limit > 0 ? { limit } : {}),
          ...(continueToken ? { _continue: continueToken } : {}),
        });
        const page = { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? "" };
        const next = list.metadata?._continue;
        return next ? { ...page, continueToken: next } : page;
      } catch (error) {
        throw withStatus(error);
      }
    },
    async watch(req, onEvent, onDone) {
      const controller = await watch.watch(
        "/api/v1/pods",
        {
          fieldSelector: req.fieldSelector,
          resourceVersion: req.resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds: req.timeoutSeconds,
        },
        (type: string, object: unknown) => {
          if (type === "ERROR")
            onEvent(type, object ?? {}); // a metav1.Status
          else onEvent(type, ObjectSerializer.deserialize(object, "V1Pod") as V1Pod);
        },
        (error: unknown) => onDone(error ?? null),
      );
      return { abort: () => controller.abort() };
    },
  };
}

/** Errors from list/watch keep the HTTP status as `statusCode` (the reflector relists on 410). */
function withStatus(error: unknown): unknown {
  if (error instanceof ApiException) {
    return Object.assign(new TransientError(`kubernetes: ${error.code}`, error.code, { cause: error }), {
      statusCode: error.code,
    });
  }
  return error;
}

export function kubeLeaseStore(kc: KubeConfig, namespace: string, name: string): LeaseStore {
  const api = kc.makeApiClient(CoordinationV1Api);
  const body = (record: LeaseRecord, resourceVersion?: string): V1Lease => ({
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name, namespace, ...(resourceVersion ? { resourceVersion } : {}) },
    spec: {
      holderIdentity: record.holderIdentity,
      leaseDurationSeconds: record.leaseDurationSeconds,
      leaseTransitions: record.leaseTransitions,
      ...(record.acquireTime ? { acquireTime: new V1MicroTime(record.acquireTime.getTime()) } : {}),
      ...(record.renewTime ? { renewTime: new V1MicroTime(record.renewTime.getTime()) } : {}),
    },
  });
  return {
    async get() {
      try {
        return stored(await api.readNamespacedLease({ name, namespace }));
      } catch (error) {
        if (error instanceof ApiException && error.code === 404) return undefined;
        throw mapKubeError(error, "get lease");
      }
    },
    async create(record) {
      try {
        return stored(await api.createNamespacedLease({ namespace, body: body(record) }));
      } catch (error) {
        throw mapKubeError(error, "create lease");
      }
    },
    async update(record, resourceVersion) {
      try {
        return stored(
          await api.replaceNamespacedLease({ name, namespace, body: body(record, resourceVersion) }),
        );
      } catch (error) {
        throw mapKubeError(error, "update lease");
      }
    },
  };
}

function stored(lease: V1Lease): StoredLease {
  const spec = lease.spec ?? {};
  const out: StoredLease = { resourceVersion: lease.metadata?.resourceVersion ?? "" };
  if (spec.holderIdentity !== undefined) out.holderIdentity = spec.holderIdentity;
  if (spec.leaseDurationSeconds !== undefined) out.leaseDurationSeconds = spec.leaseDurationSeconds;
  if (spec.leaseTransitions !== undefined) out.leaseTransitions = spec.leaseTransitions;
  if (spec.acquireTime) out.acquireTime = new Date(spec.acquireTime);
  if (spec.renewTime) out.renewTime = new Date(spec.renewTime);
  return out;
}

export function mapKubeError(error: unknown, what: string): Error {
  if (error instanceof ApiException) {
    const code = error.code;
    if (code === 404) return new NotFoundError(`kubernetes: ${what}: 404`, { cause: error });
    if (code === 409) return new ConflictError(`kubernetes: ${what}: 409`, { cause: error });
    if (code === 401 || code === 403) {
      return new UnauthorizedError(`kubernetes: ${what}: ${code}`, code, { cause: error });
    }
    return new TransientError(`kubernetes: ${what}: ${code}`, code, { cause: error });
  }
  return error instanceof Error ? error : new TransientError(`kubernetes: ${what}: ${String(error)}`);
}
