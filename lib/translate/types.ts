/**
 * Inputs and outputs of the translation functions (pod → container group, container group → pod status).
 * Everything the translators need from the outside world arrives through these types, resolved by the
 * caller, so the translators stay pure: no I/O, no clock, no SDK client.
 */
import type { ContainerGroup } from "@azure/arm-containerinstance";
import type { V1ConfigMap, V1Pod, V1PodStatus, V1Secret } from "@kubernetes/client-node";
import type { TranslationPolicy } from "./policy.js";

export type OsType = "Linux" | "Windows";

export type { TranslationPolicy };

/** What the virtual node contributes to every group it creates. */
export interface NodeSettings {
  clusterName: string;
  nodeName: string;
  region: string;
  os: OsType;
  /** Delegated subnet id: groups get a private IP there. */
  subnetId?: string;
  allowPublicIp: boolean;
  /** Cluster DNS servers (VNet mode). */
  dnsServers: string[];
  clusterDomain: string;
  /** The node's internal IP, reported as the pod's hostIP. */
  nodeIP: string;
  maxCpuPerGroup: number;
  maxMemoryGbPerGroup: number;
  /**
   * Where containers reach the Kubernetes API (written as KUBERNETES_SERVICE_HOST/PORT, like the kubelet's
   * master-service env vars). The cluster IP of `kubernetes.default` is not routable from ACI, so this is the
   * API server's own address. Unset: the variables are not written.
   */
  apiServer?: { host: string; port: number };
  /** Node-wide translation policies (lib/config `loadTranslationPolicy`); unset fields take the defaults. */
  policy?: Partial<TranslationPolicy>;
}

/** What the bridge read from an image's config (the registry's config blob), for `workingDir`. */
export interface ImageConfigFacts {
  entrypoint: string[];
  cmd: string[];
  /** The image's WORKDIR ("" when unset). */
  workingDir: string;
  /** Whether the image has /bin/sh (docs/translation.md "workingDir" says how this is decided). */
  hasShell: boolean;
}

/** One service-account token a pod needs (one per distinct audience among its projected sources). */
export interface ServiceAccountTokenRequest {
  /** undefined = the API server's default audiences. */
  audience?: string;
  expirationSeconds?: number;
  serviceAccountName: string;
}

/** A secret/configmap/entrypoint/token the pod references, in the pod's namespace. */
export interface ReferenceRequest {
  secrets: string[];
  configMaps: string[];
  /** Images whose entrypoint is needed (a container with `args` but no `command`). */
  entrypointImages: { image: string; pullSecretNames: string[] }[];
  /** Images whose config (WORKDIR, shell, ENTRYPOINT and CMD) is needed (a container with `workingDir`). */
  imageConfigImages?: { image: string; pullSecretNames: string[] }[];
  /** Whether the pod needs a service-account token (projected serviceAccountToken source). */
  serviceAccountToken?: ServiceAccountTokenRequest;
  /** Every distinct token the pod needs (includes `serviceAccountToken`); more than one when audiences differ. */
  serviceAccountTokens?: ServiceAccountTokenRequest[];
}

/** The caller's answers to a `ReferenceRequest`. A missing key means "does not exist". */
export interface ResolvedReferences {
  secrets: ReadonlyMap<string, V1Secret>;
  configMaps: ReadonlyMap<string, V1ConfigMap>;
  /** image → its ENTRYPOINT (from the registry's image config). */
  entrypoints: ReadonlyMap<string, string[]>;
  /** image → its config facts, for containers with `workingDir` (missing: not known). */
  imageConfigs?: ReadonlyMap<string, ImageConfigFacts>;
  /** A token from the TokenRequest API, when `serviceAccountToken` was requested. */
  serviceAccountToken?: string;
  /** Tokens by audience (`""` = default audiences), for pods that project several audiences. */
  serviceAccountTokens?: ReadonlyMap<string, string>;
}

export interface TranslatedPod {
  name: string;
  containerGroup: ContainerGroup;
  /**
   * Things translated by a documented approximation or left out (a dropped startupProbe, a missing optional
   * pull secret, ports without an IP address…): emit them as Warning Events on the pod. Never secret values.
   */
  warnings?: KubeEventSpec[];
}

/** A Kubernetes Event to emit on the pod (from ACI events or the bridge's own outcome). */
export interface KubeEventSpec {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
  /** Stable identity for de-duplication across calls (e.g. container + ACI event name + firstTimestamp). */
  key: string;
  count: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  /** e.g. `spec.containers{web}` like the kubelet sets it. */
  fieldPath?: string;
}

export type { ContainerGroup, V1Pod, V1PodStatus };
