/**
 * Reads an image's ENTRYPOINT from its registry through the OCI Distribution API, so a container with `args`
 * and no `command` can run on ACI (which has one command list). manifest (or index → the linux/amd64 entry)
 * → config blob → `config.Entrypoint`. Handles Docker Hub (`library/` names on registry-1.docker.io), bearer
 * token challenges and basic auth from the pod's pull secrets. Results are cached: config by digest (immutable),
 * tag → digest for `cacheTtlMs`.
 *
 * Errors: a missing image, tag or platform, or a registry that refuses the credentials, is terminal
 * (`NotFoundError`, the pod fails naming `args`); network trouble, 429 and 5xx are `TransientError` (retried).
 * Messages name the image and the HTTP status, never a credential.
 */
import type { V1Secret } from "@kubernetes/client-node";
import { NotFoundError, TransientError } from "../errors.js";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { normalizeRegistry } from "../translate/images.js";
import type { EntrypointResolver } from "../reconcile/references.js";
import type { ImageConfigFacts } from "../translate/types.js";

/** The parts of an OCI image config the bridge reads. */
interface ImageConfigBlob {
  config?: { Entrypoint?: string[] | null; Cmd?: string[] | null; WorkingDir?: string | null };
  history?: { created_by?: string; empty_layer?: boolean }[];
}

const SHELLS = new Set(["sh", "/bin/sh", "bash", "/bin/bash", "/usr/bin/bash", "ash", "/bin/ash", "dash"]);

/**
 * Whether an image has /bin/sh, judged from its config without pulling layers: a layer built by a shell
 * `RUN` (history `created_by` "/bin/sh -c …" or "RUN /bin/sh -c …", not a `#(nop)` metadata step) could only
 * have been built if /bin/sh existed in the image, or the image's own ENTRYPOINT/CMD starts a shell.
 * distroless and scratch images have neither, so they are not wrapped (docs/translation.md "workingDir").
 */
export function imageHasShell(blob: ImageConfigBlob): boolean {
  const first = [...(blob.config?.Entrypoint ?? []), ...(blob.config?.Cmd ?? [])][0];
  if (first !== undefined && SHELLS.has(first)) return true;
  return (blob.history ?? []).some((h) => {
    const by = (h.created_by ?? "").trim();
    return /^(RUN )?\/bin\/(ba)?sh -c /.test(by) && !by.includes("#(nop)") && h.empty_layer !== true;
  });
}

export function imageConfigFacts(blob: ImageConfigBlob): ImageConfigFacts {
  return {
    entrypoint: blob.config?.Entrypoint ?? [],
    cmd: blob.config?.Cmd ?? [],
    workingDir: blob.config?.WorkingDir ?? "",
    hasShell: imageHasShell(blob),
  };
}

export interface EntrypointResolverOptions {
  fetch?: typeof fetch;
  /** How long a tag → digest answer is reused (default 10 minutes). */
  cacheTtlMs?: number;
  now?: () => number;
  /** Per-request timeout (default 15 s). */
  timeoutMs?: number;
  /** Registries reached over plain http (default: localhost and 127.0.0.1, for local registries and tests). */
  plainHttp?: (host: string) => boolean;
  /**
   * Hosts that may be private or link-local addresses (default: the `plainHttp` hosts). Anything else that
   * is, or resolves to, such an address is refused: a pod author must not make the bridge fetch from inside
   * its VNet.
   */
  allowPrivate?: (host: string) => boolean;
  /** Token-service hosts pull-secret credentials may go to besides the registry's own domain. */
  tokenHosts?: readonly string[];
  platform?: { os: string; architecture: string };
}

/** The registry refused access: registries answer this way for private and for missing repositories alike. */
export class RegistryDeniedError extends NotFoundError {}

export interface ImageReference {
  /** Host as used for API calls (registry-1.docker.io for Docker Hub). */
  apiHost: string;
  /** Host as credentials name it (index.docker.io for Docker Hub). */
  credentialHost: string;
  repository: string;
  /** Tag or digest. */
  reference: string;
}

const DOCKER_HUB_API = "registry-1.docker.io";
const MANIFEST_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

export function parseImageReference(image: string): ImageReference {
  let rest = image.trim();
  let reference = "latest";
  const at = rest.indexOf("@");
  if (at >= 0) {
    reference = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const slash = rest.indexOf("/");
  let host = "docker.io";
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes(".") || first.includes(":") || first === "localhost") {
      host = first;
      rest = rest.slice(slash + 1);
    }
  }
  const colon = rest.lastIndexOf(":");
  if (colon >= 0) {
    if (at < 0) reference = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const hub = normalizeRegistry(host) === "index.docker.io";
  if (hub && !rest.includes("/")) rest = `library/${rest}`;
  return {
    apiHost: hub ? DOCKER_HUB_API : host,
    credentialHost: normalizeRegistry(host),
    repository: rest,
    reference,
  };
}

interface Credentials {
  username: string;
  password: string;
}

/** Basic credentials for `host` from dockerconfigjson / dockercfg secrets (first match wins). */
export function credentialsFor(host: string, secrets: readonly V1Secret[]): Credentials | undefined {
  for (const secret of secrets) {
    const key = secret.type === "kubernetes.io/dockercfg" ? ".dockercfg" : ".dockerconfigjson";
    const raw = secret.data?.[key] ?? "";
    let auths: Record<string, { username?: string; password?: string; auth?: string }> = {};
    try {
      const parsed = JSON.parse(Buffer.from(raw, "base64").toString("utf8")) as Record<string, unknown>;
      auths = (key === ".dockercfg" ? parsed : (parsed["auths"] ?? {})) as typeof auths;
    } catch {
      continue;
    }
    for (const [server, entry] of Object.entries(auths)) {
      if (normalizeRegistry(server) !== host) continue;
      if (entry.username && entry.password !== undefined)
        return { username: entry.username, password: entry.password };
      if (entry.auth) {
        const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
        const colon = decoded.indexOf(":");
        if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
      }
    }
  }
  return undefined;
}

function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const space = header.indexOf(" ");
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const params: Record<string, string> = {};
  const re = /(\w+)="([^"]*)"/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(header)) !== null) if (m[1]) params[m[1]] = m[2] ?? "";
  return { scheme, params };
}

interface ManifestLike {
  mediaType?: string;
  manifests?: { digest: string; platform?: { os?: string; architecture?: string } }[];
  config?: { digest: string };
}

/** The port (declared where it is used, lib/reconcile/references.ts), with `resolveConfig` always present. */
export function createEntrypointResolver(
  options: EntrypointResolverOptions = {},
): Required<EntrypointResolver> {
  const doFetch = options.fetch ?? fetch;
  const ttl = options.cacheTtlMs ?? 10 * 60_000;
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const plainHttp = options.plainHttp ?? ((h: string) => /^(localhost|127\.0\.0\.1)(:\d+)?$/.test(h));
  const allowPrivate = options.allowPrivate ?? plainHttp;
  const tokenHosts = new Set((options.tokenHosts ?? []).map((h) => h.toLowerCase()));
  const platform = options.platform ?? { os: "linux", architecture: "amd64" };
  const byRef = new Map<string, { configDigest: string; expires: number }>();
  const byDigest = new Map<string, ImageConfigFacts>();

  async function request(url: string, image: string, init: RequestInit): Promise<Response> {
    await refusePrivate(new URL(url), image);
    try {
      return await doFetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw new TransientError(
        `registry request for ${image} failed: ${(error as Error).message}`,
        undefined,
        { cause: error },
      );
    }
  }

  /** Refuses hosts that are, or resolve to, private/loopback/link-local addresses (unless allowed). */
  async function refusePrivate(url: URL, image: string): Promise<void> {
    if (allowPrivate(url.host)) return;
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const addresses = isIP(host)
      ? [host]
      : await lookup(host, { all: true }).then(
          (r) => r.map((a) => a.address),
          () => [] as string[], // an unknown host fails on the request itself, transiently
        );
    if (addresses.some(isPrivateAddress)) {
      throw new RegistryDeniedError(
        `the registry host of ${image} is a private or link-local address; the bridge does not fetch from there`,
      );
    }
  }

  function check(response: Response, image: string, what: string): void {
    if (response.ok) return;
    const status = response.status;
    if (status === 404) throw new NotFoundError(`${what} for ${image} not found in the registry (404)`);
    if (status === 401 || status === 403) {
      throw new RegistryDeniedError(
        `the registry refused access to ${image} (${status}); check the pod's imagePullSecrets`,
      );
    }
    if (status === 429 || status >= 500)
      throw new TransientError(`the registry answered ${status} for ${image}`, status);
    throw new NotFoundError(`the registry answered ${status} for ${what} of ${image}`);
  }

  /** GET with the registry's auth dance: anonymous first, then the challenge it names. */
  async function authedGet(
    ref: ImageReference,
    path: string,
    accept: string,
    creds: Credentials | undefined,
    image: string,
    auth: { header?: string },
  ): Promise<Response> {
    const base = `${plainHttp(ref.apiHost) ? "http" : "https"}://${ref.apiHost}`;
    const headers = (): Record<string, string> => ({
      accept,
      ...(auth.header ? { authorization: auth.header } : {}),
    });
    let response = await request(`${base}${path}`, image, { headers: headers() });
    if (response.status !== 401 || auth.header?.startsWith("Bearer")) return response;
    const challenge = parseChallenge(response.headers.get("www-authenticate") ?? "");
    const basic = creds
      ? `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString("base64")}`
      : undefined;
    if (challenge.scheme === "bearer" && challenge.params["realm"]) {
      const tokenUrl = new URL(challenge.params["realm"]);
      // Credentials go only over HTTPS to the registry's own domain (auth.docker.io for registry-1.docker.io)
      // or a host the operator allows: a registry must not be able to name a realm that collects them.
      const secure = tokenUrl.protocol === "https:" || plainHttp(tokenUrl.host);
      const trusted =
        sameDomain(tokenUrl.hostname, ref.apiHost.replace(/:\d+$/, "")) ||
        tokenHosts.has(tokenUrl.hostname.toLowerCase());
      if (basic && !(secure && trusted)) {
        throw new RegistryDeniedError(
          `the registry for ${image} named a token service (${tokenUrl.protocol}//${tokenUrl.host}) that is not HTTPS on its own domain; pull-secret credentials are not sent there`,
        );
      }
      if (challenge.params["service"]) tokenUrl.searchParams.set("service", challenge.params["service"]);
      tokenUrl.searchParams.set("scope", challenge.params["scope"] ?? `repository:${ref.repository}:pull`);
      const tokenResponse = await request(tokenUrl.toString(), image, {
        headers: basic ? { authorization: basic } : {},
      });
      check(tokenResponse, image, "a registry token");
      const body = (await tokenResponse.json()) as { token?: string; access_token?: string };
      const token = body.token ?? body.access_token;
      if (!token) throw new RegistryDeniedError(`the registry's token service gave no token for ${image}`);
      auth.header = `Bearer ${token}`;
    } else if (challenge.scheme === "basic" && basic) {
      auth.header = basic;
    } else {
      return response;
    }
    response = await request(`${base}${path}`, image, { headers: headers() });
    return response;
  }

  async function resolveConfig(image: string, pullSecrets: V1Secret[]): Promise<ImageConfigFacts> {
    const ref = parseImageReference(image);
    const cacheKey = `${ref.apiHost}/${ref.repository}@${ref.reference}`;
    const cached = byRef.get(cacheKey);
    if (cached && cached.expires > now()) {
      const facts = byDigest.get(cached.configDigest);
      if (facts) return structuredClone(facts);
    }
    const creds = credentialsFor(ref.credentialHost, pullSecrets);
    const auth: { header?: string } = {};
    const manifestPath = (reference: string) => `/v2/${ref.repository}/manifests/${reference}`;
    let response = await authedGet(ref, manifestPath(ref.reference), MANIFEST_TYPES, creds, image, auth);
    check(response, image, "the manifest");
    let manifest = (await response.json()) as ManifestLike;
    if (manifest.manifests) {
      const entry = manifest.manifests.find(
        (m) => m.platform?.os === platform.os && m.platform?.architecture === platform.architecture,
      );
      if (!entry) throw new NotFoundError(`${image} has no ${platform.os}/${platform.architecture} image`);
      response = await authedGet(ref, manifestPath(entry.digest), MANIFEST_TYPES, creds, image, auth);
      check(response, image, "the platform manifest");
      manifest = (await response.json()) as ManifestLike;
    }
    const configDigest = manifest.config?.digest;
    if (!configDigest) throw new NotFoundError(`${image}: the manifest names no image config`);
    let facts = byDigest.get(configDigest);
    if (!facts) {
      response = await authedGet(
        ref,
        `/v2/${ref.repository}/blobs/${configDigest}`,
        "application/json, */*",
        creds,
        image,
        auth,
      );
      check(response, image, "the image config");
      facts = imageConfigFacts((await response.json()) as ImageConfigBlob);
      byDigest.set(configDigest, facts);
    }
    byRef.set(cacheKey, {
      configDigest,
      expires: now() + (ref.reference.startsWith("sha256:") ? Number.MAX_SAFE_INTEGER / 2 : ttl),
    });
    return structuredClone(facts);
  }

  return {
    async resolve(image: string, pullSecrets: V1Secret[]): Promise<string[]> {
      return (await resolveConfig(image, pullSecrets)).entrypoint;
    },
    resolveConfig,
  };
}

/** Same registrable domain, approximated by the last two labels (auth.docker.io and registry-1.docker.io). */
export function sameDomain(a: string, b: string): boolean {
  const tail = (h: string) => h.toLowerCase().split(".").slice(-2).join(".");
  return a.toLowerCase() === b.toLowerCase() || (a.includes(".") && tail(a) === tail(b));
}

/** Loopback, RFC 1918, CGNAT, link-local (169.254/16 holds the instance metadata service), ULA and the like. */
export function isPrivateAddress(address: string): boolean {
  const v4 = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(address.replace(/^::ffff:/i, ""));
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return (
      a === 10 ||
      a === 127 ||
      a === 0 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  const v6 = address.toLowerCase();
  return v6 === "::1" || v6 === "::" || /^f[cd]/.test(v6) || /^fe[89ab]/.test(v6);
}
