/**
 * Node-wide translation policies: what to do with a pod field ACI cannot run as written, set by the operator
 * (lib/config.ts reads them from settings) and passed in through the translation context. Pure data.
 */
/**
 * Node-wide translation policies. Each names what to do with a pod field ACI cannot run as written; a pod
 * can still choose for itself with the annotation docs/translation.md names.
 */
export interface TranslationPolicy {
  /** tcpSocket/grpc liveness/readiness probes: reject the pod, or run it without them (Warning Event). */
  unsupportedProbes: "reject" | "drop";
  /** Literal written for `status.podIP(s)` fieldRefs (e.g. `0.0.0.0`); unset: such pods are rejected. */
  podIpSubstitute?: string;
  /** `workingDir` the bridge can neither match nor wrap (no shell in the image, image config unknown). */
  workingDir: "reject" | "drop";
  /** More than 5 distinct ports on a group that gets an IP: reject, or expose the first 5 declared. */
  excessPorts: "reject" | "first5";
}

export const DEFAULT_TRANSLATION_POLICY: Readonly<TranslationPolicy> = Object.freeze({
  unsupportedProbes: "reject",
  workingDir: "drop",
  excessPorts: "reject",
});
