/**
 * Pod → ACI container group (DESIGN "Pod → container group"). Pure: everything the pod references arrives
 * resolved in `refs`; the result is the SDK's `ContainerGroup` model (flattened, as the SDK takes it).
 * A pod that cannot run as written is an `InvalidPodSpecError` naming the field and why; messages never
 * carry secret values. docs/translation.md is the reader's version of every rule here.
 */
import type {
  Container,
  ContainerGroup,
  ContainerGroupIdentity,
  ContainerPort,
  ContainerProbe,
  DnsConfiguration,
  ImageRegistryCredential,
  InitContainerDefinition,
  IpAddress,
  Port,
  ResourceRequirements,
  SecurityContextDefinition,
} from "@azure/arm-containerinstance";
import type { V1Container, V1Pod, V1Probe } from "@kubernetes/client-node";
import { InvalidPodSpecError } from "../errors.js";
import {
  ANN_CCE_POLICY,
  ANN_CCE_POLICY_VN2,
  ANN_DNS_NAME_LABEL,
  ANN_DNS_NAME_LABEL_VK,
  ANN_INJECT_DNS,
  ANN_INJECT_DNS_VN2,
  ANN_MANAGED_IDENTITY,
  ANN_MANAGED_IDENTITY_VN2,
  ANN_PRIORITY,
  ANN_PUBLIC_IP,
  ANN_SKU,
  ANN_UNSUPPORTED_PROBES,
  ANN_ZONE,
  annotationField,
  readAnnotation,
} from "./annotations.js";
import {
  podNamespace,
  secretEntries,
  warn,
  type EffectiveResources,
  type TranslateContext,
} from "./context.js";
import { buildEnv, expandCommand, toAciEnv } from "./env.js";
import { containerGroupName, containerGroupTags } from "./names.js";
import { aciCpu, aciMemoryGb, BYTES_PER_GB, parseQuantity } from "./quantity.js";
import type { NodeSettings, ResolvedReferences, TranslatedPod } from "./types.js";
import { translateMounts, translateVolumes } from "./volumes.js";

/** ACI per-group limits (docs: "Resource availability and quota limits"). */
export const ACI_MAX_CONTAINERS = 60;
export const ACI_MAX_VOLUMES = 20;
export const ACI_MAX_PORTS_PER_IP = 5;
/** Defaults when a container sets neither request nor limit (virtual-kubelet's and ACI's defaults). */
export const DEFAULT_CPU = 1;
export const DEFAULT_MEMORY_GB = 1.5;

const STANDARD_RESOURCES = new Set(["cpu", "memory", "ephemeral-storage"]);
const USER_ASSIGNED_IDENTITY =
  /^\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/microsoft\.managedidentity\/userassignedidentities\/[^/]+$/i;

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

interface ContainerResources {
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
function resourcesOf(container: V1Container, path: string): ContainerResources {
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

function checkGroupTotals(containers: Container[], node: NodeSettings): void {
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
  const sc = c.securityContext;
  if (sc?.privileged) reject("securityContext.privileged", "ACI does not run privileged containers");
  if (sc?.capabilities?.add?.length)
    reject("securityContext.capabilities.add", "ACI does not grant extra Linux capabilities");
  if (sc?.seccompProfile?.type === "Localhost") {
    reject(
      "securityContext.seccompProfile",
      "a Localhost seccomp profile needs a node file; ACI has no node",
    );
  }
  if (sc?.windowsOptions?.hostProcess)
    reject("securityContext.windowsOptions.hostProcess", "ACI has no host");
}

/** runAsUser/runAsGroup change what the process can read and write: they are sent. Hardening-only fields are not (docs). */
function securityContext(ctx: TranslateContext, c: V1Container): SecurityContextDefinition | undefined {
  const psc = ctx.pod.spec?.securityContext;
  const runAsUser = c.securityContext?.runAsUser ?? psc?.runAsUser;
  const runAsGroup = c.securityContext?.runAsGroup ?? psc?.runAsGroup;
  if (runAsUser === undefined && runAsGroup === undefined) return undefined;
  return {
    ...(runAsUser !== undefined ? { runAsUser } : {}),
    ...(runAsGroup !== undefined ? { runAsGroup } : {}),
  };
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
  const liveness = translateProbe(ctx, c, c.livenessProbe, `${path}.livenessProbe`);
  const readiness = translateProbe(ctx, c, c.readinessProbe, `${path}.readinessProbe`);
  if (c.startupProbe) {
    const s = c.startupProbe;
    const window = (s.initialDelaySeconds ?? 0) + (s.periodSeconds ?? 10) * (s.failureThreshold ?? 3);
    if (liveness) liveness.initialDelaySeconds = Math.max(liveness.initialDelaySeconds ?? 0, window);
    warn(
      ctx,
      "StartupProbeApproximated",
      `${path}.startupProbe`,
      liveness
        ? `ACI has no startup probes; the liveness probe starts after the startup probe's window (${window}s) instead`
        : "ACI has no startup probes; it is not run",
    );
  }
  if (liveness) out.livenessProbe = liveness;
  if (readiness) out.readinessProbe = readiness;
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

function containerPorts(c: V1Container, path: string): ContainerPort[] {
  return (c.ports ?? []).map((p, i) => {
    const field = `${path}.ports[${i}]`;
    const protocol = p.protocol ?? "TCP";
    if (protocol !== "TCP" && protocol !== "UDP") {
      throw new InvalidPodSpecError(`${field}.protocol`, `ACI supports TCP and UDP ports, not ${protocol}`);
    }
    if (p.hostPort !== undefined && p.hostPort !== p.containerPort) {
      throw new InvalidPodSpecError(
        `${field}.hostPort`,
        "ACI cannot map a host port to a different container port",
      );
    }
    return { port: p.containerPort, protocol };
  });
}

function translateProbe(
  ctx: TranslateContext,
  c: V1Container,
  probe: V1Probe | undefined,
  field: string,
): ContainerProbe | undefined {
  if (!probe) return undefined;
  const out: ContainerProbe = {};
  if (probe.exec) {
    out.exec = { command: probe.exec.command ?? [] };
  } else if (probe.httpGet) {
    const h = probe.httpGet;
    if (h.host)
      throw new InvalidPodSpecError(
        `${field}.httpGet.host`,
        "ACI probes the container itself; another host cannot be probed",
      );
    out.httpGet = {
      port: resolvePort(c, h.port, `${field}.httpGet.port`),
      ...(h.path ? { path: h.path } : {}),
      ...(h.scheme ? { scheme: h.scheme.toLowerCase() } : {}),
      ...(h.httpHeaders?.length
        ? { httpHeaders: h.httpHeaders.map((x) => ({ name: x.name, value: x.value })) }
        : {}),
    };
  } else {
    const kind = probe.tcpSocket ? "tcpSocket" : probe.grpc ? "grpc" : "handler";
    if (readAnnotation(ctx.pod, ANN_UNSUPPORTED_PROBES)?.value === "drop") {
      warn(
        ctx,
        "ProbeDropped",
        `${field}.${kind}`,
        `ACI has no ${kind} probes; this probe is not run (${ANN_UNSUPPORTED_PROBES}: drop)`,
      );
      return undefined;
    }
    throw new InvalidPodSpecError(
      `${field}.${kind}`,
      `ACI supports exec and httpGet probes only; use one of those, or set the annotation ${ANN_UNSUPPORTED_PROBES}: drop to run the pod without this probe`,
    );
  }
  if (probe.initialDelaySeconds !== undefined) out.initialDelaySeconds = probe.initialDelaySeconds;
  if (probe.periodSeconds !== undefined) out.periodSeconds = probe.periodSeconds;
  if (probe.failureThreshold !== undefined) out.failureThreshold = probe.failureThreshold;
  if (probe.successThreshold !== undefined) out.successThreshold = probe.successThreshold;
  if (probe.timeoutSeconds !== undefined) out.timeoutSeconds = probe.timeoutSeconds;
  return out;
}

function resolvePort(c: V1Container, port: unknown, field: string): number {
  if (typeof port === "number") return port;
  const text = String(port);
  if (/^\d+$/.test(text)) return Number(text);
  const named = (c.ports ?? []).find((p) => p.name === text);
  if (!named) {
    throw new InvalidPodSpecError(
      field,
      `no port named "${text}" in this container's ports`,
      "InvalidPodSpec",
    );
  }
  return named.containerPort;
}

/** Normalizes a registry host as ACI expects it (Docker Hub as index.docker.io). */
export function normalizeRegistry(server: string): string {
  let host = server.trim().replace(/^[a-z]+:\/\//i, "");
  host = host.split("/")[0] ?? host;
  host = host.toLowerCase();
  if (host === "docker.io" || host === "registry-1.docker.io" || host === "registry.hub.docker.com") {
    return "index.docker.io";
  }
  return host;
}

/**
 * Docker reference grammar (distribution/reference): optional registry host[:port], lowercase path
 * components, optional tag and/or digest. The kubelet reports anything else as `InvalidImageName`; checking
 * here saves an ARM PUT that could only fail later.
 */
const IMAGE_REFERENCE =
  /^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?|\[[0-9a-fA-F:]+\](?::[0-9]+)?)\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$/;

export function checkImageReference(image: string, field: string): void {
  if (image.length > 4096 || !IMAGE_REFERENCE.test(image)) {
    throw new InvalidPodSpecError(
      field,
      `"${image.slice(0, 200)}" is not a valid image reference (InvalidImageName): repository names must be lowercase`,
      "InvalidPodSpec",
    );
  }
}

/** The registry an image reference pulls from (no host part → Docker Hub). */
export function registryOf(image: string): string {
  const slash = image.indexOf("/");
  if (slash < 0) return "index.docker.io";
  const first = image.slice(0, slash);
  if (first.includes(".") || first.includes(":") || first === "localhost") return normalizeRegistry(first);
  return "index.docker.io";
}

interface DockerAuth {
  username?: string;
  password?: string;
  auth?: string;
}

function registryCredentials(ctx: TranslateContext): ImageRegistryCredential[] {
  const spec = ctx.pod.spec;
  const images = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].map((c) => c.image ?? "");
  const needed = new Set(images.map(registryOf));
  const out = new Map<string, ImageRegistryCredential>();
  (spec?.imagePullSecrets ?? []).forEach((ref, i) => {
    const field = `spec.imagePullSecrets[${i}]`;
    const secret = ref.name ? ctx.refs.secrets.get(ref.name) : undefined;
    if (!secret) {
      // The kubelet pulls anonymously when a pull secret is missing, and says so in an event.
      warn(
        ctx,
        "FailedToRetrieveImagePullSecret",
        field,
        `secret "${ref.name ?? ""}" not found; pulling without it`,
      );
      return;
    }
    const entries = secretEntries(secret);
    let auths: Record<string, DockerAuth>;
    try {
      if (secret.type === "kubernetes.io/dockerconfigjson") {
        const parsed = JSON.parse(entries.get(".dockerconfigjson")?.toString("utf8") ?? "") as {
          auths?: Record<string, DockerAuth>;
        };
        auths = parsed.auths ?? {};
      } else if (secret.type === "kubernetes.io/dockercfg") {
        auths = JSON.parse(entries.get(".dockercfg")?.toString("utf8") ?? "") as Record<string, DockerAuth>;
      } else {
        throw new InvalidPodSpecError(
          field,
          `secret "${ref.name}" has type "${secret.type ?? ""}"; image pull secrets must be kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg`,
          "InvalidPodSpec",
        );
      }
    } catch (error) {
      if (error instanceof InvalidPodSpecError) throw error;
      // Never echo the parse error: it may quote the secret's content.
      throw new InvalidPodSpecError(
        field,
        `secret "${ref.name}" does not hold valid docker config JSON`,
        "InvalidPodSpec",
      );
    }
    for (const [server, auth] of Object.entries(auths)) {
      const host = normalizeRegistry(server);
      if (!needed.has(host) || out.has(host)) continue;
      let username = auth.username;
      let password = auth.password;
      if ((!username || password === undefined) && auth.auth) {
        const decoded = Buffer.from(auth.auth, "base64").toString("utf8");
        const colon = decoded.indexOf(":");
        if (colon > 0) {
          username = decoded.slice(0, colon);
          password = decoded.slice(colon + 1);
        }
      }
      if (!username || password === undefined) {
        warn(
          ctx,
          "ImagePullSecretIgnored",
          field,
          `the entry for ${host} in secret "${ref.name}" has no username and password`,
        );
        continue;
      }
      out.set(host, { server: host, username, password });
    }
  });
  return [...out.values()];
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && ["true", "yes", "1"].includes(value.toLowerCase());
}

function applyNetwork(ctx: TranslateContext, cg: ContainerGroup): void {
  const { node } = ctx;
  const ports = new Map<string, Port>();
  for (const c of cg.containers) {
    for (const p of c.ports ?? [])
      ports.set(`${p.protocol ?? "TCP"}/${p.port}`, { protocol: p.protocol ?? "TCP", port: p.port });
  }
  const publicAnn = readAnnotation(ctx.pod, ANN_PUBLIC_IP);
  const wantsPublic = isTrue(publicAnn?.value);
  const label = readAnnotation(ctx.pod, ANN_DNS_NAME_LABEL, ANN_DNS_NAME_LABEL_VK);
  const list = [...ports.values()];
  if (wantsPublic) {
    if (!node.allowPublicIp) {
      throw new InvalidPodSpecError(
        annotationField(ANN_PUBLIC_IP),
        "public IP addresses are not allowed on this virtual node (operator setting ACI_ALLOW_PUBLIC_IP)",
      );
    }
    if (list.length === 0) {
      throw new InvalidPodSpecError(
        annotationField(ANN_PUBLIC_IP),
        "a public IP needs at least one container port",
        "InvalidPodSpec",
      );
    }
  }
  if (list.length > ACI_MAX_PORTS_PER_IP) {
    throw new InvalidPodSpecError(
      "spec.containers[*].ports",
      `${list.length} distinct ports; ACI exposes at most ${ACI_MAX_PORTS_PER_IP} per IP address`,
    );
  }
  if (label && !wantsPublic) {
    throw new InvalidPodSpecError(
      annotationField(label.key),
      `a DNS name label needs a public IP (${ANN_PUBLIC_IP}: "true")`,
      "InvalidPodSpec",
    );
  }
  if (label && !/^[a-z][a-z0-9-]{1,61}[a-z0-9]$/.test(label.value)) {
    throw new InvalidPodSpecError(
      annotationField(label.key),
      `"${label.value}" is not a valid DNS name label`,
      "InvalidPodSpec",
    );
  }
  if (wantsPublic) {
    const ip: IpAddress = { type: "Public", ports: list };
    if (label) ip.dnsNameLabel = label.value;
    cg.ipAddress = ip;
    if (node.subnetId) {
      warn(
        ctx,
        "PublicIpOutsideVNet",
        annotationField(ANN_PUBLIC_IP),
        "ACI cannot combine a public IP with a subnet; the group is created outside the virtual network",
      );
    }
    return;
  }
  if (node.subnetId) {
    cg.subnetIds = [{ id: node.subnetId }];
    if (list.length > 0) cg.ipAddress = { type: "Private", ports: list };
    return;
  }
  if (list.length > 0) {
    warn(
      ctx,
      "NoIPAddress",
      "spec.containers[*].ports",
      `no subnet is configured and the pod does not ask for a public IP (${ANN_PUBLIC_IP}), so the group gets no IP address; the ports are reachable only inside the group`,
    );
  }
}

function dnsConfig(ctx: TranslateContext, inVNet: boolean): DnsConfiguration | undefined {
  const { pod, node } = ctx;
  const policy = pod.spec?.dnsPolicy ?? "ClusterFirst";
  const injectAnn = readAnnotation(pod, ANN_INJECT_DNS, ANN_INJECT_DNS_VN2);
  const inject = injectAnn === undefined || isTrue(injectAnn.value);
  const nameServers: string[] = [];
  const searches: string[] = [];
  const options: string[] = [];
  if (
    inVNet &&
    inject &&
    (policy === "ClusterFirst" || policy === "ClusterFirstWithHostNet") &&
    node.dnsServers.length > 0
  ) {
    const ns = podNamespace(pod);
    nameServers.push(...node.dnsServers);
    searches.push(`${ns}.svc.${node.clusterDomain}`, `svc.${node.clusterDomain}`, node.clusterDomain);
    options.push("ndots:5");
  }
  const own = pod.spec?.dnsConfig;
  if (own) {
    for (const s of own.nameservers ?? []) if (!nameServers.includes(s)) nameServers.push(s);
    for (const s of own.searches ?? []) if (!searches.includes(s)) searches.push(s);
    for (const o of own.options ?? []) {
      const text = o.value !== undefined ? `${o.name}:${o.value}` : (o.name ?? "");
      const key = text.split(":")[0];
      const at = options.findIndex((x) => x.split(":")[0] === key);
      if (at >= 0) options[at] = text;
      else if (text) options.push(text);
    }
  }
  if (policy === "None" && nameServers.length === 0) {
    throw new InvalidPodSpecError(
      "spec.dnsConfig.nameservers",
      'dnsPolicy "None" needs at least one nameserver',
      "InvalidPodSpec",
    );
  }
  if (nameServers.length === 0) return undefined;
  if (nameServers.length > 3) {
    throw new InvalidPodSpecError(
      "spec.dnsConfig.nameservers",
      "at most 3 nameservers (with the cluster's)",
      "InvalidPodSpec",
    );
  }
  const out: DnsConfiguration = { nameServers };
  if (searches.length > 0) out.searchDomains = searches.join(" ");
  if (options.length > 0) out.options = options.join(" ");
  return out;
}

function applyPlacement(ctx: TranslateContext, cg: ContainerGroup): void {
  const { pod } = ctx;
  const sku = readAnnotation(pod, ANN_SKU);
  const policy = readAnnotation(pod, ANN_CCE_POLICY, ANN_CCE_POLICY_VN2);
  if (sku) {
    const match = ["Standard", "Confidential"].find((s) => s.toLowerCase() === sku.value.toLowerCase());
    if (!match)
      throw new InvalidPodSpecError(
        annotationField(sku.key),
        `"${sku.value}" is not a SKU the bridge supports (Standard, Confidential)`,
        "InvalidPodSpec",
      );
    if (match === "Standard" && policy) {
      throw new InvalidPodSpecError(
        annotationField(policy.key),
        "a confidential computing policy needs the Confidential SKU",
        "InvalidPodSpec",
      );
    }
    cg.sku = match;
  }
  if (policy) {
    cg.sku = "Confidential";
    if (policy.value) cg.confidentialComputeProperties = { ccePolicy: policy.value };
  }
  const priority = readAnnotation(pod, ANN_PRIORITY);
  if (priority) {
    const match = ["Regular", "Spot"].find((s) => s.toLowerCase() === priority.value.toLowerCase());
    if (!match)
      throw new InvalidPodSpecError(
        annotationField(priority.key),
        `"${priority.value}" is not an ACI priority (Regular, Spot)`,
        "InvalidPodSpec",
      );
    cg.priority = match;
  }
  const identity = readAnnotation(pod, ANN_MANAGED_IDENTITY, ANN_MANAGED_IDENTITY_VN2);
  if (identity) {
    const ids = identity.value
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = ids.find((id) => !USER_ASSIGNED_IDENTITY.test(id));
    if (ids.length === 0 || bad !== undefined) {
      throw new InvalidPodSpecError(
        annotationField(identity.key),
        `"${bad ?? ""}" is not a user-assigned identity resource id (/subscriptions/…/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>)`,
        "InvalidPodSpec",
      );
    }
    const userAssignedIdentities: NonNullable<ContainerGroupIdentity["userAssignedIdentities"]> = {};
    for (const id of ids) userAssignedIdentities[id] = {};
    cg.identity = { type: "UserAssigned", userAssignedIdentities };
  }
  const zone = readAnnotation(pod, ANN_ZONE);
  if (zone?.value) cg.zones = [zone.value];
}
