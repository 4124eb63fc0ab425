/**
 * Container resources → ACI `resources`: requests default to limits (like Kubernetes), then to 1 CPU /
 * 1.5 GB; ACI granularity, rounded up. Pod-level `spec.resources` (Kubernetes 1.34 beta) is honoured:
 * containers without their own values share what the pod asks for, so the group never asks ACI for more
 * than the pod declared. Also the effective values `resourceFieldRef` reports and the per-group totals this
 * node allows. docs/translation.md "Pod fields" describes the rules.
 */
import type { Container, ResourceRequirements } from "@azure/arm-containerinstance";
import type { V1Container } from "@kubernetes/client-node";
import { InvalidPodSpecError } from "../errors.js";
import { warn, type EffectiveResources, type TranslateContext } from "./context.js";
import { aciCpu, aciMemoryGb, BYTES_PER_GB, parseQuantity } from "./quantity.js";
import type { NodeSettings } from "./types.js";

/** Defaults when a container sets neither request nor limit (virtual-kubelet's and ACI's defaults). */
export const DEFAULT_CPU = 1;
export const DEFAULT_MEMORY_GB = 1.5;

const STANDARD_RESOURCES = new Set(["cpu", "memory", "ephemeral-storage"]);

export interface ContainerResources {
  aci: ResourceRequirements;
  effective: EffectiveResources;
}

function quantity(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const text = typeof value === "number" ? String(value) : typeof value === "string" ? value : "";
  const parsed = parseQuantity(text);
  if (parsed === undefined || parsed < 0) {
    throw new InvalidPodSpecError(field, `"${text}" is not a valid quantity`, "InvalidPodSpec");
  }
  return parsed;
}

/**
 * What a container without its own value gets from the pod-level `spec.resources` (requests in ACI units,
 * limits as declared).
 */
export interface PodShare {
  cpu?: number;
  memoryGb?: number;
  cpuLimit?: number;
  memoryLimitBytes?: number;
}

function checkNames(map: Record<string, unknown>, field: string, allowed: ReadonlySet<string>): void {
  for (const key of Object.keys(map)) {
    if (!allowed.has(key)) {
      throw new InvalidPodSpecError(
        `${field}['${key}']`,
        key === "nvidia.com/gpu"
          ? "ACI GPU SKUs were retired; GPUs are not available"
          : `resource "${key}" is not available on ACI (cpu and memory are)`,
      );
    }
  }
}

/** Largest multiple of `step` that is ≤ value (tolerates floating-point noise). */
function floorToStep(value: number, step: number, decimals: number): number {
  return Number((Math.floor(value / step + 1e-9) * step).toFixed(decimals));
}

/**
 * Pod-level resources (Kubernetes semantics: the pod's request is `spec.resources.requests`, defaulting to its
 * limits; containers without their own request share what the containers with one leave). ACI has no
 * group-level size, so the shares are written on those containers, rounded down to ACI's granularity so
 * the sum stays within what the pod asked for. `sized` are the containers ACI sizes (regular containers and
 * sidecars). Returns container name → share; empty when the pod sets no pod-level resources.
 */
export function podLevelShares(
  ctx: TranslateContext,
  sized: readonly { c: V1Container; path: string }[],
): Map<string, PodShare> {
  const shares = new Map<string, PodShare>();
  const pr = ctx.pod.spec?.resources;
  if (!pr) return shares;
  const requests = (pr.requests ?? {}) as Record<string, unknown>;
  const limits = (pr.limits ?? {}) as Record<string, unknown>;
  const podStandard = new Set(["cpu", "memory"]);
  checkNames(requests, "spec.resources.requests", podStandard);
  checkNames(limits, "spec.resources.limits", podStandard);
  if (pr.claims?.length) {
    throw new InvalidPodSpecError(
      "spec.resources.claims",
      "dynamic resource allocation is not available on ACI",
    );
  }
  const limCpu = quantity(limits["cpu"], "spec.resources.limits.cpu");
  const limMem = quantity(limits["memory"], "spec.resources.limits.memory");
  const reqCpu = quantity(requests["cpu"], "spec.resources.requests.cpu") ?? limCpu;
  const reqMem = quantity(requests["memory"], "spec.resources.requests.memory") ?? limMem;
  for (const { c } of sized) shares.set(c.name, {});

  const split = (
    kind: "cpu" | "memory",
    budget: number | undefined,
    toAci: (v: number) => number,
    step: number,
    decimals: number,
  ): void => {
    if (budget === undefined) return;
    const own = (c: V1Container): number | undefined => {
      const r = (c.resources?.requests ?? {}) as Record<string, unknown>;
      const l = (c.resources?.limits ?? {}) as Record<string, unknown>;
      const v = r[kind] ?? l[kind];
      return typeof v === "string" || typeof v === "number" ? parseQuantity(v) : undefined;
    };
    const budgetAci = kind === "cpu" ? budget : budget / BYTES_PER_GB;
    let used = 0;
    const without: V1Container[] = [];
    for (const { c } of sized) {
      const v = own(c);
      if (v === undefined) without.push(c);
      else used += toAci(v);
    }
    if (without.length === 0) return;
    const each = floorToStep((budgetAci - used) / without.length, step, decimals);
    const granted = Math.max(each, step);
    if (each < step) {
      warn(
        ctx,
        "PodResourcesApproximated",
        `spec.resources.requests.${kind}`,
        `the containers with their own ${kind} requests leave less than ACI's smallest unit (${step}${kind === "cpu" ? " CPU" : " GB"}) for the ${without.length} without; each gets ${step}${kind === "cpu" ? " CPU" : " GB"}, so the group asks for more than the pod's ${kind} request`,
      );
    }
    for (const c of without) {
      const share = shares.get(c.name) ?? {};
      if (kind === "cpu") share.cpu = granted;
      else share.memoryGb = granted;
      shares.set(c.name, share);
    }
  };
  split("cpu", reqCpu, aciCpu, 0.01, 2);
  split("memory", reqMem, aciMemoryGb, 0.1, 1);
  // A container without its own limit is capped by the pod's (the pod cgroup's limit in Kubernetes).
  for (const { c } of sized) {
    const l = (c.resources?.limits ?? {}) as Record<string, unknown>;
    const share = shares.get(c.name) ?? {};
    if (limCpu !== undefined && l["cpu"] === undefined) share.cpuLimit = limCpu;
    if (limMem !== undefined && l["memory"] === undefined) share.memoryLimitBytes = limMem;
    shares.set(c.name, share);
  }
  return shares;
}

/**
 * Requests default to limits (like Kubernetes), then to the pod-level share, then to 1 CPU / 1.5 GB; ACI
 * granularity, rounded up.
 */
export function resourcesOf(container: V1Container, path: string, share: PodShare = {}): ContainerResources {
  const requests = (container.resources?.requests ?? {}) as Record<string, unknown>;
  const limits = (container.resources?.limits ?? {}) as Record<string, unknown>;
  checkNames(requests, `${path}.resources.requests`, STANDARD_RESOURCES);
  checkNames(limits, `${path}.resources.limits`, STANDARD_RESOURCES);
  if (container.resources?.claims?.length) {
    throw new InvalidPodSpecError(
      `${path}.resources.claims`,
      "dynamic resource allocation is not available on ACI",
    );
  }
  const reqCpu = quantity(requests["cpu"], `${path}.resources.requests.cpu`);
  const ownLimCpu = quantity(limits["cpu"], `${path}.resources.limits.cpu`);
  const reqMem = quantity(requests["memory"], `${path}.resources.requests.memory`);
  const ownLimMem = quantity(limits["memory"], `${path}.resources.limits.memory`);
  const ownCpu = reqCpu ?? ownLimCpu;
  const cpu = ownCpu !== undefined ? aciCpu(ownCpu) : (share.cpu ?? DEFAULT_CPU);
  const memoryInGB = reqMem ?? ownLimMem;
  const memGb = memoryInGB !== undefined ? aciMemoryGb(memoryInGB) : (share.memoryGb ?? DEFAULT_MEMORY_GB);
  const limCpu = ownLimCpu ?? share.cpuLimit;
  const limMem = ownLimMem ?? share.memoryLimitBytes;
  const aci: ResourceRequirements = { requests: { memoryInGB: memGb, cpu } };
  if (limCpu !== undefined || limMem !== undefined) {
    aci.limits = {
      ...(limMem !== undefined ? { memoryInGB: Math.max(aciMemoryGb(limMem), memGb) } : {}),
      ...(limCpu !== undefined ? { cpu: Math.max(aciCpu(limCpu), cpu) } : {}),
    };
  }
  // resourceFieldRef reports what the pod declares (like the kubelet); unset values report what ACI grants.
  const cpuLimit = limCpu ?? aci.limits?.cpu ?? cpu;
  const memLimitBytes = limMem ?? (aci.limits?.memoryInGB ?? memGb) * BYTES_PER_GB;
  return {
    aci,
    effective: {
      cpuRequest: ownCpu ?? cpu,
      cpuLimit,
      memoryRequestBytes: Math.round(memoryInGB ?? memGb * BYTES_PER_GB),
      memoryLimitBytes: Math.round(memLimitBytes),
    },
  };
}

export function checkGroupTotals(containers: Container[], node: NodeSettings): void {
  const cpu = containers.reduce((sum, c) => sum + c.resources.requests.cpu, 0);
  const mem = containers.reduce((sum, c) => sum + c.resources.requests.memoryInGB, 0);
  if (cpu > node.maxCpuPerGroup + 1e-9) {
    throw new InvalidPodSpecError(
      "spec.containers[*].resources.requests.cpu",
      `the containers ask for ${Number(cpu.toFixed(2))} CPU in total; this node's groups allow ${node.maxCpuPerGroup}`,
    );
  }
  if (mem > node.maxMemoryGbPerGroup + 1e-9) {
    throw new InvalidPodSpecError(
      "spec.containers[*].resources.requests.memory",
      `the containers ask for ${Number(mem.toFixed(1))} GB in total; this node's groups allow ${node.maxMemoryGbPerGroup} GB`,
    );
  }
}
