/**
 * Pod → ACI container group (DESIGN "Pod → container group"). Pure: everything the pod references arrives
 * resolved in `refs`; the result is the SDK's `ContainerGroup` model (flattened, as the SDK takes it).
 * A pod that cannot run as written is an `InvalidPodSpecError` naming the field and why; messages never
 * carry secret values. docs/translation.md is the reader's version of every rule here.
 *
 * This file is the composition: pod-level checks, containers and init containers; each concern has its own
 * module (env, volumes, resources, securityContext, probes, images, registryCredentials, network, placement).
 */
import type { Container, ContainerGroup, InitContainerDefinition } from "@azure/arm-containerinstance";
import type { V1Container, V1Pod } from "@kubernetes/client-node";
import { InvalidPodSpecError } from "../errors.js";
import { podNamespace, warn, type TranslateContext } from "./context.js";
import { buildEnv, expandCommand, toAciEnv } from "./env.js";
import { checkImageReference } from "./images.js";
import { containerGroupName, containerGroupTags } from "./names.js";
import { applyNetwork, containerPorts, dnsConfig } from "./network.js";
import { applyPlacement } from "./placement.js";
import { applyProbes } from "./probes.js";
import { registryCredentials } from "./registryCredentials.js";
import { checkGroupTotals, resourcesOf } from "./resources.js";
import { checkSecurityContext, securityContext } from "./securityContext.js";
import type { NodeSettings, ResolvedReferences, TranslatedPod } from "./types.js";
import { translateMounts, translateVolumes } from "./volumes.js";

/** ACI per-group limits (docs: "Resource availability and quota limits"). */
export const ACI_MAX_CONTAINERS = 60;
export const ACI_MAX_VOLUMES = 20;

export function podToContainerGroup(pod: V1Pod, refs: ResolvedReferences, node: NodeSettings): TranslatedPod {
  const spec = pod.spec;
  if (!spec || !spec.containers || spec.containers.length === 0) {
    throw new InvalidPodSpecError("spec.containers", "a pod needs at least one container", "InvalidPodSpec");
  }
  const ctx: TranslateContext = { pod, refs, node, warnings: [], resources: new Map() };
  checkPodLevel(ctx);

  const initSpecs = spec.initContainers ?? [];
  if (spec.containers.length + initSpecs.length > ACI_MAX_CONTAINERS) {
    throw new InvalidPodSpecError(
      "spec.containers",
      `${spec.containers.length + initSpecs.length} containers (with init containers); ACI allows ${ACI_MAX_CONTAINERS} per group`,
    );
  }
  spec.containers.forEach((c, i) =>
    ctx.resources.set(c.name, resourcesOf(c, `spec.containers[${i}]`).effective),
  );
  initSpecs.forEach((c, i) =>
    ctx.resources.set(c.name, resourcesOf(c, `spec.initContainers[${i}]`).effective),
  );

  const { volumes, dropped } = translateVolumes(ctx);
  if (volumes.length > ACI_MAX_VOLUMES) {
    throw new InvalidPodSpecError(
      "spec.volumes",
      `${volumes.length} volumes; ACI allows ${ACI_MAX_VOLUMES} per group`,
    );
  }
  const volumeNames = new Set(volumes.map((v) => v.name));

  const containers = spec.containers.map((c, i) =>
    translateContainer(ctx, c, `spec.containers[${i}]`, volumeNames, dropped),
  );
  const initContainers = initSpecs.map((c, i) =>
    translateInitContainer(ctx, c, `spec.initContainers[${i}]`, volumeNames, dropped),
  );
  checkGroupTotals(containers, node);

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
  const credentials = registryCredentials(ctx);
  if (credentials.length > 0) cg.imageRegistryCredentials = credentials;
  applyNetwork(ctx, cg);
  const dns = dnsConfig(ctx, cg.subnetIds !== undefined);
  if (dns) cg.dnsConfig = dns;
  applyPlacement(ctx, cg);
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
function checkContainer(ctx: TranslateContext, c: V1Container, path: string): void {
  const reject = (field: string, why: string): never => {
    throw new InvalidPodSpecError(`${path}.${field}`, why);
  };
  if (c.workingDir)
    reject(
      "workingDir",
      "ACI has no working-directory setting; set it in the image (WORKDIR) or cd in the command",
    );
  if (c.volumeDevices?.length) reject("volumeDevices", "ACI cannot attach block devices");
  if (c.lifecycle?.postStart)
    reject("lifecycle.postStart", "ACI has no lifecycle hooks; run the step in the command");
  if (c.lifecycle?.preStop) {
    warn(
      ctx,
      "LifecycleHookDropped",
      `${path}.lifecycle.preStop`,
      "ACI has no lifecycle hooks; containers get SIGTERM without the hook",
    );
  }
  checkSecurityContext(c, path);
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

function translateContainer(
  ctx: TranslateContext,
  c: V1Container,
  path: string,
  volumes: ReadonlySet<string>,
  dropped: ReadonlySet<string>,
): Container {
  checkContainer(ctx, c, path);
  if (!c.image) throw new InvalidPodSpecError(`${path}.image`, "an image is required", "InvalidPodSpec");
  checkImageReference(c.image, `${path}.image`);
  const vars = buildEnv(ctx, c, path);
  const command = commandOf(ctx, c, path, vars);
  const ports = containerPorts(c, path);
  const mounts = translateMounts(c, path, volumes, dropped);
  const env = toAciEnv(vars);
  const out: Container = {
    name: c.name,
    image: c.image,
    resources: resourcesOf(c, path).aci,
  };
  if (command) out.command = command;
  if (ports.length > 0) out.ports = ports;
  if (env.length > 0) out.environmentVariables = env;
  if (mounts.length > 0) out.volumeMounts = mounts;
  applyProbes(ctx, c, path, out);
  const sc = securityContext(ctx, c);
  if (sc) out.securityContext = sc;
  return out;
}

function translateInitContainer(
  ctx: TranslateContext,
  c: V1Container,
  path: string,
  volumes: ReadonlySet<string>,
  dropped: ReadonlySet<string>,
): InitContainerDefinition {
  checkContainer(ctx, c, path);
  if (c.restartPolicy === "Always") {
    throw new InvalidPodSpecError(
      `${path}.restartPolicy`,
      "ACI has no sidecar init containers (restartPolicy: Always); make it a regular container if it need not start first",
    );
  }
  if (!c.image) throw new InvalidPodSpecError(`${path}.image`, "an image is required", "InvalidPodSpec");
  checkImageReference(c.image, `${path}.image`);
  if (c.ports?.length)
    warn(
      ctx,
      "InitContainerPortsIgnored",
      `${path}.ports`,
      "ACI init containers cannot expose ports; ignored",
    );
  const vars = buildEnv(ctx, c, path);
  const command = commandOf(ctx, c, path, vars);
  const mounts = translateMounts(c, path, volumes, dropped);
  const env = toAciEnv(vars);
  const out: InitContainerDefinition = { name: c.name, image: c.image };
  if (command) out.command = command;
  if (env.length > 0) out.environmentVariables = env;
  if (mounts.length > 0) out.volumeMounts = mounts;
  const sc = securityContext(ctx, c);
  if (sc) out.securityContext = sc;
  return out;
}
