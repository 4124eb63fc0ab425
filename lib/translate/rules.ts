/**
 * The translator's rules in one list: per pod field, whether it is mapped, approximated (and how), decided by
 * a node-wide or per-pod policy, or rejected (and why). docs/translation.md "Rules" is this table; a test
 * compares the two, checks that every fixture's rejection names a field a rejected/policy rule covers and
 * that every warning the translator emits belongs to an approximated/policy rule.
 */
export type RuleOutcome = "mapped" | "approximated" | "policy" | "rejected";

export interface TranslationRule {
  /** The pod field as docs/translation.md writes it. */
  field: string;
  outcome: RuleOutcome;
  /** How it is mapped or approximated, or why it is rejected. */
  how: string;
  /** Error field paths this rule covers (rejected and policy rules). */
  errors?: RegExp;
  /** Warning reasons this rule emits. */
  warnings?: string[];
}

const C = String.raw`spec\.(?:containers|initContainers)\[\d+\]`;

export const TRANSLATION_RULES: readonly TranslationRule[] = [
  {
    field: "containers[].image",
    outcome: "mapped",
    how: "image; an invalid reference is InvalidImageName",
    errors: new RegExp(`^${C}\\.image$`),
  },
  { field: "command, args", outcome: "mapped", how: "one command list: command + args, $(VAR) expanded" },
  {
    field: "args without command",
    outcome: "mapped",
    how: "image ENTRYPOINT (registry) + args; unresolvable: MissingReference (ADR 0102)",
    errors: new RegExp(`^${C}\\.args$`),
  },
  {
    field: "$(secret var) in command/args",
    outcome: "rejected",
    how: "ACI shows commands in clear text",
    errors: new RegExp(`^${C}\\.(command|args)\\[\\d+\\]$`),
  },
  {
    field: "env, envFrom",
    outcome: "mapped",
    how: "environmentVariables; secret-sourced values as secureValue; invalid names skipped",
    errors: new RegExp(`^${C}\\.(env|envFrom)\\[\\d+\\]`),
    warnings: ["InvalidEnvironmentVariableNames"],
  },
  {
    field: "fieldRef status.podIP",
    outcome: "policy",
    how: "aci-bridge.io/pod-ip-substitute or ACI_POD_IP_SUBSTITUTE, else rejected (ADR 0103)",
    errors: /\.fieldRef\.fieldPath$/,
  },
  {
    field: "resourceFieldRef",
    outcome: "mapped",
    how: "declared value, else what ACI grants; divisor 0 means 1",
  },
  {
    field: "resources cpu, memory",
    outcome: "mapped",
    how: "requests default to limits, then 1 CPU / 1.5 GB; rounded up to 0.01 CPU / 0.1 GB",
    errors: /resources\.(requests|limits)\.(cpu|memory)$/,
  },
  {
    field: "resources other (GPU, extended)",
    outcome: "rejected",
    how: "ACI has cpu and memory only (GPU SKUs retired)",
    errors: /resources\.(requests|limits)\['[^']+'\]$/,
  },
  {
    field: "spec.resources (pod-level)",
    outcome: "approximated",
    how: "containers without own values share the pod's request, rounded down; pod limits cap them",
    warnings: ["PodResourcesApproximated"],
  },
  {
    field: "ports",
    outcome: "mapped",
    how: "container ports; group IP ports per ADR 0105; SCTP and hostPort ≠ containerPort rejected",
    errors: new RegExp(`^${C}\\.ports\\[\\d+\\]`),
    warnings: ["NoIPAddress"],
  },
  {
    field: "more than 5 ports with an IP",
    outcome: "policy",
    how: "ACI_EXCESS_PORTS: reject (default) or expose the first 5 with a Warning",
    errors: /^spec\.containers\[\*\]\.ports$/,
    warnings: ["PortsNotExposed"],
  },
  {
    field: "exec, httpGet probes",
    outcome: "mapped",
    how: "ACI probes, named ports resolved",
    errors: /Probe\.httpGet\./,
  },
  {
    field: "tcpSocket, grpc probes",
    outcome: "policy",
    how: "rejected, or dropped with a Warning (ACI_UNSUPPORTED_PROBES, aci-bridge.io/unsupported-probes; ADR 0104)",
    errors: /Probe\.(tcpSocket|grpc)$/,
    warnings: ["ProbeDropped"],
  },
  {
    field: "startupProbe",
    outcome: "approximated",
    how: "delays the liveness probe by its window (ADR 0104)",
    warnings: ["StartupProbeApproximated"],
  },
  {
    field: "workingDir",
    outcome: "policy",
    how: 'nothing if it is the image WORKDIR; sh -c \'cd "$0" && exec "$@"\' wrapper if the image has a shell; else ACI_WORKING_DIR: drop (default, Warning) or reject',
    errors: new RegExp(`^${C}\\.workingDir$`),
    warnings: ["WorkingDirDropped"],
  },
  {
    field: "lifecycle.postStart",
    outcome: "rejected",
    how: "ACI has no lifecycle hooks",
    errors: /lifecycle\.postStart$/,
  },
  {
    field: "lifecycle.preStop",
    outcome: "approximated",
    how: "dropped with a Warning: SIGTERM without the hook",
    warnings: ["LifecycleHookDropped"],
  },
  {
    field: "securityContext.capabilities.add",
    outcome: "mapped",
    how: "the runtime's default set is accepted (nothing to add); others rejected",
    errors: /capabilities\.add$/,
  },
  {
    field: "securityContext privileged, Localhost seccomp, hostProcess, sysctls",
    outcome: "rejected",
    how: "ACI has no host (ADR 0106)",
    errors: /securityContext\.(privileged|seccompProfile|windowsOptions\.hostProcess|sysctls)$/,
  },
  {
    field: "securityContext runAsUser, runAsGroup",
    outcome: "mapped",
    how: "securityContext; hardening fields accepted, not enforced (ADR 0106)",
  },
  {
    field: "volumeDevices",
    outcome: "rejected",
    how: "ACI cannot attach block devices",
    errors: /volumeDevices$/,
  },
  {
    field: "initContainers",
    outcome: "mapped",
    how: "ACI init containers; ports ignored with a Warning",
    warnings: ["InitContainerPortsIgnored"],
  },
  {
    field: "initContainers[].restartPolicy: Always",
    outcome: "approximated",
    how: "native sidecar run as an ACI container beside the main ones, status among initContainerStatuses",
    warnings: ["SidecarStartOrderApproximated"],
  },
  {
    field: "volumeMounts",
    outcome: "mapped",
    how: "ACI mounts; readOnly kept",
    errors: /volumeMounts\[\d+\]\.(name|mountPath)$/,
  },
  {
    field: "volumeMounts[].subPath on an emptyDir",
    outcome: "mapped",
    how: "one ACI emptyDir per (volume, subPath); rejected when the volume is also mounted whole or subPaths overlap",
    errors: /volumeMounts\[\d+\]\.subPath$/,
  },
  {
    field: "volumeMounts[].subPath on other volumes",
    outcome: "rejected",
    how: "ACI mounts secret/configMap/projected/azureFile/gitRepo volumes whole",
    errors: /volumeMounts\[\d+\]\.subPath$/,
  },
  { field: "volumeMounts[].subPathExpr", outcome: "rejected", how: "not supported", errors: /subPathExpr$/ },
  {
    field:
      "volumes emptyDir, secret, configMap, downwardAPI, projected, azureFile, csi file.csi.azure.com, gitRepo",
    outcome: "mapped",
    how: "see Volumes",
    errors: /^spec\.volumes\[\d+\]\.(secret|configMap|projected|downwardAPI|azureFile|csi)/,
    warnings: ["ServiceAccountVolumeDropped"],
  },
  {
    field: "volumes hostPath, persistentVolumeClaim, ephemeral, other",
    outcome: "rejected",
    how: "ACI has no host and attaches no claims",
    errors: /^spec\.volumes\[\d+\](\.[a-zA-Z]+)?$/,
  },
  {
    field:
      "hostNetwork, hostPID, hostIPC, shareProcessNamespace, hostAliases, ephemeralContainers, resourceClaims",
    outcome: "rejected",
    how: "ACI groups have no host namespaces and cannot change after creation",
    errors:
      /^spec\.(hostNetwork|hostPID|hostIPC|shareProcessNamespace|hostAliases|ephemeralContainers|resourceClaims|os\.name)$/,
  },
  {
    field: "imagePullSecrets",
    outcome: "mapped",
    how: "imageRegistryCredentials; a missing secret is a Warning",
    errors: /^spec\.imagePullSecrets/,
    warnings: ["FailedToRetrieveImagePullSecret", "ImagePullSecretIgnored"],
  },
  {
    field: "dnsPolicy, dnsConfig",
    outcome: "mapped",
    how: "cluster DNS in VNet mode merged with dnsConfig (ADR 0105)",
    errors: /^spec\.dnsConfig/,
  },
  {
    field: "annotations (public IP, DNS label, SKU, CCE policy, priority, identity, zone)",
    outcome: "mapped",
    how: "see Annotations",
    errors: /^metadata\.annotations\[/,
    warnings: ["PublicIpOutsideVNet"],
  },
  {
    field: "more than 60 containers, 20 volumes, group CPU/memory above the node's ceiling",
    outcome: "rejected",
    how: "ACI per-group limits",
    errors: /^spec\.(containers|volumes)$|^spec\.containers\[\*\]\.resources/,
  },
];
