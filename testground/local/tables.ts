/**
 * What the local stack prints, in the formats people know: `kubectl get nodes -o wide`, `kubectl get pods -o
 * wide` (STATUS computed like kubectl's printPod), and `az container list -o table`. Pure functions of the
 * objects and a clock, so they are unit-tested on their own.
 */
import type { ContainerGroup } from "@azure/arm-containerinstance";
import type { V1Node, V1Pod } from "@kubernetes/client-node";

/**
 * kubectl's tabwriter (minwidth 6, padding 3): every column but the last is padded to its widest cell + 3.
 */
export function formatKubectlTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): string[] {
  const all = [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(6, ...all.map((r) => (r[i] ?? "").length + 3)));
  return all.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("")
      .trimEnd(),
  );
}

/** The Azure CLI's `-o table`: two spaces between columns and a dashed rule under the header. */
export function formatAzTable(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const all = [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]) =>
    r
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)];
}

/** k8s.io/apimachinery `duration.HumanDuration` (the AGE column). */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8)
    return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 365 * 8)
    return days % 365 === 0 ? `${Math.floor(days / 365)}y` : `${Math.floor(days / 365)}y${days % 365}d`;
  return `${Math.floor(days / 365)}y`;
}

function age(created: Date | string | undefined, now: Date): string {
  if (!created) return "<unknown>";
  return humanDuration(now.getTime() - new Date(created).getTime());
}

// ---- nodes ---------------------------------------------------------------------------------------------------

export const NODE_HEADERS = [
  "NAME",
  "STATUS",
  "ROLES",
  "AGE",
  "VERSION",
  "INTERNAL-IP",
  "EXTERNAL-IP",
  "OS-IMAGE",
  "KERNEL-VERSION",
  "CONTAINER-RUNTIME",
] as const;

/** kubectl printNode: Ready/NotReady/Unknown (+SchedulingDisabled); roles from `node-role.kubernetes.io/*` and `kubernetes.io/role`. */
export function nodeStatusText(node: V1Node): string {
  const ready = node.status?.conditions?.find((c) => c.type === "Ready");
  const status = [ready ? (ready.status === "True" ? "Ready" : "NotReady") : "Unknown"];
  if (node.spec?.unschedulable) status.push("SchedulingDisabled");
  return status.join(",");
}

export function nodeRoles(node: V1Node): string {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(node.metadata?.labels ?? {})) {
    if (key.startsWith("node-role.kubernetes.io/")) {
      const role = key.slice("node-role.kubernetes.io/".length);
      if (role) roles.add(role);
    } else if (key === "node-role.kubernetes.io" && value) roles.add(value);
    else if (key === "kubernetes.io/role" && value) roles.add(value);
  }
  return roles.size ? [...roles].sort().join(",") : "<none>";
}

export function nodeRow(node: V1Node, now: Date): string[] {
  const address = (type: string) => node.status?.addresses?.find((a) => a.type === type)?.address ?? "<none>";
  const info = node.status?.nodeInfo;
  const orUnknown = (v: string | undefined) => (v ? v : "<unknown>");
  return [
    node.metadata?.name ?? "",
    nodeStatusText(node),
    nodeRoles(node),
    age(node.metadata?.creationTimestamp, now),
    info?.kubeletVersion ?? "",
    address("InternalIP"),
    address("ExternalIP"),
    orUnknown(info?.osImage),
    orUnknown(info?.kernelVersion),
    orUnknown(info?.containerRuntimeVersion),
  ];
}

export function nodesTable(nodes: readonly V1Node[], now: Date): string[] {
  return formatKubectlTable(
    NODE_HEADERS,
    nodes.map((n) => nodeRow(n, now)),
  );
}

// ---- pods ----------------------------------------------------------------------------------------------------

export const POD_HEADERS = ["NAME", "READY", "STATUS", "IP", "NODE", "AGE"] as const;

/** The STATUS column, computed like kubectl's printPod (kubernetes/pkg/printers/internalversion). */
export function podStatusText(pod: V1Pod): string {
  const status = pod.status ?? {};
  const phase = status.phase ?? "Pending";
  let reason: string = status.reason || phase;
  if (status.conditions?.some((c) => c.type === "PodScheduled" && c.reason === "SchedulingGated")) {
    reason = "SchedulingGated";
  }
  const initSpecs = pod.spec?.initContainers ?? [];
  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i]!;
    const terminated = c.state?.terminated;
    const waiting = c.state?.waiting;
    if (terminated && terminated.exitCode === 0) continue;
    if (terminated) {
      reason = terminated.reason
        ? `Init:${terminated.reason}`
        : terminated.signal
          ? `Init:Signal:${terminated.signal}`
          : `Init:ExitCode:${terminated.exitCode}`;
    } else if (waiting?.reason && waiting.reason !== "PodInitializing") {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${initSpecs.length}`;
    }
    initializing = true;
    break;
  }
  const initialized = status.conditions?.some((c) => c.type === "Initialized" && c.status === "True");
  if (!initializing || initialized) {
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i]!;
      const waiting = c.state?.waiting;
      const terminated = c.state?.terminated;
      if (waiting?.reason) reason = waiting.reason;
      else if (terminated?.reason) reason = terminated.reason;
      else if (terminated)
        reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode}`;
      else if (c.ready && c.state?.running) hasRunning = true;
    }
    if (reason === "Completed" && hasRunning) {
      reason = status.conditions?.some((c) => c.type === "Ready" && c.status === "True")
        ? "Running"
        : "NotReady";
    }
  }
  const terminal = phase === "Succeeded" || phase === "Failed";
  if (pod.metadata?.deletionTimestamp && status.reason === "NodeLost") reason = "Unknown";
  else if (pod.metadata?.deletionTimestamp && !terminal) reason = "Terminating";
  return reason;
}

export function podReadyText(pod: V1Pod): string {
  const total = pod.spec?.containers?.length ?? 0;
  const ready = (pod.status?.containerStatuses ?? []).filter((c) => c.ready && c.state?.running).length;
  return `${ready}/${total}`;
}

export function podRow(pod: V1Pod, now: Date): string[] {
  return [
    pod.metadata?.name ?? "",
    podReadyText(pod),
    podStatusText(pod),
    pod.status?.podIP || "<none>",
    pod.spec?.nodeName || "<none>",
    age(pod.metadata?.creationTimestamp, now),
  ];
}

export function podsTable(pods: readonly V1Pod[], now: Date, namespace = "default"): string[] {
  if (pods.length === 0) return [`No resources found in ${namespace} namespace.`];
  return formatKubectlTable(
    POD_HEADERS,
    pods.map((p) => podRow(p, now)),
  );
}

// ---- container groups ----------------------------------------------------------------------------------------

/** One container group as the table shows it, from either a REST body (simulator) or an SDK model (ARM). */
export interface GroupView {
  name: string;
  /** provisioningState, or the instance state (Running, Succeeded, …) once provisioning Succeeded and it is known. */
  state: string;
  ip?: string;
  ports: number[];
  cpu: number;
  memoryGb: number;
  os: string;
  tags: Record<string, string>;
}

export const GROUP_HEADERS = ["NAME", "STATE", "IP:PORTS", "CPU/MEMORY", "OS"] as const;

interface RestGroup {
  name?: string;
  tags?: Record<string, string>;
  properties?: {
    provisioningState?: string;
    osType?: string;
    ipAddress?: { ip?: string; ports?: Array<{ port?: number }> };
    instanceView?: { state?: string } | null;
    containers?: Array<{ properties?: { resources?: { requests?: { cpu?: number; memoryInGB?: number } } } }>;
  };
}

function stateOf(provisioningState: string | undefined, instanceState: string | undefined): string {
  const p = provisioningState ?? "Unknown";
  return p === "Succeeded" && instanceState ? instanceState : p;
}

/** From the ARM REST shape (`properties` nesting), e.g. the simulator's `getGroup` body. */
export function groupViewFromRest(body: unknown): GroupView {
  const g = body as RestGroup;
  const p = g.properties ?? {};
  const requests = (p.containers ?? []).map((c) => c.properties?.resources?.requests ?? {});
  const view: GroupView = {
    name: g.name ?? "",
    state: stateOf(p.provisioningState, p.instanceView?.state),
    ports: (p.ipAddress?.ports ?? []).map((x) => x.port ?? 0),
    cpu: requests.reduce((s, r) => s + (r.cpu ?? 0), 0),
    memoryGb: requests.reduce((s, r) => s + (r.memoryInGB ?? 0), 0),
    os: p.osType ?? "",
    tags: g.tags ?? {},
  };
  if (p.ipAddress?.ip) view.ip = p.ipAddress.ip;
  return view;
}

/** From the `@azure/arm-containerinstance` model (flattened properties), e.g. a list result. */
export function groupViewFromSdk(g: ContainerGroup): GroupView {
  const requests = g.containers.map((c) => c.resources.requests);
  const view: GroupView = {
    name: g.name ?? "",
    state: stateOf(g.provisioningState, g.instanceView?.state),
    ports: (g.ipAddress?.ports ?? []).map((x) => x.port),
    cpu: requests.reduce((s, r) => s + r.cpu, 0),
    memoryGb: requests.reduce((s, r) => s + r.memoryInGB, 0),
    os: g.osType,
    tags: g.tags ?? {},
  };
  if (g.ipAddress?.ip) view.ip = g.ipAddress.ip;
  return view;
}

/** Python's float str: `1.0`, `1.5`. */
function pyFloat(n: number): string {
  return Number.isInteger(n) ? n.toFixed(1) : String(Math.round(n * 1000) / 1000);
}

export function groupRow(g: GroupView): string[] {
  const ipPorts = g.ip ? `${g.ip}:${g.ports.join(",")}` : "";
  return [g.name, g.state, ipPorts, `${pyFloat(g.cpu)} core/${pyFloat(g.memoryGb)} gb`, g.os];
}

export function groupsTable(groups: readonly GroupView[]): string[] {
  return formatAzTable(GROUP_HEADERS, [...groups].sort((a, b) => a.name.localeCompare(b.name)).map(groupRow));
}
