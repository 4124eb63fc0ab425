/**
 * The virtual node's heartbeat (docs/architecture.md#names, docs/adr/0301): make sure the Node exists, renew
 * the Lease `kube-node-lease/<node>` (owned by the Node, as the kubelet does it, so deleting the Node deletes
 * its Lease), and keep the Node's conditions true — `Ready=True` refreshed at least every 60 s, `Ready=False`
 * with a reason while ARM is unreachable or refuses our credentials. A real node lifecycle controller needs
 * the Node status patch, not only the Lease, to bring Ready back (docs/architecture.md#platform-facts).
 */
import type {
  V1Lease,
  V1Node,
  V1NodeCondition,
  V1NodeStatus,
  V1OwnerReference,
} from "@kubernetes/client-node";
import type { NodeShape, VirtualNodeConfig } from "../config.js";
import { ConflictError, UnauthorizedError } from "../errors.js";
import type { Logger } from "../log.js";
import type { NodeApi } from "./ports.js";

export const NODE_LEASE_NAMESPACE = "kube-node-lease";
/** virtual-kubelet's DefaultLeaseDuration; renewed every ~10 s, a quarter of it. */
export const LEASE_DURATION_SECONDS = 40;
/** A renewal later than this after the previous one is `node.heartbeat.late` (half the Lease duration). */
export const LEASE_LATE_SECONDS = 20;
/** Node status is re-sent when its last heartbeat is older than this, so Ready stays fresh within 60 s. */
export const NODE_STATUS_REFRESH_SECONDS = 40;
export const KUBELET_PORT = 10250;

export type ArmHealth =
  { ok: true } | { ok: false; reason: "ArmUnreachable" | "ArmUnauthorized"; message: string };

export interface HeartbeatDeps {
  kube: NodeApi;
  shape: NodeShape;
  clusterName: string;
  now: () => Date;
  log: Logger;
}

export interface HeartbeatResult {
  /** Milliseconds between the previous renewal (the Lease's renewTime as read) and this one, if known. */
  gapMs?: number;
  /** The gap exceeded LEASE_LATE_SECONDS (logged as `node.heartbeat.late`). */
  late: boolean;
}

/**
 * One heartbeat of one node: register the Node when missing, renew the Lease (with an ownerReference to the
 * Node once its uid is known), then patch the Node status when it changed or is getting old. Safe to call
 * concurrently with itself across instances (a Lease conflict is re-read once). A failure to register the
 * Node does not stop the Lease renewal; it is thrown afterwards.
 */
export async function heartbeat(
  node: VirtualNodeConfig,
  arm: ArmHealth | undefined,
  deps: HeartbeatDeps,
): Promise<HeartbeatResult> {
  let current: V1Node | undefined;
  let registerError: unknown;
  try {
    current = await ensureNode(node, deps);
  } catch (error) {
    registerError = error;
  }
  const result = await renewLease(node.name, current, deps);
  if (registerError !== undefined || !current) throw registerError;
  await updateNodeStatus(node, current, arm, deps);
  return result;
}

async function renewLease(
  nodeName: string,
  owner: V1Node | undefined,
  deps: HeartbeatDeps,
): Promise<HeartbeatResult> {
  const ownerReferences = owner?.metadata?.uid
    ? [nodeOwnerReference(nodeName, owner.metadata.uid)]
    : undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    const now = deps.now();
    const lease = await deps.kube.getLease(NODE_LEASE_NAMESPACE, nodeName);
    try {
      if (!lease) {
        await deps.kube.createLease(newLease(nodeName, now, ownerReferences));
        return { late: false };
      }
      await deps.kube.replaceLease({
        ...lease,
        metadata: {
          ...lease.metadata,
          ...(ownerReferences && !ownedByNode(lease, ownerReferences[0]!) ? { ownerReferences } : {}),
        },
        spec: {
          ...lease.spec,
          holderIdentity: nodeName,
          leaseDurationSeconds: LEASE_DURATION_SECONDS,
          // A Date: the Lease codec (lib/kube/lease.ts) writes it as a MicroTime with six digits.
          renewTime: now,
        },
      });
      const previous = lease.spec?.renewTime; // a Date, as the Lease codec reads it back
      if (!previous || Number.isNaN(previous.getTime())) return { late: false };
      const gapMs = now.getTime() - previous.getTime();
      const late = gapMs > LEASE_LATE_SECONDS * 1000;
      if (late) {
        deps.log.warn("node.heartbeat.late", {
          node: nodeName,
          gapSeconds: Math.round(gapMs / 100) / 10,
          previousRenewTime: previous.toISOString(),
          holder: lease.spec?.holderIdentity,
        });
      }
      return { gapMs, late };
    } catch (error) {
      // Someone else (another tick, a stale instance) wrote it in between: read again once.
      if (!(error instanceof ConflictError) || attempt === 1) throw error;
    }
  }
  return { late: false }; // unreachable: the loop returns or throws
}

/** The kubelet's node Lease owner: the Node itself (no controller, no blockOwnerDeletion). */
export function nodeOwnerReference(nodeName: string, uid: string): V1OwnerReference {
  return { apiVersion: "v1", kind: "Node", name: nodeName, uid };
}

function ownedByNode(lease: V1Lease, owner: V1OwnerReference): boolean {
  return (lease.metadata?.ownerReferences ?? []).some(
    (r) => r.kind === owner.kind && r.name === owner.name && r.uid === owner.uid,
  );
}

function newLease(nodeName: string, now: Date, ownerReferences?: V1OwnerReference[]): V1Lease {
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: {
      name: nodeName,
      namespace: NODE_LEASE_NAMESPACE,
      ...(ownerReferences ? { ownerReferences } : {}),
    },
    spec: {
      holderIdentity: nodeName,
      leaseDurationSeconds: LEASE_DURATION_SECONDS,
      renewTime: now,
    },
  };
}

/** The Node, created when missing (the Lease needs its uid for the ownerReference). */
async function ensureNode(node: VirtualNodeConfig, deps: HeartbeatDeps): Promise<V1Node> {
  const existing = await deps.kube.getNode(node.name);
  if (existing) return existing;
  const wanted = nodeObject(node, deps.shape, deps.clusterName);
  let created: V1Node;
  try {
    created = await deps.kube.createNode(wanted);
  } catch (error) {
    if (error instanceof ConflictError) {
      // Another instance registered it in between.
      const raced = await deps.kube.getNode(node.name);
      if (raced) return raced;
    }
    // With node credentials (system:node:<name>) NodeRestriction forbids kubernetes.io/k8s.io labels a
    // kubelet may not set (e.g. kubernetes.io/role): register without them rather than not at all.
    if (!(error instanceof UnauthorizedError) || error.statusCode !== 403) throw error;
    const labels = kubeletSettableLabels(wanted.metadata?.labels ?? {});
    created = await deps.kube.createNode({ ...wanted, metadata: { ...wanted.metadata, labels } });
    deps.log.warn("node.labels.restricted", {
      node: node.name,
      dropped: Object.keys(wanted.metadata?.labels ?? {}).filter((k) => !(k in labels)),
    });
  }
  deps.log.info("node.registered", { node: node.name, region: node.region });
  return created;
}

async function updateNodeStatus(
  node: VirtualNodeConfig,
  current: V1Node,
  arm: ArmHealth | undefined,
  deps: HeartbeatDeps,
): Promise<void> {
  const now = deps.now();
  const desired = desiredConditions(arm, current.status?.conditions ?? [], now);
  const ready = current.status?.conditions?.find((c) => c.type === "Ready");
  const wantReady = desired.find((c) => c.type === "Ready");
  const changed =
    !ready ||
    ready.status !== wantReady?.status ||
    ready.reason !== wantReady?.reason ||
    !current.status?.capacity ||
    !current.status?.daemonEndpoints;
  const stale =
    !ready?.lastHeartbeatTime ||
    now.getTime() - new Date(ready.lastHeartbeatTime).getTime() >= NODE_STATUS_REFRESH_SECONDS * 1000;
  if (!changed && !stale) return;
  await deps.kube.patchNodeStatus(node.name, nodeStatus(deps.shape, desired));
  if (changed && ready?.status !== wantReady?.status) {
    const level = wantReady?.status === "True" ? "info" : "warn";
    deps.log[level]("node.ready.changed", {
      node: node.name,
      ready: wantReady?.status,
      reason: wantReady?.reason,
      message: wantReady?.message,
    });
  }
}

export function nodeObject(node: VirtualNodeConfig, shape: NodeShape, clusterName: string): V1Node {
  const os = shape.os.toLowerCase();
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: node.name,
      labels: {
        type: "virtual-kubelet",
        "kubernetes.io/role": "agent",
        "kubernetes.io/hostname": node.name,
        "kubernetes.io/os": os,
        "beta.kubernetes.io/os": os,
        "kubernetes.io/arch": "amd64",
        "node.kubernetes.io/exclude-from-external-load-balancers": "true",
        "topology.kubernetes.io/region": node.region,
      },
      annotations: { "aci-bridge.io/cluster": clusterName },
    },
    spec: { taints: [{ ...shape.taint }] },
  };
}

/** Labels under kubernetes.io / k8s.io that NodeRestriction lets a node set on itself (kubelet labels). */
const KUBELET_LABELS = new Set([
  "kubernetes.io/hostname",
  "kubernetes.io/os",
  "kubernetes.io/arch",
  "beta.kubernetes.io/os",
  "beta.kubernetes.io/arch",
  "beta.kubernetes.io/instance-type",
  "node.kubernetes.io/instance-type",
  "failure-domain.beta.kubernetes.io/region",
  "failure-domain.beta.kubernetes.io/zone",
  "topology.kubernetes.io/region",
  "topology.kubernetes.io/zone",
]);

export function kubeletSettableLabels(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) {
    const slash = key.indexOf("/");
    const ns = slash > 0 ? key.slice(0, slash) : "";
    const reserved = /(^|\.)(kubernetes\.io|k8s\.io)$/.test(ns);
    const allowedPrefix = /(^|\.)(kubelet|node)\.kubernetes\.io$/.test(ns);
    if (!reserved || allowedPrefix || KUBELET_LABELS.has(key)) out[key] = value;
  }
  return out;
}

export function nodeStatus(shape: NodeShape, conditions: V1NodeCondition[]): V1NodeStatus {
  const resources = { cpu: shape.capacity.cpu, memory: shape.capacity.memory, pods: shape.capacity.pods };
  return {
    capacity: resources,
    allocatable: resources,
    conditions,
    // Only InternalIP, as virtual-kubelet's ACI provider: the API server tries address types in the order of
    // --kubelet-preferred-address-types (upstream default Hostname first), and the virtual node's name
    // resolves to nothing, so a Hostname address would send `kubectl logs`/`exec` to an unresolvable host.
    addresses: [{ type: "InternalIP", address: shape.nodeIP }],
    daemonEndpoints: { kubeletEndpoint: { Port: shape.kubeletPort ?? KUBELET_PORT } },
    nodeInfo: {
      architecture: "amd64",
      bootID: "",
      containerRuntimeVersion: "aci://2023-05-01",
      kernelVersion: "",
      kubeProxyVersion: "",
      kubeletVersion: shape.kubeletVersion,
      machineID: "",
      operatingSystem: shape.os.toLowerCase(),
      osImage: "Azure Container Instances",
      systemUUID: "",
    },
  };
}

/**
 * Node conditions for the ARM health; unchanged conditions keep their lastTransitionTime. Health not known
 * yet (a fresh instance's first beat, before its probe answered) keeps the current Ready verdict.
 */
export function desiredConditions(
  arm: ArmHealth | undefined,
  current: V1NodeCondition[],
  now: Date,
): V1NodeCondition[] {
  const previous = current.find((c) => c.type === "Ready");
  const ready: Omit<V1NodeCondition, "lastHeartbeatTime" | "lastTransitionTime"> =
    !arm && previous && (previous.status === "True" || previous.status === "False")
      ? { type: "Ready", status: previous.status, reason: previous.reason, message: previous.message }
      : !arm || arm.ok
        ? {
            type: "Ready",
            status: "True",
            reason: "KubeletReady",
            message: "aci-bridge is ready: ARM reachable",
          }
        : { type: "Ready", status: "False", reason: arm.reason, message: arm.message.slice(0, 256) };
  const quiet = (type: string, reason: string, message: string) => ({
    type,
    status: "False",
    reason,
    message,
  });
  const wanted = [
    ready,
    quiet("MemoryPressure", "KubeletHasSufficientMemory", "ACI has no node memory pressure"),
    quiet("DiskPressure", "KubeletHasNoDiskPressure", "ACI has no node disk pressure"),
    quiet("PIDPressure", "KubeletHasSufficientPID", "ACI has no node PID pressure"),
    quiet("NetworkUnavailable", "RouteCreated", "ACI manages container networking"),
  ];
  return wanted.map((c) => {
    const previous = current.find((p) => p.type === c.type);
    const transition =
      previous && previous.status === c.status && previous.lastTransitionTime
        ? previous.lastTransitionTime
        : now;
    return { ...c, lastHeartbeatTime: now, lastTransitionTime: transition };
  });
}
