/**
 * The one Lease client (`coordination.k8s.io/v1`), used by both deployables: the Functions' node heartbeat
 * (`KubeApi.getLease/createLease/replaceLease`, through `api.ts`) and the watcher's leader election
 * (`LeaseStore`, `lib/watcher/elector.ts`). Plain HTTP through a `KubeConnection` (`http/connection.ts`, which
 * also accepts a client-node `KubeConfig`), so the watcher does not load client-node.
 *
 * The codec writes `acquireTime`/`renewTime` as `metav1.MicroTime` with exactly six fractional digits: a
 * real API server answers 400 to the three digits a JavaScript `Date` serialises to (docs/kube-fake.md),
 * which is what client-node sends for a `Date`. It reads them back as `Date`s, as client-node would. Callers
 * put plain `Date`s in. `microTime` is the bridge's one MicroTime formatter: the Lease is the only object it
 * writes with MicroTime fields (its core/v1 Events leave `eventTime` unset and use `Time` timestamps).
 */
import type { V1Lease } from "@kubernetes/client-node";
import type { LeaseRecord, LeaseStore, StoredLease } from "../watcher/elector.js";
import { KubeHttpError, mapKubeHttpError } from "./errors.js";
import { connectionOf, type KubeTarget } from "./http/connection.js";
import { callJson } from "./http/transport.js";

/** `metav1.MicroTime`: RFC 3339 with microseconds, as the API server writes it. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

const MICRO_FIELDS = ["acquireTime", "renewTime"] as const;

/** The Lease as JSON for the API server: MicroTime fields with six digits, whether given as Date or text. */
export function encodeLease(lease: V1Lease): Record<string, unknown> {
  const spec: Record<string, unknown> = { ...lease.spec };
  for (const field of MICRO_FIELDS) {
    const value = spec[field] as Date | string | undefined | null;
    if (value === undefined || value === null) continue;
    const date = value instanceof Date ? value : new Date(value);
    if (!Number.isNaN(date.getTime())) spec[field] = microTime(date);
  }
  return { apiVersion: "coordination.k8s.io/v1", kind: "Lease", ...lease, spec };
}

/** The Lease as the API server sent it, MicroTime fields as `Date`s (client-node's `V1Lease` shape). */
export function decodeLease(json: Record<string, unknown>): V1Lease {
  const lease = json as V1Lease;
  if (!lease.spec) return lease;
  const spec = { ...lease.spec } as Record<string, unknown>;
  for (const field of MICRO_FIELDS) {
    if (typeof spec[field] === "string") spec[field] = new Date(spec[field]);
  }
  return { ...lease, spec };
}

export interface LeaseClient {
  /** The Lease, or undefined when it does not exist. */
  get(namespace: string, name: string): Promise<V1Lease | undefined>;
  /** Creates it; `ConflictError` when it already exists. */
  create(lease: V1Lease): Promise<V1Lease>;
  /** Replaces it; `ConflictError` when its resourceVersion is stale. */
  replace(lease: V1Lease): Promise<V1Lease>;
}

export function kubeLeaseClient(target: KubeTarget): LeaseClient {
  const conn = connectionOf(target);
  const base = (namespace: string) =>
    `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
  const call = async (what: string, method: string, path: string, body?: unknown) => {
    try {
      return decodeLease(await callJson<Record<string, unknown>>(conn, method, path, what, body));
    } catch (error) {
      throw mapKubeHttpError(error, what);
    }
  };
  return {
    async get(namespace, name) {
      const what = `get lease ${namespace}/${name}`;
      try {
        return decodeLease(
          await callJson<Record<string, unknown>>(
            conn,
            "GET",
            `${base(namespace)}/${encodeURIComponent(name)}`,
            what,
          ),
        );
      } catch (error) {
        if (error instanceof KubeHttpError && error.statusCode === 404) return undefined;
        throw mapKubeHttpError(error, what);
      }
    },
    create: (lease) => {
      const namespace = lease.metadata?.namespace ?? "";
      return call(
        `create lease ${namespace}/${lease.metadata?.name ?? ""}`,
        "POST",
        base(namespace),
        encodeLease(lease),
      );
    },
    replace: (lease) => {
      const namespace = lease.metadata?.namespace ?? "";
      const name = lease.metadata?.name ?? "";
      return call(
        `replace lease ${namespace}/${name}`,
        "PUT",
        `${base(namespace)}/${encodeURIComponent(name)}`,
        encodeLease(lease),
      );
    },
  };
}

/** The watcher's `LeaseStore` for one Lease, over the same client. */
export function kubeLeaseStore(target: KubeTarget, namespace: string, name: string): LeaseStore {
  const client = kubeLeaseClient(target);
  const lease = (record: LeaseRecord, resourceVersion?: string): V1Lease => ({
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name, namespace, ...(resourceVersion ? { resourceVersion } : {}) },
    spec: {
      holderIdentity: record.holderIdentity,
      leaseDurationSeconds: record.leaseDurationSeconds,
      leaseTransitions: record.leaseTransitions,
      ...(record.acquireTime ? { acquireTime: record.acquireTime } : {}),
      ...(record.renewTime ? { renewTime: record.renewTime } : {}),
    },
  });
  return {
    async get() {
      const found = await client.get(namespace, name);
      return found ? stored(found) : undefined;
    },
    create: async (record) => stored(await client.create(lease(record))),
    update: async (record, resourceVersion) => stored(await client.replace(lease(record, resourceVersion))),
  };
}

function stored(lease: V1Lease): StoredLease {
  const spec = lease.spec ?? {};
  const out: StoredLease = { resourceVersion: lease.metadata?.resourceVersion ?? "" };
  if (spec.holderIdentity !== undefined && spec.holderIdentity !== null) {
    out.holderIdentity = spec.holderIdentity;
  }
  if (spec.leaseDurationSeconds !== undefined && spec.leaseDurationSeconds !== null) {
    out.leaseDurationSeconds = spec.leaseDurationSeconds;
  }
  if (spec.leaseTransitions !== undefined && spec.leaseTransitions !== null) {
    out.leaseTransitions = spec.leaseTransitions;
  }
  if (spec.acquireTime) out.acquireTime = new Date(spec.acquireTime);
  if (spec.renewTime) out.renewTime = new Date(spec.renewTime);
  return out;
}
