/**
 * The cluster identity in the ownership tags (docs/adr/0301, "Cluster identity"). Guessable values — the
 * built-in `default`, a cluster name two clusters share — let two installs sharing a resource group take each
 * other's groups for orphans. So unless the operator set one, the Functions derive it from the cluster
 * itself: the `kube-system` Namespace's `metadata.uid`, which the API server generates when the cluster is
 * created and which no other cluster has.
 *
 * Order: `ACI_CLUSTER_ID` (set by the operator, ideally to that uid) → an explicit `ACI_BRIDGE_CLUSTER_NAME`
 * (the operator's choice, kept so existing installs keep their tags) → the kube-system uid, read once per
 * process → none (`default`: node credentials cannot read namespaces). Without an identity the bridge keeps
 * tagging `default` (its running pods keep their groups) but repair deletes nothing.
 */
import type { BridgeConfig } from "../config.js";
import { TransientError, UnauthorizedError } from "../errors.js";
import type { NodeApi } from "./ports.js";

export type IdentityConfig = Pick<BridgeConfig, "clusterName" | "clusterIdentity">;

/** The namespace whose uid is the cluster's identity: created with the cluster, never deleted. */
export const IDENTITY_NAMESPACE = "kube-system";

/**
 * The identity for `config`: unchanged when the operator chose one; else derived from the kube-system uid.
 * A namespace the credentials may not read (403) or that does not exist gives `default` (no identity); a
 * transient failure throws a TransientError, so the caller retries later instead of caching a guess.
 */
export async function deriveClusterIdentity(
  config: IdentityConfig,
  kube: Pick<NodeApi, "getNamespaceUid">,
): Promise<IdentityConfig> {
  if (config.clusterIdentity !== "derive") return config;
  if (!kube.getNamespaceUid) return { clusterName: "default", clusterIdentity: "default" };
  try {
    const uid = await kube.getNamespaceUid(IDENTITY_NAMESPACE);
    return uid
      ? { clusterName: uid, clusterIdentity: "kube-system" }
      : { clusterName: "default", clusterIdentity: "default" };
  } catch (error) {
    if (error instanceof UnauthorizedError) return { clusterName: "default", clusterIdentity: "default" };
    throw new TransientError(
      `cannot read the ${IDENTITY_NAMESPACE} namespace to derive the cluster identity: ${
        error instanceof Error ? error.message : String(error)
      }`,
      undefined,
      { cause: error },
    );
  }
}

/** What `adoptClusterIdentity` updates: the runtime's config and the per-node settings built from it. */
export interface IdentityHolder<C extends IdentityConfig> {
  config: Readonly<C>;
}

/**
 * Resolves the identity once per holder (a process's runtime) and writes it into `holder.config`, calling
 * `onChange` with the new config; concurrent callers share one read. A failed read is not cached.
 */
export function identityAdopter<C extends IdentityConfig>(
  holder: IdentityHolder<C>,
  kube: Pick<NodeApi, "getNamespaceUid">,
  onChange: (config: Readonly<C>) => void,
): () => Promise<Readonly<C>> {
  let pending: Promise<Readonly<C>> | undefined;
  return () => {
    if (holder.config.clusterIdentity !== "derive") return Promise.resolve(holder.config);
    pending ??= deriveClusterIdentity(holder.config, kube).then(
      (identity) => {
        const config = { ...holder.config, ...identity };
        holder.config = config;
        onChange(config);
        return config;
      },
      (error: unknown) => {
        pending = undefined;
        throw error;
      },
    );
    return pending;
  };
}
