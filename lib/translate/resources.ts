/**
 * Container resources → ACI `resources`: requests default to limits (like Kubernetes), then to 1 CPU /
 * 1.5 GB; ACI granularity, rounded up. Also the effective values `resourceFieldRef` reports and the
 * per-group totals this node allows. docs/translation.md "Pod fields" describes the rules.
 */
import type { Container, ResourceRequirements } from "@azure/arm-containerinstance";
import type { V1Container } from "@kubernetes/client-node";
import { InvalidPodSpecError } from "../errors.js";
import type { EffectiveResources } from "./context.js";
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

/** Requests default to limits (like Kubernetes), then to 1 CPU / 1.5 GB; ACI granularity, rounded up. */
export function resourcesOf(container: V1Container, path: string): ContainerResources {
  const requests = (container.resources?.requests ?? {}) as Record<string, unknown>;
  const limits = (container.resources?.limits ?? {}) as Record<string, unknown>;
  for (const [kind, map] of [
    ["requests", requests],
    ["limits", limits],
  ] as const) {
    for (const key of Object.keys(map)) {
      if (!STANDARD_RESOURCES.has(key)) {
        throw new InvalidPodSpecError(
          `${path}.resources.${kind}['${key}']`,
          key === "nvidia.com/gpu"
            ? "ACI GPU SKUs were retired; GPUs are not available"
            : `resource "${key}" is not available on ACI (cpu and memory are)`,
        );
      }
    }
  }
  if (container.resources?.claims?.length) {
    throw new InvalidPodSpecError(
      `${path}.resources.claims`,
      "dynamic resource allocation is not available on ACI",
    );
  }
  const reqCpu = quantity(requests["cpu"], `${path}.resources.requests.cpu`);
  const limCpu = quantity(limits["cpu"], `${path}.resources.limits.cpu`);
  const reqMem = quantity(requests["memory"], `${path}.resources.requests.memory`);
  const limMem = quantity(limits["memory"], `${path}.resources.limits.memory`);
  const cpu = aciCpu(reqCpu ?? limCpu ?? DEFAULT_CPU);
  const memoryInGB = reqMem ?? limMem;
  const memGb = memoryInGB === undefined ? DEFAULT_MEMORY_GB : aciMemoryGb(memoryInGB);
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
      cpuRequest: reqCpu ?? limCpu ?? cpu,
      cpuLimit,
      memoryRequestBytes: Math.round(reqMem ?? limMem ?? memGb * BYTES_PER_GB),
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
