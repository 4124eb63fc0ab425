/**
 * Container security context (docs/adr/0106-security-context.md): fields ACI cannot honour are rejected;
 * runAsUser/runAsGroup are sent; hardening-only fields are accepted and not enforced.
 */
import type { SecurityContextDefinition } from "@azure/arm-containerinstance";
import type { V1Container } from "@kubernetes/client-node";
import { InvalidPodSpecError } from "../errors.js";
import type { TranslateContext } from "./context.js";

/** Security-context fields ACI cannot honour, for containers and init containers alike. */
export function checkSecurityContext(c: V1Container, path: string): void {
  const reject = (field: string, why: string): never => {
    throw new InvalidPodSpecError(`${path}.${field}`, why);
  };
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
