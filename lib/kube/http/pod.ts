/**
 * The kubelet endpoint's read of one pod (`GET pods/<name>`), reduced to what a kubelet says about a pod whose
 * containers have not started: which node it is bound to, its containers, and why each is waiting.
 */
import { KubeHttpError, mapKubeHttpError } from "../errors.js";
import { connectionOf, type KubeTarget } from "./connection.js";
import { callJson } from "./transport.js";

export interface BoundPod {
  uid: string;
  nodeName: string;
  /** Init and app containers, by name. */
  containers: string[];
  /** `state.waiting.reason` by container, from the pod's status. */
  waiting: Record<string, string>;
}

interface RawPod {
  metadata?: { uid?: string };
  spec?: { nodeName?: string; containers?: { name: string }[]; initContainers?: { name: string }[] };
  status?: {
    containerStatuses?: { name: string; state?: { waiting?: { reason?: string } } }[];
    initContainerStatuses?: { name: string; state?: { waiting?: { reason?: string } } }[];
  };
}

/** Undefined on 404; other failures map through the Kubernetes error table. */
export function kubePodReader(
  target: KubeTarget,
): (namespace: string, name: string) => Promise<BoundPod | undefined> {
  const conn = connectionOf(target);
  return async (namespace, name) => {
    const what = `get pod ${namespace}/${name}`;
    try {
      const pod = await callJson<RawPod>(
        conn,
        "GET",
        `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`,
        what,
      );
      const waiting: Record<string, string> = {};
      for (const s of [
        ...(pod.status?.initContainerStatuses ?? []),
        ...(pod.status?.containerStatuses ?? []),
      ]) {
        const reason = s.state?.waiting?.reason;
        if (reason) waiting[s.name] = reason;
      }
      return {
        uid: pod.metadata?.uid ?? "",
        nodeName: pod.spec?.nodeName ?? "",
        containers: [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => c.name),
        waiting,
      };
    } catch (error) {
      if (error instanceof KubeHttpError && error.statusCode === 404) return undefined;
      throw mapKubeHttpError(error, what);
    }
  };
}
