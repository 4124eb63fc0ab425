/**
 * Pod → what it references: secrets, configmaps, the images whose ENTRYPOINT is needed (args without
 * command) or whose config is needed (workingDir), and the service-account tokens its projected volumes ask for. Pure; the caller resolves them
 * (Kubernetes GETs, the registry, the TokenRequest API) and passes the answers to `podToContainerGroup`.
 */
import type { V1Container, V1Pod } from "@kubernetes/client-node";
import type { ReferenceRequest, ServiceAccountTokenRequest } from "./types.js";

export function collectReferences(pod: V1Pod): ReferenceRequest {
  const secrets = new Set<string>();
  const configMaps = new Set<string>();
  const tokens = new Map<string, ServiceAccountTokenRequest>();
  const spec = pod.spec;
  const serviceAccountName = spec?.serviceAccountName ?? spec?.serviceAccount ?? "default";
  const pullSecretNames = (spec?.imagePullSecrets ?? []).map((r) => r.name ?? "").filter(Boolean);
  pullSecretNames.forEach((n) => secrets.add(n));

  const containers: V1Container[] = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
  const entrypointImages = new Map<string, { image: string; pullSecretNames: string[] }>();
  const imageConfigImages = new Map<string, { image: string; pullSecretNames: string[] }>();
  for (const c of containers) {
    for (const e of c.env ?? []) {
      if (e.valueFrom?.secretKeyRef?.name) secrets.add(e.valueFrom.secretKeyRef.name);
      if (e.valueFrom?.configMapKeyRef?.name) configMaps.add(e.valueFrom.configMapKeyRef.name);
    }
    for (const e of c.envFrom ?? []) {
      if (e.secretRef?.name) secrets.add(e.secretRef.name);
      if (e.configMapRef?.name) configMaps.add(e.configMapRef.name);
    }
    if ((c.command ?? []).length === 0 && (c.args ?? []).length > 0 && c.image) {
      entrypointImages.set(c.image, { image: c.image, pullSecretNames });
    }
    // workingDir needs the image's WORKDIR and whether it has a shell (docs/translation.md "workingDir").
    if (c.workingDir && c.image) imageConfigImages.set(c.image, { image: c.image, pullSecretNames });
  }
  for (const v of spec?.volumes ?? []) {
    if (v.secret?.secretName) secrets.add(v.secret.secretName);
    if (v.configMap?.name) configMaps.add(v.configMap.name);
    if (v.azureFile?.secretName) secrets.add(v.azureFile.secretName);
    if (v.csi) {
      const name = v.csi.volumeAttributes?.["secretName"] ?? v.csi.nodePublishSecretRef?.name;
      if (name) secrets.add(name);
    }
    for (const s of v.projected?.sources ?? []) {
      if (s.secret?.name) secrets.add(s.secret.name);
      if (s.configMap?.name) configMaps.add(s.configMap.name);
      if (s.serviceAccountToken) {
        const audience = s.serviceAccountToken.audience || undefined;
        const key = audience ?? "";
        const previous = tokens.get(key);
        const expirationSeconds = s.serviceAccountToken.expirationSeconds;
        // Several sources with one audience share a token: the shortest lifetime asked for wins.
        const shortest =
          previous?.expirationSeconds !== undefined && expirationSeconds !== undefined
            ? Math.min(previous.expirationSeconds, expirationSeconds)
            : (expirationSeconds ?? previous?.expirationSeconds);
        tokens.set(key, {
          serviceAccountName,
          ...(audience !== undefined ? { audience } : {}),
          ...(shortest !== undefined ? { expirationSeconds: shortest } : {}),
        });
      }
    }
  }
  const request: ReferenceRequest = {
    secrets: [...secrets].sort(),
    configMaps: [...configMaps].sort(),
    entrypointImages: [...entrypointImages.values()],
  };
  if (imageConfigImages.size > 0) request.imageConfigImages = [...imageConfigImages.values()];
  const list = [...tokens.values()];
  if (list.length > 0) {
    request.serviceAccountToken = tokens.get("") ?? list[0];
    request.serviceAccountTokens = list;
  }
  return request;
}
