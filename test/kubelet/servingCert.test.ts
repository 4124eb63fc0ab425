/**
 * The kubelet endpoint's serving certificate: the CSR it sends (decoded with @peculiar/x509), waiting for
 * the approval and the signer through the Kubernetes API fake over HTTP, refusal, the self-signed fallback,
 * rotation swapping the TLS context of a running server, and the client CA from the ConfigMap.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import * as tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServingCertRotation } from "../../lib/kubelet/certRotation.js";
import { readClusterClientCa } from "../../lib/kubelet/clientCa.js";
import { startKubeletServer } from "../../lib/kubelet/server.js";
import {
  CsrPendingError,
  CsrRefusedError,
  kubeCsrApi,
  newServingRequest,
  requestServingCertificate,
  rotationTime,
  selfSignedServingCertificate,
  servingCsrObject,
} from "../../lib/kubelet/servingCert.js";
import { KubeletAuth } from "../../lib/kubelet/auth.js";
import { memoryLogger } from "../../lib/log.js";
import { issueUntilApproved } from "../../lib/kubelet/tlsSource.js";
import type { KubeConnection } from "../../lib/kube/http/connection.js";
import { startKubeFake, type KubeFake } from "../../testground/sim/kube/index.js";
import { kubeletServingProblem } from "../../testground/sim/kube/certificates.js";

const NODE = "vn-1";
const ID = { nodeName: NODE, address: "127.0.0.1", dnsNames: [NODE] };
let kube: KubeFake;
let conn: KubeConnection;

beforeAll(async () => {
  kube = await startKubeFake();
  conn = {
    server: kube.url,
    requestOptions: () => Promise.resolve({ headers: { authorization: "Bearer kube-fake-token-admin" } }),
  };
});
afterAll(() => kube.close());

const fast = { pollMs: 20 };

describe("the kubelet-serving CSR", () => {
  it("asks for CN system:node:<node>, O system:nodes, the IP and DNS SANs, digital signature + server auth", async () => {
    const { requestPem } = await newServingRequest(ID);
    const req = new x509.Pkcs10CertificateRequest(requestPem);
    expect(await req.verify()).toBe(true);
    expect(req.subject).toBe("CN=system:node:vn-1, O=system:nodes");
    const san = req.extensions.find((e) => e instanceof x509.SubjectAlternativeNameExtension);
    expect(san?.names.toJSON()).toEqual([
      { type: "ip", value: "127.0.0.1" },
      { type: "dns", value: "vn-1" },
    ]);
    const obj = servingCsrObject("x", requestPem) as { spec: Record<string, unknown> };
    expect(obj.spec.signerName).toBe("kubernetes.io/kubelet-serving");
    expect(obj.spec.usages).toEqual(["digital signature", "server auth"]);
    // What kube's signer checks for this signer (the fake implements helpers.go's rules).
    expect(kubeletServingProblem(requestPem, obj.spec.usages as string[])).toBeUndefined();
    expect(kubeletServingProblem(requestPem, ["server auth"])).toMatch(/usages did not match/);
  });

  it("waits for the approval and returns the certificate the signer issued", async () => {
    const lines: string[] = [];
    const pending = requestServingCertificate(ID, {
      api: kubeCsrApi(conn),
      timeoutMs: 10_000,
      ...fast,
      progress: (l) => lines.push(l),
    });
    await expect.poll(() => lines.length).toBe(1);
    const name = /CSR (\S+) to be approved/.exec(lines[0]!)?.[1] ?? "";
    expect(lines[0]).toBe(
      `waiting for the kubelet-serving CSR ${name} to be approved (kubectl certificate approve ${name})`,
    );
    expect(kube.get("certificatesigningrequests", undefined, name)?.status?.certificate).toBeUndefined();
    kube.approveCsr(name);
    const cert = await pending;
    expect(cert.source).toBe("csr");
    expect(cert.csrName).toBe(name);
    const issued = new x509.X509Certificate(cert.cert);
    expect(issued.issuer).toBe("CN=kube-fake-ca");
    expect(issued.subject).toBe("CN=system:node:vn-1, O=system:nodes");
    expect(await issued.verify({ publicKey: new x509.X509Certificate(kube.ca.certPem).publicKey })).toBe(
      true,
    );
    // The key matches the certificate: a TLS server accepts the pair.
    expect(() => tls.createSecureContext({ cert: cert.cert, key: cert.key })).not.toThrow();
  });

  it("gives up after the timeout with the pending CSR, and reports a denial", async () => {
    const api = kubeCsrApi(conn);
    const timeout = requestServingCertificate(ID, { api, timeoutMs: 150, ...fast });
    await expect(timeout).rejects.toBeInstanceOf(CsrPendingError);
    const e = (await timeout.catch((x: unknown) => x)) as CsrPendingError;
    expect(e.message).toContain(`kubectl certificate approve ${e.pending.name}`);

    const lines: string[] = [];
    const denied = requestServingCertificate(ID, {
      api,
      timeoutMs: 10_000,
      ...fast,
      progress: (l) => lines.push(l),
    });
    await expect.poll(() => lines.length).toBe(1);
    kube.denyCsr(/CSR (\S+) to be/.exec(lines[0]!)![1]!);
    await expect(denied).rejects.toBeInstanceOf(CsrRefusedError);
  });
});

describe("csr mode (the watcher): waiting as long as it takes, never self-signed", () => {
  it("replaces a denied CSR with a new one and returns once that one is approved", async () => {
    const logger = memoryLogger();
    const names = () =>
      logger.lines.filter((l) => l.event === "kubelet.cert.pending").map((l) => String(l.fields.csr));
    const issued = issueUntilApproved(ID, {
      api: kubeCsrApi(conn),
      logger,
      signal: new AbortController().signal,
      pollMs: 20,
      retryMs: 50,
    });
    await expect.poll(() => names().length).toBe(1);
    kube.denyCsr(names()[0]!);
    await expect.poll(() => names().length).toBe(2);
    expect(logger.events()).toContain("kubelet.cert.refused");
    kube.approveCsr(names()[1]!);
    const cert = await issued;
    expect(cert).toMatchObject({ source: "csr", csrName: names()[1] });
    expect(logger.events().at(-1)).toBe("kubelet.cert.issued");
  });
});

describe("self-signed fallback and rotation", () => {
  it("a self-signed certificate names the node address and serves TLS", async () => {
    const c = await selfSignedServingCertificate(ID, 3600_000);
    const cert = new x509.X509Certificate(c.cert);
    expect(c.source).toBe("self-signed");
    expect(cert.subject).toBe(cert.issuer);
    const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
    expect(san?.names.toJSON()).toContainEqual({ type: "ip", value: "127.0.0.1" });
    expect(rotationTime(c)).toBeCloseTo(
      c.notBefore.getTime() + 0.8 * (c.notAfter.getTime() - c.notBefore.getTime()),
    );
  });

  it("swaps the running server's certificate at 80 % of the validity, without a restart", async () => {
    const first = await selfSignedServingCertificate(ID, 3600_000);
    const logger = memoryLogger();
    const server = await startKubeletServer(
      { port: 0, host: "127.0.0.1", tls: { cert: first.cert, key: first.key } },
      {
        clusterName: "c",
        nodeNames: [NODE],
        aci: { getGroup: () => Promise.resolve(undefined) } as never,
        auth: new KubeletAuth({} as never, NODE),
        logger,
      },
    );
    const presented = () =>
      new Promise<string>((resolve, reject) => {
        const s = tls.connect({ host: "127.0.0.1", port: server.port, rejectUnauthorized: false }, () => {
          resolve(s.getPeerX509Certificate()?.serialNumber ?? "");
          s.end();
        });
        s.on("error", reject);
      });
    const serial = (pem: string) => new x509.X509Certificate(pem).serialNumber.toUpperCase();
    expect(await presented()).toBe(serial(first.cert));
    let offset = 0.9 * 3600_000; // past 80 %
    const next = await selfSignedServingCertificate(ID, 3600_000);
    const rotation = new ServingCertRotation({
      current: first,
      renew: () => {
        offset = 0;
        return Promise.resolve(next);
      },
      apply: (c) => server.setTls({ cert: c.cert, key: c.key }),
      logger,
      node: NODE,
      now: () => Date.now() + offset,
    });
    const attempt = rotation.nextAttempt();
    rotation.start();
    await attempt;
    rotation.stop();
    expect(await presented()).toBe(serial(next.cert));
    expect(logger.events()).toContain("kubelet.cert.rotated");
    await server.close();
  });
});

describe("the client CA", () => {
  it("is the fake CA from kube-system/extension-apiserver-authentication", async () => {
    expect(await readClusterClientCa(conn)).toBe(kube.ca.certPem);
  });
});
