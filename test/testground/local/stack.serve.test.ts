/**
 * `npm start -- --serve` as a real process (the compiled CLI, dist/testground/local/main.js: `npm test` builds first)
 * against the API fake: one `ready:` line once the node is Ready and the kubelet endpoint listens; the Node
 * registered with InternalIP = --node-address and the endpoint's port; `GET /containerLogs/…` over HTTPS with
 * a client certificate the fake's CA signed (obtained through the fake's CSR API, as a real client would);
 * metrics-server-style scrapes with bearer tokens (allowed 200 — the token the `kubectl:` hint line names —,
 * not allowed 403, anonymous 401); the kubeconfig for kubectl written to .local/kubeconfig by default; one
 * SIGINT exits 0. kubectl itself through the fake: stack.kubectl.test.ts.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as https from "node:https";
import { webcrypto } from "node:crypto";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { METRICS_SERVER_USER } from "../../../testground/local/stack.js";

const ROOT = join(__dirname, "..", "..", "..");
const ENTRY = join(ROOT, "dist", "testground", "local", "main.js");
const NODE = "virtual-kubelet-aci-connector-linux-westus";

let child: ChildProcess | undefined;
afterAll(() => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
});

interface Reply {
  status: number;
  body: string;
}

function get(url: string, opts: { token?: string; cert?: string; key?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      url,
      {
        rejectUnauthorized: false, // the test checks the endpoint's behaviour, not its certificate chain
        ...(opts.cert ? { cert: opts.cert, key: opts.key } : {}),
        headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
  });
}

async function kubeJson<T>(api: string, method: string, path: string, body?: unknown): Promise<T> {
  const r = await fetch(api + path, {
    method,
    headers: { authorization: "Bearer kube-fake-token-admin", "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

/** A client certificate (CN=kube-apiserver-kubelet-client, O=system:masters) signed by the fake's CA via its CSR API. */
async function clientCertificate(api: string): Promise<{ cert: string; key: string }> {
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  x509.cryptoProvider.set(webcrypto);
  const keys = await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"]);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: "CN=kube-apiserver-kubelet-client, O=system:masters",
    keys,
    signingAlgorithm: alg,
  });
  const name = "test-kubelet-client";
  const base = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
  const created = await kubeJson<Record<string, unknown>>(api, "POST", base, {
    apiVersion: "certificates.k8s.io/v1",
    kind: "CertificateSigningRequest",
    metadata: { name },
    spec: {
      request: Buffer.from(csr.toString("pem")).toString("base64"),
      signerName: "kubernetes.io/kube-apiserver-client",
      usages: ["digital signature", "client auth"],
    },
  });
  await kubeJson(api, "PUT", `${base}/${name}/approval`, {
    ...created,
    status: { conditions: [{ type: "Approved", status: "True", reason: "Test", message: "" }] },
  });
  let certB64 = "";
  await expect
    .poll(async () => {
      certB64 =
        (await kubeJson<{ status?: { certificate?: string } }>(api, "GET", `${base}/${name}`)).status
          ?.certificate ?? "";
      return certB64;
    })
    .not.toBe("");
  const der = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey);
  return {
    cert: Buffer.from(certB64, "base64").toString("utf8"),
    key: x509.PemConverter.encode(der, "PRIVATE KEY"),
  };
}

describe.skipIf(!existsSync(ENTRY))("npm start -- --serve (API fake)", () => {
  it("serves the kubelet endpoint until one Ctrl+C, with the node pointing at it", async () => {
    let out = "";
    child = spawn(process.execPath, [ENTRY, "--serve", "--fast", "--node-address", "127.0.0.1"], {
      cwd: ROOT,
      // Not the developer's shell: a KUBECONFIG or Azure setting must not reach real backends.
      env: { PATH: process.env.PATH ?? "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.setEncoding("utf8");
    child.stderr!.setEncoding("utf8");
    child.stdout!.on("data", (c: string) => (out += c));
    child.stderr!.on("data", (c: string) => (out += c));
    const exited = new Promise<number | null>((resolve) => child!.on("exit", (code) => resolve(code)));

    await expect.poll(() => /^ready: .*$/m.exec(out)?.[0], { timeout: 60_000, interval: 200 }).toBeDefined();
    const ready = /^ready: node (\S+) kubelet https:\/\/127\.0\.0\.1:(\d+)$/m.exec(out);
    expect(ready?.[1]).toBe(NODE);
    const port = Number(ready?.[2]);
    const url = `https://127.0.0.1:${port}`;
    const api = /Kubernetes API fake listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1] ?? "";

    // The Node as the heartbeat registered it: where the API server will call the endpoint.
    const node = await kubeJson<{
      status: { addresses: Array<{ type: string; address: string }>; daemonEndpoints: unknown };
    }>(api, "GET", `/api/v1/nodes/${NODE}`);
    expect(node.status.addresses).toContainEqual({ type: "InternalIP", address: "127.0.0.1" });
    expect(node.status.daemonEndpoints).toEqual({ kubeletEndpoint: { Port: port } });

    // kubectl logs: the API server's path, with a client certificate from the cluster CA.
    let pod = "";
    await expect
      .poll(
        async () => {
          const pods = await kubeJson<{
            items: Array<{ metadata: { name: string }; status: { phase?: string } }>;
          }>(api, "GET", "/api/v1/namespaces/default/pods");
          pod = pods.items.find((p) => p.status.phase === "Running")?.metadata.name ?? "";
          return pod;
        },
        { timeout: 30_000, interval: 250 },
      )
      .not.toBe("");
    const client = await clientCertificate(api);
    const logs = await get(`${url}/containerLogs/default/${pod}/aci-helloworld`, client);
    expect(logs.status).toBe(200);
    expect(logs.body).toContain("[aci-sim] aci-helloworld started");
    expect((await get(`${url}/containerLogs/default/${pod}/aci-helloworld`)).status).toBe(401);

    // The hint line after `ready:`: the default kubeconfig (relative to the working directory) for the
    // fake's kubectl user, and the metrics-server token.
    const hint = /^kubectl: kubectl --kubeconfig (\S+) get pods -A .*metrics-server token: (\S+)\)$/m.exec(
      out,
    );
    expect(hint?.[1]).toBe(join(".local", "kubeconfig"));
    const written = readFileSync(join(ROOT, ".local", "kubeconfig"), "utf8");
    expect(written).toContain(`server: ${api}`);
    expect(written).toContain('token: "kube-fake-token-kubectl"');

    // metrics-server-style scrapes.
    const allowed = hint?.[2] ?? "";
    expect(allowed).toBe(`kube-fake-token-${METRICS_SERVER_USER}`);
    const metrics = await get(`${url}/metrics/resource`, { token: allowed });
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain("scrape_error");
    const summary = await get(`${url}/stats/summary`, { token: allowed });
    expect(summary.status).toBe(200);
    expect((JSON.parse(summary.body) as { node: { nodeName: string } }).node.nodeName).toBe(NODE);
    expect((await get(`${url}/metrics/resource`, { token: "kube-fake-token-jane" })).status).toBe(403);
    expect((await get(`${url}/stats/summary`, { token: "kube-fake-token-jane" })).status).toBe(403);
    expect((await get(`${url}/metrics/resource`)).status).toBe(401);

    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(out.match(/^ready: /gm)).toHaveLength(1);
    expect(out.match(/^kubectl: /gm)).toHaveLength(1);
    expect(out).toContain("OK: deleted cleanly");
  }, 120_000);
});
