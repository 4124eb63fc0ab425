/**
 * The entrypoint resolver against a tiny fake OCI registry on 127.0.0.1 (port 0): an index → the linux/amd64
 * manifest → the config blob, behind a bearer-token challenge that wants basic auth from the pull secret.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { V1Secret } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NotFoundError, TransientError } from "../../lib/errors.js";
import {
  createEntrypointResolver,
  imageHasShell,
  isPrivateAddress,
  parseImageReference,
  RegistryDeniedError,
  sameDomain,
} from "../../lib/registry/entrypoint.js";

const CONFIG_DIGEST = `sha256:${"c".repeat(64)}`;
const AMD64_DIGEST = `sha256:${"a".repeat(64)}`;
const ARM64_DIGEST = `sha256:${"b".repeat(64)}`;
const TOKEN = "registry-token-1";
const USER = "puller";
const PASSWORD = "S3CRET-registry-password";

let server: Server;
let host: string;
const requests: string[] = [];
let failNext = 0;

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? "/", `http://${host}`);
  requests.push(`${req.method} ${url.pathname}`);
  if (failNext > 0) {
    failNext--;
    send(res, 503, { errors: [{ code: "UNAVAILABLE" }] });
    return;
  }
  if (url.pathname === "/token") {
    const expected = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`;
    if (
      req.headers.authorization !== expected ||
      url.searchParams.get("scope") !== "repository:team/app:pull"
    ) {
      send(res, 401, { errors: [{ code: "UNAUTHORIZED" }] });
      return;
    }
    send(res, 200, { token: TOKEN });
    return;
  }
  if (req.headers.authorization !== `Bearer ${TOKEN}`) {
    send(
      res,
      401,
      { errors: [{ code: "UNAUTHORIZED" }] },
      {
        "www-authenticate": `Bearer realm="http://${host}/token",service="${host}",scope="repository:team/app:pull"`,
      },
    );
    return;
  }
  switch (url.pathname) {
    case "/v2/team/app/manifests/1.0":
      send(res, 200, {
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.index.v1+json",
        manifests: [
          { digest: ARM64_DIGEST, platform: { os: "linux", architecture: "arm64" } },
          { digest: AMD64_DIGEST, platform: { os: "linux", architecture: "amd64" } },
        ],
      });
      return;
    case `/v2/team/app/manifests/${AMD64_DIGEST}`:
      send(res, 200, {
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { digest: CONFIG_DIGEST },
      });
      return;
    case `/v2/team/app/blobs/${CONFIG_DIGEST}`:
      send(res, 200, {
        architecture: "amd64",
        os: "linux",
        config: { Entrypoint: ["/agnhost"], Cmd: ["help"], WorkingDir: "/app" },
        history: [
          { created_by: "/bin/sh -c #(nop) ADD file:abc in / " },
          { created_by: "RUN /bin/sh -c apk add --no-cache curl # buildkit" },
        ],
      });
      return;
    default:
      send(res, 404, { errors: [{ code: "MANIFEST_UNKNOWN" }] });
  }
}

const pullSecret = (): V1Secret => ({
  metadata: { name: "pull" },
  type: "kubernetes.io/dockerconfigjson",
  data: {
    ".dockerconfigjson": Buffer.from(
      JSON.stringify({ auths: { [host]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString("base64") } } }),
    ).toString("base64"),
  },
});

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("createEntrypointResolver", () => {
  it("follows challenge → token → index → linux/amd64 manifest → config, and caches", async () => {
    let clock = 0;
    const resolver = createEntrypointResolver({ now: () => clock, cacheTtlMs: 1000 });
    requests.length = 0;
    expect(await resolver.resolve(`${host}/team/app:1.0`, [pullSecret()])).toEqual(["/agnhost"]);
    expect(requests).toContain(`GET /v2/team/app/manifests/${AMD64_DIGEST}`);
    expect(requests).not.toContain(`GET /v2/team/app/manifests/${ARM64_DIGEST}`);
    requests.length = 0;
    expect(await resolver.resolve(`${host}/team/app:1.0`, [pullSecret()])).toEqual(["/agnhost"]);
    expect(requests).toEqual([]);
    clock = 2000; // tag cache expired: the manifest is read again, the config comes from the digest cache
    expect(await resolver.resolve(`${host}/team/app:1.0`, [pullSecret()])).toEqual(["/agnhost"]);
    expect(requests.some((r) => r.includes("/blobs/"))).toBe(false);
  });

  it("reads WORKDIR, CMD and whether the image has a shell from the same config", async () => {
    const resolver = createEntrypointResolver({});
    expect(await resolver.resolveConfig(`${host}/team/app:1.0`, [pullSecret()])).toEqual({
      entrypoint: ["/agnhost"],
      cmd: ["help"],
      workingDir: "/app",
      hasShell: true,
    });
  });

  it.each([
    ["a shell RUN layer", { history: [{ created_by: "/bin/sh -c apt-get update" }] }, true],
    ["buildkit RUN", { history: [{ created_by: "RUN /bin/sh -c make # buildkit" }] }, true],
    [
      "only #(nop) metadata steps",
      { history: [{ created_by: '/bin/sh -c #(nop)  CMD ["sh"]', empty_layer: true }] },
      false,
    ],
    ["ENTRYPOINT is a shell", { config: { Entrypoint: ["/bin/sh", "-c"] } }, true],
    [
      "distroless (COPY layers only)",
      { history: [{ created_by: "bazel build ..." }, { created_by: "COPY /app /app # buildkit" }] },
      false,
    ],
    ["no history", {}, false],
  ])("imageHasShell: %s", (_name, blob, expected) => {
    expect(imageHasShell(blob)).toBe(expected);
  });

  it("is terminal when the image does not exist or access is refused; transient on 5xx and network errors", async () => {
    const resolver = createEntrypointResolver({});
    await expect(resolver.resolve(`${host}/team/app:nope`, [pullSecret()])).rejects.toBeInstanceOf(
      NotFoundError,
    );
    const denied = resolver.resolve(`${host}/team/app:1.0`, []);
    await expect(denied).rejects.toBeInstanceOf(RegistryDeniedError);
    await expect(denied).rejects.not.toThrow(PASSWORD);
    failNext = 1;
    await expect(resolver.resolve(`${host}/team/app:1.0`, [pullSecret()])).rejects.toBeInstanceOf(
      TransientError,
    );
    const offline = createEntrypointResolver({ fetch: () => Promise.reject(new Error("ECONNREFUSED")) });
    await expect(offline.resolve("nginx", [])).rejects.toBeInstanceOf(TransientError);
  });

  it("parses Docker Hub and registry references", () => {
    expect(parseImageReference("nginx")).toEqual({
      apiHost: "registry-1.docker.io",
      credentialHost: "index.docker.io",
      repository: "library/nginx",
      reference: "latest",
    });
    expect(parseImageReference("myorg/app:2")).toMatchObject({ repository: "myorg/app", reference: "2" });
    expect(parseImageReference("localhost:5000/a/b@sha256:abc")).toEqual({
      apiHost: "localhost:5000",
      credentialHost: "localhost:5000",
      repository: "a/b",
      reference: "sha256:abc",
    });
    expect(parseImageReference("myregistry.azurecr.io/app/web:1.0")).toMatchObject({
      apiHost: "myregistry.azurecr.io",
      repository: "app/web",
      reference: "1.0",
    });
  });
});

describe("where requests and credentials may go", () => {
  const secret = (registry: string): V1Secret => ({
    type: "kubernetes.io/dockerconfigjson",
    data: {
      ".dockerconfigjson": Buffer.from(
        JSON.stringify({ auths: { [registry]: { username: "u", password: "pull-secret-password" } } }),
      ).toString("base64"),
    },
  });

  it("never sends pull-secret credentials to a token realm that is plain http or on another domain", async () => {
    const seen: string[] = [];
    const fake: typeof fetch = (input, init) => {
      const url = input instanceof Request ? input.url : input.toString();
      seen.push(`${url} ${(init?.headers as Record<string, string> | undefined)?.authorization ?? ""}`);
      return Promise.resolve(
        new Response("", {
          status: 401,
          headers: { "www-authenticate": 'Bearer realm="http://collector.example.net/token",service="x"' },
        }),
      );
    };
    const resolver = createEntrypointResolver({ fetch: fake, allowPrivate: () => true });
    await expect(
      resolver.resolve("registry.example.com/app:1", [secret("registry.example.com")]),
    ).rejects.toThrow(/not HTTPS on its own domain/);
    expect(seen.some((s) => s.includes("collector.example.net"))).toBe(false);
    expect(seen.join("\n")).not.toContain("Basic");
  });

  it("refuses a registry on a private or link-local address before any request", async () => {
    let requests = 0;
    const resolver = createEntrypointResolver({
      fetch: () => {
        requests++;
        return Promise.resolve(new Response("{}"));
      },
    });
    for (const image of ["10.0.0.5/app:1", "169.254.169.254/latest:1", "[fd00::1]:5000/app:1"]) {
      await expect(resolver.resolve(image, [])).rejects.toThrow(/private or link-local/);
    }
    expect(requests).toBe(0);
  });

  it.each([
    ["10.1.2.3", true],
    ["172.16.0.1", true],
    ["172.32.0.1", false],
    ["192.168.1.1", true],
    ["169.254.169.254", true],
    ["127.0.0.1", true],
    ["100.64.0.1", true],
    ["20.50.2.3", false],
    ["::1", true],
    ["fd12::1", true],
    ["fe80::1", true],
    ["2603:1030::1", false],
    ["::ffff:10.0.0.1", true],
  ])("isPrivateAddress(%s) = %s", (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });

  it.each([
    ["auth.docker.io", "registry-1.docker.io", true],
    ["ghcr.io", "ghcr.io", true],
    ["evil.example.net", "myacr.azurecr.io", false],
  ])("sameDomain(%s, %s) = %s", (a, b, expected) => {
    expect(sameDomain(a, b)).toBe(expected);
  });
});
