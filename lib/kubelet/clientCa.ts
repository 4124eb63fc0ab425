/**
 * The cluster's client CA: the bundle that signs the API server's kubelet-client certificate, which the
 * kubelet endpoint must trust to accept `kubectl logs`/`exec`/`attach` through the API server. The API
 * server publishes it in the ConfigMap `kube-system/extension-apiserver-authentication`, key
 * `client-ca-file` (what kubelets and aggregated API servers read; readable with `get` on that ConfigMap,
 * docs/kubelet-api.md#rbac).
 */
import { mapKubeHttpError } from "../kube/errors.js";
import type { KubeConnection } from "../kube/http/connection.js";
import { callJson } from "../kube/http/transport.js";

export const CLIENT_CA_CONFIGMAP = {
  namespace: "kube-system",
  name: "extension-apiserver-authentication",
  key: "client-ca-file",
} as const;

/** The PEM bundle, or `undefined` when the ConfigMap has no such key. Errors go through the Kubernetes table. */
export async function readClusterClientCa(conn: KubeConnection): Promise<string | undefined> {
  const { namespace, name, key } = CLIENT_CA_CONFIGMAP;
  const what = `get configmap ${namespace}/${name}`;
  try {
    const cm = await callJson<{ data?: Record<string, string> }>(
      conn,
      "GET",
      `/api/v1/namespaces/${namespace}/configmaps/${name}`,
      what,
    );
    const pem = cm.data?.[key];
    return pem && pem.includes("-----BEGIN CERTIFICATE-----") ? pem : undefined;
  } catch (error) {
    throw mapKubeHttpError(error, what);
  }
}
