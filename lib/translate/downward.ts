/**
 * Downward API values (fieldRef and resourceFieldRef) for env vars and downwardAPI volume files.
 * `status.hostIP` is the node's address (what the bridge reports as the pod's hostIP). `status.podIP` cannot be
 * known before ACI assigns it: it is an error unless the pod names a substitute with the
 * `aci-bridge.io/pod-ip-substitute` annotation (docs/adr/0103).
 */
import type { V1ObjectFieldSelector, V1ResourceFieldSelector } from "@kubernetes/client-node";
import { InvalidPodSpecError } from "../errors.js";
import { ANN_POD_IP_SUBSTITUTE, readAnnotation } from "./annotations.js";
import { PolicyRejection, podNamespace, type TranslateContext } from "./context.js";
import { parseQuantity } from "./quantity.js";

const KEYED = /^metadata\.(labels|annotations)\['(.*)'\]$/;

/** Renders `key="value"` lines like the kubelet does for whole-map downwardAPI files (sorted keys, quoted). */
function formatMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(map?.[k] ?? "")}`)
    .join("\n");
}

export function fieldRefValue(
  ctx: TranslateContext,
  ref: V1ObjectFieldSelector,
  field: string,
  inVolume: boolean,
): string {
  const pod = ctx.pod;
  const path = ref.fieldPath;
  const keyed = KEYED.exec(path);
  if (keyed) {
    const map = keyed[1] === "labels" ? pod.metadata?.labels : pod.metadata?.annotations;
    return map?.[keyed[2] ?? ""] ?? "";
  }
  switch (path) {
    case "metadata.name":
      return pod.metadata?.name ?? "";
    case "metadata.namespace":
      return podNamespace(pod);
    case "metadata.uid":
      return pod.metadata?.uid ?? "";
    case "metadata.labels":
    case "metadata.annotations":
      if (!inVolume) break;
      return formatMap(path === "metadata.labels" ? pod.metadata?.labels : pod.metadata?.annotations);
    case "spec.nodeName":
      return pod.spec?.nodeName ?? ctx.node.nodeName;
    case "spec.serviceAccountName":
      return pod.spec?.serviceAccountName ?? "default";
    case "status.hostIP":
    case "status.hostIPs":
      return ctx.node.nodeIP;
    case "status.podIP":
    case "status.podIPs": {
      const substitute = readAnnotation(pod, ANN_POD_IP_SUBSTITUTE)?.value ?? ctx.policy.podIpSubstitute;
      if (substitute) return substitute;
      throw new PolicyRejection(
        `${field}.fieldPath`,
        `${path} is not known before ACI assigns the address; read it at run time (e.g. hostname -i), set the annotation ${ANN_POD_IP_SUBSTITUTE} (e.g. "0.0.0.0" for a listen address), or ask the operator for the node-wide ACI_POD_IP_SUBSTITUTE`,
      );
    }
    default:
      break;
  }
  throw new InvalidPodSpecError(`${field}.fieldPath`, `unsupported fieldPath "${path}"`, "InvalidPodSpec");
}

export function resourceFieldRefValue(
  ctx: TranslateContext,
  ref: V1ResourceFieldSelector,
  defaultContainer: string | undefined,
  field: string,
): string {
  const containerName = ref.containerName || defaultContainer;
  const resources = containerName ? ctx.resources.get(containerName) : undefined;
  if (!resources) {
    throw new InvalidPodSpecError(
      `${field}.containerName`,
      `container "${containerName ?? ""}" not found in the pod`,
      "InvalidPodSpec",
    );
  }
  // The API server treats a zero divisor as unset (1); Istio's injector writes `divisor: "0"`.
  const parsed = parseQuantity(ref.divisor === undefined ? "1" : String(ref.divisor));
  const divisor = parsed === 0 ? 1 : (parsed ?? Number.NaN);
  if (!(divisor > 0)) {
    throw new InvalidPodSpecError(`${field}.divisor`, "must be a positive quantity", "InvalidPodSpec");
  }
  let value: number;
  switch (ref.resource) {
    case "requests.cpu":
      value = resources.cpuRequest;
      break;
    case "limits.cpu":
      value = resources.cpuLimit;
      break;
    case "requests.memory":
      value = resources.memoryRequestBytes;
      break;
    case "limits.memory":
      value = resources.memoryLimitBytes;
      break;
    default:
      throw new InvalidPodSpecError(
        `${field}.resource`,
        `"${ref.resource}" is not available on ACI (cpu and memory are)`,
      );
  }
  return String(Math.ceil(value / divisor - 1e-9));
}
