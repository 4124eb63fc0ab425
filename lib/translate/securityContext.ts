/**
 * Container security context (docs/adr/0106-security-context.md): fields ACI cannot honour are rejected;
 * runAsUser/runAsGroup are sent; hardening-only fields are accepted and not enforced.
 */
import type { SecurityContextDefinition } from "@azure/arm-containerinstance";
import type { V1Container } from "@kubernetes/client-node";
import { InvalidPodSpecError } from "../errors.js";
import type { TranslateContext } from "./context.js";

/**
 * Capabilities the container runtime grants every container by default (Docker's and containerd's default
 * set): adding them changes nothing, so ACI runs such a container as asked.
 */
export const DEFAULT_RUNTIME_CAPABILITIES: ReadonlySet<string> = new Set([
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "SETGID",
  "SETUID",
  "SETPCAP",
  "NET_BIND_SERVICE",
  "NET_RAW",
  "SYS_CHROOT",
  "MKNOD",
  "AUDIT_WRITE",
  "SETFCAP",
]);

/** `NET_ADMIN`, `CAP_NET_ADMIN` and `net_admin` name one capability. */
function capabilityName(value: string): string {
  return value.trim().toUpperCase().replace(/^CAP_/, "");
}

/** Security-context fields ACI cannot honour, for containers and init containers alike. */
export function checkSecurityContext(c: V1Container, path: string): void {
  const reject = (field: string, why: string): never => {
    throw new InvalidPodSpecError(`${path}.${field}`, why);
  };
  const sc = c.securityContext;
  if (sc?.privileged) reject("securityContext.privileged", "ACI does not run privileged containers");
  const extra = (sc?.capabilities?.add ?? []).filter(
    (cap) => !DEFAULT_RUNTIME_CAPABILITIES.has(capabilityName(cap)),
  );
  if (extra.length > 0) {
    reject(
      "securityContext.capabilities.add",
      `ACI grants only the container runtime's default capabilities; ${extra.join(", ")} cannot be added`,
    );
  }
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
export function securityContext(
  ctx: TranslateContext,
  c: V1Container,
): SecurityContextDefinition | undefined {
  const psc = ctx.pod.spec?.securityContext;
  const runAsUser = c.securityContext?.runAsUser ?? psc?.runAsUser;
  const runAsGroup = c.securityContext?.runAsGroup ?? psc?.runAsGroup;
  if (runAsUser === undefined && runAsGroup === undefined) return undefined;
  return {
    ...(runAsUser !== undefined ? { runAsUser } : {}),
    ...(runAsGroup !== undefined ? { runAsGroup } : {}),
  };
}
