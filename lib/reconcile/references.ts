/**
 * Resolves what a pod references (secrets, configmaps, image entrypoints, a service-account token) so the
 * pure translator can run. Missing objects are left out of the maps: the translator decides whether the
 * reference was optional, and names the field when it was not.
 */
import type { V1ConfigMap, V1Pod, V1Secret } from "@kubernetes/client-node";
import { AciBridgeError } from "../errors.js";
import type { Logger } from "../log.js";
import { podKey } from "../queue/message.js";
import type { ImageConfigFacts, ReferenceRequest, ResolvedReferences } from "../translate/types.js";
import type { ReferenceReader } from "./ports.js";

/** Reads an image's config from its registry (lib/registry implements it). */
export interface EntrypointResolver {
  /** The image's ENTRYPOINT (for args without a command). */
  resolve(image: string, pullSecrets: V1Secret[]): Promise<string[]>;
  /** WORKDIR, shell, ENTRYPOINT and CMD (for `workingDir`); optional so test doubles may leave it out. */
  resolveConfig?(image: string, pullSecrets: V1Secret[]): Promise<ImageConfigFacts>;
}

/** Token lifetime asked from the TokenRequest API when the pod does not say (kubelet's default + jitter). */
export const DEFAULT_TOKEN_SECONDS = 3607;

/** The Secrets and ConfigMaps the pod references that exist (missing ones are left out). */
export async function readReferencedObjects(
  pod: V1Pod,
  request: ReferenceRequest,
  kube: ReferenceReader,
): Promise<{ secrets: Map<string, V1Secret>; configMaps: Map<string, V1ConfigMap> }> {
  const namespace = pod.metadata?.namespace ?? "default";
  const secrets = new Map<string, V1Secret>();
  for (const name of new Set(request.secrets)) {
    const secret = await kube.getSecret(namespace, name);
    if (secret) secrets.set(name, secret);
  }
  const configMaps = new Map<string, V1ConfigMap>();
  for (const name of new Set(request.configMaps)) {
    const configMap = await kube.getConfigMap(namespace, name);
    if (configMap) configMaps.set(name, configMap);
  }
  return { secrets, configMaps };
}

/**
 * Everything the translator needs. `objects`: Secrets/ConfigMaps already read by `readReferencedObjects`
 * (the reconciler checks them for missing references first), else they are read here.
 */
export async function resolveReferences(
  pod: V1Pod,
  request: ReferenceRequest,
  kube: ReferenceReader,
  entrypoints: EntrypointResolver,
  log: Logger,
  objects?: { secrets: Map<string, V1Secret>; configMaps: Map<string, V1ConfigMap> },
): Promise<ResolvedReferences> {
  const namespace = pod.metadata?.namespace ?? "default";
  const podRef = podKey(namespace, pod.metadata?.name ?? "");
  const { secrets, configMaps } = objects ?? (await readReferencedObjects(pod, request, kube));
  const resolvedEntrypoints = new Map<string, string[]>();
  for (const { image, pullSecretNames } of request.entrypointImages) {
    if (resolvedEntrypoints.has(image)) continue;
    const pullSecrets: V1Secret[] = [];
    for (const name of pullSecretNames) {
      const secret = secrets.get(name) ?? (await kube.getSecret(namespace, name));
      if (secret) pullSecrets.push(secret);
    }
    try {
      resolvedEntrypoints.set(image, await entrypoints.resolve(image, pullSecrets));
    } catch (error) {
      // Transient registry trouble is retried; a definite answer ("no such image") leaves the entrypoint
      // unresolved, and the translator fails the pod naming `args`.
      if (!(error instanceof AciBridgeError) || error.transient) throw error;
      log.warn("image.entrypoint.unresolved", { pod: podRef, image, error: error.message });
    }
  }
  // Image configs for containers with a workingDir: without one (no resolver, or a definite registry answer)
  // the translator applies the node's workingDir policy (docs/translation.md).
  const imageConfigs = new Map<string, ImageConfigFacts>();
  for (const { image, pullSecretNames } of request.imageConfigImages ?? []) {
    if (imageConfigs.has(image) || !entrypoints.resolveConfig) continue;
    const pullSecrets: V1Secret[] = [];
    for (const name of pullSecretNames) {
      const secret = secrets.get(name) ?? (await kube.getSecret(namespace, name));
      if (secret) pullSecrets.push(secret);
    }
    try {
      imageConfigs.set(image, await entrypoints.resolveConfig(image, pullSecrets));
    } catch (error) {
      if (!(error instanceof AciBridgeError) || error.transient) throw error;
      log.warn("image.config.unresolved", { pod: podRef, image, error: error.message });
    }
  }
  const resolved: ResolvedReferences = {
    secrets,
    configMaps,
    entrypoints: resolvedEntrypoints,
    ...(imageConfigs.size > 0 ? { imageConfigs } : {}),
  };
  const tokenRequests =
    request.serviceAccountTokens ?? (request.serviceAccountToken ? [request.serviceAccountToken] : []);
  if (tokenRequests.length > 0) {
    // One TokenRequest per audience, bound to the pod (the kubelet does the same). ACI cannot rotate it.
    const tokens = new Map<string, string>();
    for (const { serviceAccountName, audience, expirationSeconds } of tokenRequests) {
      const key = audience ?? "";
      if (tokens.has(key)) continue;
      tokens.set(
        key,
        await kube.createServiceAccountToken(
          namespace,
          serviceAccountName,
          pod,
          audience,
          expirationSeconds ?? DEFAULT_TOKEN_SECONDS,
        ),
      );
    }
    resolved.serviceAccountTokens = tokens;
    const defaultToken = tokens.get(request.serviceAccountToken?.audience ?? "");
    if (defaultToken) resolved.serviceAccountToken = defaultToken;
  }
  return resolved;
}

/** Every secret value the pod can see, so error texts from outside (ARM) can be scrubbed before logging. */
export function secretValues(refs: ResolvedReferences | undefined): string[] {
  if (!refs) return [];
  const values: string[] = [];
  for (const secret of refs.secrets.values()) {
    for (const encoded of Object.values(secret.data ?? {})) {
      const text = Buffer.from(encoded, "base64").toString("utf8");
      if (text.length >= 4) values.push(text);
    }
    for (const text of Object.values(secret.stringData ?? {})) if (text.length >= 4) values.push(text);
  }
  if (refs.serviceAccountToken) values.push(refs.serviceAccountToken);
  for (const token of refs.serviceAccountTokens?.values() ?? []) values.push(token);
  return values;
}

export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const value of secrets) out = out.split(value).join("***");
  return out;
}
