/**
 * Pod → ACI container group (docs/translation.md). Pure: everything the pod references arrives
 * resolved in `refs`; the result is the SDK's `ContainerGroup` model (flattened, as the SDK takes it).
 * A pod that cannot run as written is an `InvalidPodSpecError` naming the field and why; messages never
 * carry secret values. docs/translation.md is the reader's version of every rule here.
 *
 * This file is the composition: pod-level checks, containers, native sidecars and init containers; each
 * concern has its own module (env, volumes, resources, securityContext, probes, images, registryCredentials,
 * network, placement, workingDir). Every independent step runs even when another failed, and the most
 * fundamental problem is reported (context.ts `throwFirstError`: what ACI truly cannot run comes first).
 */
import type {
  Container,
  ContainerGroup,
  InitContainerDefinition,
  ResourceRequirements,
} from "@azure/arm-containerinstance";
import type { V1Container, V1Pod } from "@kubernetes/client-node";
import { InvalidPodSpecError } from "../errors.js";
import {
  attempt,
  newContext,
  record,
  podNamespace,
  throwFirstError,
  warn,
  type TranslateContext,
} from "./context.js";
import { buildEnv, expandCommand, toAciEnv, type EnvValue } from "./env.js";
import { checkImageReference } from "./images.js";
import { containerGroupName, containerGroupTags } from "./names.js";
import { applyNetwork, containerPorts, dnsConfig } from "./network.js";
import { applyPlacement } from "./placement.js";
import { applyProbes } from "./probes.js";
import { registryCredentials } from "./registryCredentials.js";
import {
  checkGroupTotals,
  DEFAULT_CPU,
  DEFAULT_MEMORY_GB,
  podLevelShares,
  resourcesOf,
  type PodShare,
} from "./resources.js";
import { checkSecurityContext, securityContext } from "./securityContext.js";
import type { NodeSettings, ResolvedReferences, TranslatedPod } from "./types.js";
import { translateMounts, translateVolumes, type TranslatedVolumes } from "./volumes.js";
import { isSidecar } from "./sidecars.js";
import { applyWorkingDir } from "./workingDir.js";

/** ACI per-group limits (docs: "Resource availability and quota limits"). */
export const ACI_MAX_CONTAINERS = 60;
export const ACI_MAX_VOLUMES = 20;

export function podToContainerGroup(pod: V1Pod, refs: ResolvedReferences, node: NodeSettings): TranslatedPod {
  const spec = pod.spec;
  if (!spec || !spec.containers || spec.containers.length === 0) {
    throw new InvalidPodSpecError("spec.containers", "a pod needs at least one container", "InvalidPodSpec");
  }
  const ctx = newContext(pod, refs, node);
  attempt(ctx, () => checkPodLevel(ctx), undefined);

  const initSpecs = (spec.initContainers ?? []).map((c, i) => ({ c, path: `spec.initContainers[${i}]` }));
  const mainSpecs = spec.containers.map((c, i) => ({ c, path: `spec.containers[${i}]` }));
  // Native sidecars run beside the main containers: ACI starts a group's containers together, after its
  // init containers (docs/translation.md "Native sidecars").
  const sidecars = initSpecs.filter(({ c }) => isSidecar(c));
  const inits = initSpecs.filter(({ c }) => !isSidecar(c));
  const sized = [...mainSpecs, ...sidecars];
  if (sized.length + inits.length > ACI_MAX_CONTAINERS) {
    record(
      ctx,
      new InvalidPodSpecError(
        "spec.containers",
        `${sized.length + inits.length} containers (with init containers); ACI allows ${ACI_MAX_CONTAINERS} per group`,
      ),
    );
  }
  const shares = attempt(ctx, () => podLevelShares(ctx, sized), new Map<string, PodShare>());
  const aciResources = new Map<string, ResourceRequirements>();
  for (const { c, path } of [...sized, ...inits]) {
    const r = attempt(ctx, () => resourcesOf(c, path, shares.get(c.name)), undefined);
    if (r) {
      ctx.resources.set(c.name, r.effective);
      aciResources.set(c.name, r.aci);
    }
  }
  const firstSidecar = initSpecs.findIndex(({ c }) => isSidecar(c));
  const initAfterSidecar = initSpecs.findIndex(
    ({ c }, i) => !isSidecar(c) && firstSidecar >= 0 && i > firstSidecar,
  );
  if (initAfterSidecar >= 0) {
    warn(
      ctx,
      "SidecarStartOrderApproximated",
      `spec.initContainers[${initAfterSidecar}]`,
      "ACI starts sidecars with the main containers, after every init container; this init container runs before the sidecars declared ahead of it are up",
    );
  }

  const translatedVolumes = translateVolumes(ctx, [...mainSpecs, ...initSpecs]);
  const { volumes } = translatedVolumes;
  if (volumes.length > ACI_MAX_VOLUMES) {
    record(
      ctx,
      new InvalidPodSpecError(
        "spec.volumes",
        `${volumes.length} volumes (a subPath of an emptyDir counts as one); ACI allows ${ACI_MAX_VOLUMES} per group`,
      ),
    );
  }
  const defined = new Set((spec.volumes ?? []).map((v) => v.name));
  const fallbackResources: ResourceRequirements = {
    requests: { cpu: DEFAULT_CPU, memoryInGB: DEFAULT_MEMORY_GB },
  };
  const containers = sized
    .map(({ c, path }) =>
      attempt(
        ctx,
        () =>
          translateContainer(
            ctx,
            c,
            path,
            defined,
            translatedVolumes,
            aciResources.get(c.name) ?? fallbackResources,
          ),
        undefined,
      ),
    )
    .filter((c): c is Container => c !== undefined);
  const initContainers = inits
    .map(({ c, path }) =>
      attempt(ctx, () => translateInitContainer(ctx, c, path, defined, translatedVolumes), undefined),
    )
    .filter((c): c is InitContainerDefinition => c !== undefined);
  attempt(ctx, () => checkGroupTotals(containers, node), undefined);

  const namespace = podNamespace(pod);
  const podName = pod.metadata?.name ?? "";
  const name = containerGroupName(namespace, podName);
  const cg: ContainerGroup = {
    location: node.region,
    tags: containerGroupTags({
      cluster: node.clusterName,
      node: node.nodeName,
      namespace,
      pod: podName,
      uid: pod.metadata?.uid ?? "",
    }),
    containers,
    osType: node.os,
    restartPolicy: spec.restartPolicy ?? "Always",
  };
  if (initContainers.length > 0) cg.initContainers = initContainers;
  if (volumes.length > 0) cg.volumes = volumes;
  const credentials = attempt(ctx, () => registryCredentials(ctx), []);
  if (credentials.length > 0) cg.imageRegistryCredentials = credentials;
  attempt(ctx, () => applyNetwork(ctx, cg), undefined);
  const dns = attempt(ctx, () => dnsConfig(ctx, cg.subnetIds !== undefined), undefined);
  if (dns) cg.dnsConfig = dns;
  attempt(ctx, () => applyPlacement(ctx, cg), undefined);
  throwFirstError(ctx);
  return { name, containerGroup: cg, warnings: ctx.warnings };
}

function checkPodLevel(ctx: TranslateContext): void {
  const spec = ctx.pod.spec;
  if (!spec) return;
  const reject = (field: string, why: string): never => {
    throw new InvalidPodSpecError(field, why);
  };
  if (spec.hostNetwork) reject("spec.hostNetwork", "ACI groups have no host network");
  if (spec.hostPID) reject("spec.hostPID", "ACI groups have no host PID namespace");
  if (spec.hostIPC) reject("spec.hostIPC", "ACI groups have no host IPC namespace");
  if (spec.shareProcessNamespace)
    reject("spec.shareProcessNamespace", "ACI containers cannot share a process namespace");
  if (spec.ephemeralContainers?.length)
    reject("spec.ephemeralContainers", "ACI groups cannot add containers after creation");
  if (spec.hostAliases?.length)
    reject("spec.hostAliases", "ACI does not let the group's /etc/hosts be written");
  if (spec.resourceClaims?.length)
    reject("spec.resourceClaims", "dynamic resource allocation is not available on ACI");
  if (spec.os?.name && spec.os.name.toLowerCase() !== ctx.node.os.toLowerCase()) {
    reject(
      "spec.os.name",
      `the pod asks for ${spec.os.name} but this virtual node runs ${ctx.node.os} groups`,
    );
  }
  const psc = spec.securityContext;
  if (psc?.sysctls?.length) reject("spec.securityContext.sysctls", "ACI does not let pods set sysctls");
  if (psc?.windowsOptions?.hostProcess) {
    reject(
      "spec.securityContext.windowsOptions.hostProcess",
      "ACI has no host to run host-process containers on",
    );
  }
}

/** Checks shared by containers and init containers: fields ACI cannot honour. */
function checkContainer(c: V1Container, path: string): void {
  const reject = (field: string, why: string): never => {
    throw new InvalidPodSpecError(`${path}.${field}`, why);
  };
  if (c.volumeDevices?.length) reject("volumeDevices", "ACI cannot attach block devices");
  if (c.lifecycle?.postStart)
    reject("lifecycle.postStart", "ACI has no lifecycle hooks; run the step in the command");
  checkSecurityContext(c, path);
}

function warnPreStop(ctx: TranslateContext, c: V1Container, path: string): void {
  if (c.lifecycle?.preStop) {
    warn(
      ctx,
      "LifecycleHookDropped",
      `${path}.lifecycle.preStop`,
      "ACI has no lifecycle hooks; containers get SIGTERM without the hook",
    );
  }
}

function commandOf(
  ctx: TranslateContext,
  c: V1Container,
  path: string,
  vars: Parameters<typeof expandCommand>[1],
): string[] | undefined {
  const command = expandCommand(c.command, vars, `${path}.command`);
  const args = expandCommand(c.args, vars, `${path}.args`);
  if (command.length > 0) return [...command, ...args];
  if (args.length === 0) return undefined;
  const entrypoint = ctx.refs.entrypoints.get(c.image ?? "");
  if (!entrypoint) {
    throw new InvalidPodSpecError(
      `${path}.args`,
      `ACI has no separate args: the image's ENTRYPOINT is needed to run them and could not be read from the registry for "${c.image ?? ""}"; set command explicitly`,
      "MissingReference",
    );
  }
  return [...entrypoint, ...args];
}

/** A regular container or a native sidecar (both are ACI containers). */
function translateContainer(
  ctx: TranslateContext,
  c: V1Container,
  path: string,
  defined: ReadonlySet<string>,
  volumes: TranslatedVolumes,
  resources: ResourceRequirements,
): Container {
  warnPreStop(ctx, c, path);
  attempt(ctx, () => checkContainer(c, path), undefined);
  if (!c.image) throw new InvalidPodSpecError(`${path}.image`, "an image is required", "InvalidPodSpec");
  const image = c.image;
  attempt(ctx, () => checkImageReference(image, `${path}.image`), undefined);
  const vars = attempt(ctx, () => buildEnv(ctx, c, path), new Map<string, EnvValue>());
  const command = attempt(ctx, () => applyWorkingDir(ctx, c, path, commandOf(ctx, c, path, vars)), undefined);
  const ports = attempt(ctx, () => containerPorts(c, path), []);
  const mounts = attempt(ctx, () => translateMounts(c, path, defined, volumes), []);
  const env = toAciEnv(vars);
  const out: Container = { name: c.name, image, resources };
  if (command) out.command = command;
  if (ports.length > 0) out.ports = ports;
  if (env.length > 0) out.environmentVariables = env;
  if (mounts.length > 0) out.volumeMounts = mounts;
  attempt(ctx, () => applyProbes(ctx, c, path, out), undefined);
  const sc = securityContext(ctx, c);
  if (sc) out.securityContext = sc;
  return out;
}

function translateInitContainer(
  ctx: TranslateContext,
  c: V1Container,
  path: string,
  defined: ReadonlySet<string>,
  volumes: TranslatedVolumes,
): InitContainerDefinition {
  warnPreStop(ctx, c, path);
  attempt(ctx, () => checkContainer(c, path), undefined);
  if (!c.image) throw new InvalidPodSpecError(`${path}.image`, "an image is required", "InvalidPodSpec");
  const image = c.image;
  attempt(ctx, () => checkImageReference(image, `${path}.image`), undefined);
  if (c.ports?.length)
    warn(
      ctx,
      "InitContainerPortsIgnored",
      `${path}.ports`,
      "ACI init containers cannot expose ports; ignored",
    );
  const vars = attempt(ctx, () => buildEnv(ctx, c, path), new Map<string, EnvValue>());
  const command = attempt(ctx, () => applyWorkingDir(ctx, c, path, commandOf(ctx, c, path, vars)), undefined);
  const mounts = attempt(ctx, () => translateMounts(c, path, defined, volumes), []);
  const env = toAciEnv(vars);
  const out: InitContainerDefinition = { name: c.name, image };
  if (command) out.command = command;
  if (env.length > 0) out.environmentVariables = env;
  if (mounts.length > 0) out.volumeMounts = mounts;
  const sc = securityContext(ctx, c);
  if (sc) out.securityContext = sc;
  return out;
}
