/**
 * Pod annotations the bridge reads. Our own keys use the `aci-bridge.io/` prefix; where users already write
 * a key for virtual-kubelet/azure-aci or AKS virtual nodes v2, that key is honoured too (ours wins when both
 * are set). docs/translation.md lists them.
 */
import type { V1Pod } from "@kubernetes/client-node";

export const ANNOTATION_PREFIX = "aci-bridge.io/";

export const ANN_PUBLIC_IP = "aci-bridge.io/public-ip";
export const ANN_DNS_NAME_LABEL = "aci-bridge.io/dns-name-label";
/** virtual-kubelet/azure-aci's key (sic: no hyphen in "virtualkubelet"). */
export const ANN_DNS_NAME_LABEL_VK = "virtualkubelet.io/dnsnamelabel";
export const ANN_SKU = "aci-bridge.io/sku";
/** virtual-kubelet/azure-aci's SKU key (`Confidential`). */
export const ANN_SKU_VK = "virtual-kubelet.io/container-sku";
export const ANN_CCE_POLICY = "aci-bridge.io/cce-policy";
/** virtual-kubelet/azure-aci's confidential computing policy key. */
export const ANN_CCE_POLICY_VK = "virtual-kubelet.io/confidential-compute-cce-policy";
/** virtual-kubelet/azure-aci's GPU SKU key: GPUs are not available on ACI any more, so it is rejected. */
export const ANN_GPU_TYPE_VK = "virtual-kubelet.io/gpu-type";
/** AKS virtual nodes v2 key for the confidential computing enforcement policy. */
export const ANN_CCE_POLICY_VN2 = "microsoft.containerinstance.virtualnode.ccepolicy";
export const ANN_PRIORITY = "aci-bridge.io/priority";
export const ANN_MANAGED_IDENTITY = "aci-bridge.io/managed-identity";
/** AKS virtual nodes v2 key for a user-assigned identity. */
export const ANN_MANAGED_IDENTITY_VN2 = "microsoft.containerinstance.virtualnode.identity";
export const ANN_INJECT_DNS = "aci-bridge.io/inject-dns";
export const ANN_INJECT_DNS_VN2 = "microsoft.containerinstance.virtualnode.injectdns";
/**
 * `drop`: tcpSocket/grpc liveness/readiness probes are left out (with a Warning) instead of rejecting the pod;
 * `reject`: rejected even where the node drops them. Unset: the node's policy (`ACI_UNSUPPORTED_PROBES`).
 */
export const ANN_UNSUPPORTED_PROBES = "aci-bridge.io/unsupported-probes";
/**
 * A literal value written for `status.podIP`/`status.podIPs` fieldRefs (e.g. `0.0.0.0` for listen addresses);
 * overrides the node's `ACI_POD_IP_SUBSTITUTE`.
 */
export const ANN_POD_IP_SUBSTITUTE = "aci-bridge.io/pod-ip-substitute";
export const ANN_ZONE = "aci-bridge.io/zone";

/** An annotation's value, first key found wins; the key is returned for error messages. */
export function readAnnotation(pod: V1Pod, ...keys: string[]): { key: string; value: string } | undefined {
  const annotations = pod.metadata?.annotations ?? {};
  for (const key of keys) {
    const value = annotations[key];
    if (value !== undefined) return { key, value: value.trim() };
  }
  return undefined;
}

export function annotationField(key: string): string {
  return `metadata.annotations['${key}']`;
}

/** An annotation's boolean value as users write it ("true", "yes", "1"; anything else is false). */
export function isTrue(value: string | undefined): boolean {
  return value !== undefined && ["true", "yes", "1"].includes(value.toLowerCase());
}
