/**
 * Request validation the real service does on PUT, with the codes it uses where known (see
 * docs/aci-simulator.md for which codes are verified). Returns the first problem, like ARM.
 */
import type { AciSimulatorLimits, Json } from "./types.js";

export interface ArmError {
  status: number;
  code: string;
  message: string;
}

/** ACI container group names: 1–63 chars, `[a-z0-9-]`, no leading, trailing or consecutive hyphen. */
export const CONTAINER_GROUP_NAME = /^(?!-)(?!.*--)[a-z0-9-]{1,63}(?<!-)$/;

const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

const bad = (message: string, code = "InvalidRequestContent"): ArmError => ({ status: 400, code, message });

export interface GroupTotals {
  cpu: number;
  memoryGb: number;
}

export function validateName(name: string): ArmError | undefined {
  if (!CONTAINER_GROUP_NAME.test(name)) {
    return bad(
      `The container group name '${name}' is invalid. The container group name must contain no more than 63 characters and can contain only lowercase letters, numbers, and dashes, and cannot begin or end with a dash, or contain consecutive dashes.`,
      "InvalidContainerGroupName",
    );
  }
  return undefined;
}

/** Validates a PUT body; on success returns the group's total cpu/memory requests. */
export function validateBody(
  name: string,
  body: unknown,
  limits: AciSimulatorLimits,
): ArmError | GroupTotals {
  if (!isObj(body)) return bad("The request content was invalid and could not be deserialized.");
  if (typeof body.location !== "string" || body.location === "") {
    return bad("The 'location' property is required for this definition.", "LocationRequired");
  }
  const p = body.properties;
  if (!isObj(p)) return bad("The 'properties' property is required.");
  if (p.osType !== "Linux" && p.osType !== "Windows")
    return bad(`The osType '${String(p.osType)}' is invalid. It must be 'Linux' or 'Windows'.`);
  if (
    p.restartPolicy !== undefined &&
    !["Always", "OnFailure", "Never"].includes(p.restartPolicy as string)
  ) {
    return bad(`The restart policy '${JSON.stringify(p.restartPolicy)}' is invalid.`);
  }
  if (!Array.isArray(p.containers) || p.containers.length === 0) {
    return bad(
      `The container group '${name}' must have at least one container.`,
      "ContainerGroupContainersRequired",
    );
  }
  const init = p.initContainers === undefined ? [] : p.initContainers;
  if (!Array.isArray(init)) return bad("'initContainers' must be an array.");
  const containers = p.containers as unknown[];
  if (containers.length + init.length > limits.maxContainersPerGroup) {
    return bad(
      `The number of containers '${containers.length + init.length}' in container group '${name}' exceeds the maximum of '${limits.maxContainersPerGroup}'.`,
      "ContainerGroupContainerCountExceeded",
    );
  }
  const volumes = p.volumes === undefined ? [] : p.volumes;
  if (!Array.isArray(volumes)) return bad("'volumes' must be an array.");
  if (volumes.length > limits.maxVolumesPerGroup) {
    return bad(
      `The number of volumes '${volumes.length}' in container group '${name}' exceeds the maximum of '${limits.maxVolumesPerGroup}'.`,
      "ContainerGroupVolumeCountExceeded",
    );
  }
  const volumeNames = new Set<string>();
  for (const v of volumes) {
    if (!isObj(v) || typeof v.name !== "string") return bad("Every volume needs a name.");
    if (volumeNames.has(v.name))
      return bad(`Duplicate volume name '${v.name}' in container group '${name}'.`, "DuplicateVolumeName");
    volumeNames.add(v.name);
  }
  const names = new Set<string>();
  let cpu = 0;
  let memoryGb = 0;
  const limitsToCheck: Array<{ container: string; cpu?: number; memoryGb?: number }> = [];
  for (const [list, isInit] of [
    [containers, false],
    [init as unknown[], true],
  ] as const) {
    for (const c of list) {
      if (!isObj(c) || typeof c.name !== "string" || !isObj(c.properties))
        return bad("Every container needs a name and properties.");
      if (!/^(?!-)[a-z0-9-]{1,63}(?<!-)$/.test(c.name)) {
        return bad(
          `The container name '${c.name}' in container group '${name}' is invalid: lowercase letters, numbers and dashes, 1-63 characters.`,
          "InvalidContainerName",
        );
      }
      if (names.has(c.name))
        return bad(
          `Duplicate container name '${c.name}' in container group '${name}'.`,
          "DuplicateContainerName",
        );
      names.add(c.name);
      const cp = c.properties;
      if (typeof cp.image !== "string" || cp.image === "")
        return bad(`The image of container '${c.name}' is required.`, "InvalidContainerImage");
      for (const m of Array.isArray(cp.volumeMounts) ? (cp.volumeMounts as unknown[]) : []) {
        if (!isObj(m) || typeof m.name !== "string" || typeof m.mountPath !== "string")
          return bad(`A volume mount of container '${c.name}' needs a name and a mountPath.`);
        if (!volumeNames.has(m.name)) {
          return bad(
            `The volume mount '${m.name}' of container '${c.name}' in container group '${name}' references a volume that is not defined.`,
            "VolumeMountNameNotFound",
          );
        }
      }
      if (isInit) continue;
      const req = isObj(cp.resources) && isObj(cp.resources.requests) ? cp.resources.requests : undefined;
      const rc = num(req?.cpu);
      const rm = num(req?.memoryInGB);
      if (rc === undefined || rm === undefined || rc <= 0 || rm <= 0) {
        return bad(
          `The resource requests (cpu, memoryInGB) of container '${c.name}' are required and must be positive.`,
          "InvalidContainerResourceRequest",
        );
      }
      cpu += rc;
      memoryGb += rm;
      const lim = isObj(cp.resources) && isObj(cp.resources.limits) ? cp.resources.limits : undefined;
      limitsToCheck.push({
        container: c.name,
        ...(num(lim?.cpu) !== undefined ? { cpu: num(lim?.cpu) } : {}),
        ...(num(lim?.memoryInGB) !== undefined ? { memoryGb: num(lim?.memoryInGB) } : {}),
      });
    }
  }
  for (const l of limitsToCheck) {
    if (l.cpu !== undefined && l.cpu > cpu) {
      return bad(
        `The 'Cpu' limit '${l.cpu}' in container '${l.container}' is greater than the total request '${cpu}' of container group '${name}'.`,
        "ContainerLimitGreaterThanContainerGroupTotalRequest",
      );
    }
    if (l.memoryGb !== undefined && l.memoryGb > memoryGb) {
      return bad(
        `The 'MemoryInGB' limit '${l.memoryGb}' in container '${l.container}' is greater than the total request '${memoryGb}' of container group '${name}'.`,
        "ContainerLimitGreaterThanContainerGroupTotalRequest",
      );
    }
  }
  if (cpu > limits.maxCpuPerGroup || memoryGb > limits.maxMemoryGbPerGroup) {
    return bad(
      `The requested resource is not available in the location '${body.location}' at this moment. Resource requested: '${cpu}' CPU '${memoryGb}' GB memory '${String(p.osType)}' OS. Maximum: '${limits.maxCpuPerGroup}' CPU '${limits.maxMemoryGbPerGroup}' GB.`,
      "ResourceRequestsExceedMaxAllowed",
    );
  }
  const ip = p.ipAddress;
  if (ip !== undefined) {
    if (!isObj(ip) || !Array.isArray(ip.ports))
      return bad("'ipAddress.ports' is required when 'ipAddress' is given.");
    if (ip.ports.length > limits.maxPortsPerIp) {
      return bad(
        `The number of ports '${ip.ports.length}' on the IP address of container group '${name}' exceeds the maximum of '${limits.maxPortsPerIp}'.`,
        "IpAddressPortsCountExceeded",
      );
    }
    if (ip.type !== "Public" && ip.type !== "Private")
      return bad(`The IP address type '${String(ip.type)}' is invalid. It must be 'Public' or 'Private'.`);
    const subnets = Array.isArray(p.subnetIds) && p.subnetIds.length > 0;
    if (ip.type === "Public" && subnets)
      return bad(
        `Container group '${name}' with subnetIds cannot have a public IP address.`,
        "PublicIPAddressNotSupportedWithVnet",
      );
    if (ip.type === "Private" && !subnets)
      return bad(
        `Container group '${name}' with a private IP address needs 'subnetIds'.`,
        "PrivateIPAddressNotSupported",
      );
  }
  return { cpu, memoryGb };
}
