/** The watcher's read of one Namespace's uid (the cluster identity, lib/reconcile/identity.ts). */
import { KubeHttpError, mapKubeHttpError } from "../errors.js";
import { connectionOf, type KubeTarget } from "./connection.js";
import { callJson } from "./transport.js";

/** `getNamespaceUid` as the Functions' adapter has it: undefined on 404, 401/403 as UnauthorizedError. */
export function kubeNamespaceUid(target: KubeTarget): (name: string) => Promise<string | undefined> {
  const conn = connectionOf(target);
  return async (name) => {
    const what = `get namespace ${name}`;
    try {
      const ns = await callJson<{ metadata?: { uid?: string } }>(
        conn,
        "GET",
        `/api/v1/namespaces/${encodeURIComponent(name)}`,
        what,
      );
      return ns.metadata?.uid;
    } catch (error) {
      if (error instanceof KubeHttpError && error.statusCode === 404) return undefined;
      throw mapKubeHttpError(error, what);
    }
  };
}
