/**
 * imagePullSecrets (dockerconfigjson / dockercfg) → ACI `imageRegistryCredentials`, for the registries the
 * pod's images use. A missing pull secret is a Warning (the kubelet pulls anonymously); errors never quote a
 * secret's content.
 */
import type { ImageRegistryCredential } from "@azure/arm-containerinstance";
import { InvalidPodSpecError } from "../errors.js";
import { secretEntries, warn, type TranslateContext } from "./context.js";
import { normalizeRegistry, registryOf } from "./images.js";

interface DockerAuth {
  username?: string;
  password?: string;
  auth?: string;
}

export function registryCredentials(ctx: TranslateContext): ImageRegistryCredential[] {
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
