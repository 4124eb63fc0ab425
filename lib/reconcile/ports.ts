/**
 * The small interfaces the reconcilers need from the outside world. Adapters in `lib/kube`, `lib/aci` and
 * `lib/queue` implement them over the real SDKs; unit tests can implement them in memory. Every method maps
 * SDK failures to `lib/errors.ts` types.
 */
import type { ContainerGroup } from "@azure/arm-containerinstance";
import type {
  V1ConfigMap,
  V1Lease,
  V1Node,
  V1NodeStatus,
  V1Pod,
  V1PodStatus,
  V1Secret,
} from "@kubernetes/client-node";
import type { KubeEventSpec } from "../translate/types.js";

export interface PodReader {
  /** The pod, or undefined when it does not exist. */
  getPod(namespace: string, name: string): Promise<V1Pod | undefined>;
  /** Every pod bound to `nodeName`, across namespaces, read with paged list calls. */
  listPodsOnNode(nodeName: string): Promise<V1Pod[]>;
}

export interface PodWriter {
  /**
   * Replaces the pod's status (merge patch on `pods/status`). Conflicts and 5xx are transient. With
   * `precondition.resourceVersion` the patch applies only to that version of the pod (ConflictError if it
   * changed since): the cross-instance create claim and every status the reconciler decides rely on it.
   * Returns the pod's new resourceVersion.
   */
  patchPodStatus(
    namespace: string,
    name: string,
    status: V1PodStatus,
    precondition?: { resourceVersion?: string },
  ): Promise<string | undefined>;
  /**
   * Deletes the pod object with grace period 0 and a uid precondition (the kubelet's final delete).
   * Succeeds when the pod is already gone or was replaced by a pod with another uid.
   */
  deletePodNow(namespace: string, name: string, uid: string): Promise<void>;
  /** Creates the Event, or bumps count/lastTimestamp of the existing one with the same key. */
  recordEvent(pod: V1Pod, event: KubeEventSpec, reportingInstance: string): Promise<void>;
}

export interface ReferenceReader {
  getSecret(namespace: string, name: string): Promise<V1Secret | undefined>;
  getConfigMap(namespace: string, name: string): Promise<V1ConfigMap | undefined>;
  /** A bound service-account token from the TokenRequest API. */
  createServiceAccountToken(
    namespace: string,
    serviceAccountName: string,
    pod: V1Pod,
    audience: string | undefined,
    expirationSeconds: number,
  ): Promise<string>;
}

export interface NodeApi {
  getNode(name: string): Promise<V1Node | undefined>;
  createNode(node: V1Node): Promise<V1Node>;
  patchNodeStatus(name: string, status: V1NodeStatus): Promise<void>;
  getLease(namespace: string, name: string): Promise<V1Lease | undefined>;
  createLease(lease: V1Lease): Promise<V1Lease>;
  /** Replaces the lease; a stale resourceVersion is a ConflictError. */
  replaceLease(lease: V1Lease): Promise<V1Lease>;
  /**
   * The namespace's uid (the timer reads kube-system's once, to check the cluster identity), undefined when
   * it does not exist. Node credentials may not read namespaces: UnauthorizedError (403). Optional.
   */
  getNamespaceUid?(name: string): Promise<string | undefined>;
}

export type KubeApi = PodReader & PodWriter & ReferenceReader & NodeApi;

/** Container groups of one resource group. */
export interface ContainerGroupApi {
  /** Full GET (with instanceView), or undefined on 404. */
  get(name: string): Promise<ContainerGroup | undefined>;
  /**
   * Sends the PUT and returns after ARM accepted it (201/200), without waiting for the long-running
   * operation: follow-up status checks observe the result (docs/adr/0002-never-wait-on-long-running-operations.md).
   */
  beginCreate(name: string, group: ContainerGroup): Promise<void>;
  /** Sends the DELETE; returns "gone" when ARM answered 204/404 (nothing left), else "deleting". */
  beginDelete(name: string): Promise<"gone" | "deleting">;
  /** Every group in the resource group (list calls only: no instanceView). */
  list(): Promise<ContainerGroup[]>;
}
