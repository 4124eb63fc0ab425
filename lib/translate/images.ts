/**
 * Image references: the Docker reference grammar check (the kubelet's `InvalidImageName`), the registry an
 * image pulls from and registry host normalization as ACI and registries name them. Used by the translator
 * (pull credentials) and by lib/registry (ENTRYPOINT lookups).
 */
import { InvalidPodSpecError } from "../errors.js";

/** Normalizes a registry host as ACI expects it (Docker Hub as index.docker.io). */
export function normalizeRegistry(server: string): string {
  let host = server.trim().replace(/^[a-z]+:\/\//i, "");
  host = host.split("/")[0] ?? host;
  host = host.toLowerCase();
  if (host === "docker.io" || host === "registry-1.docker.io" || host === "registry.hub.docker.com") {
    return "index.docker.io";
  }
  return host;
}

/**
 * Docker reference grammar (distribution/reference): optional registry host[:port], lowercase path
 * components, optional tag and/or digest. The kubelet reports anything else as `InvalidImageName`; checking
 * here saves an ARM PUT that could only fail later.
 */
const IMAGE_REFERENCE =
  /^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?|\[[0-9a-fA-F:]+\](?::[0-9]+)?)\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$/;

export function checkImageReference(image: string, field: string): void {
  if (image.length > 4096 || !IMAGE_REFERENCE.test(image)) {
    throw new InvalidPodSpecError(
      field,
      `"${image.slice(0, 200)}" is not a valid image reference (InvalidImageName): repository names must be lowercase`,
      "InvalidPodSpec",
    );
  }
}

/** The registry an image reference pulls from (no host part → Docker Hub). */
export function registryOf(image: string): string {
  const slash = image.indexOf("/");
  if (slash < 0) return "index.docker.io";
  const first = image.slice(0, slash);
  if (first.includes(".") || first.includes(":") || first === "localhost") return normalizeRegistry(first);
  return "index.docker.io";
}
