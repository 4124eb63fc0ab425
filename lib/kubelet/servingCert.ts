/**
 * The kubelet endpoint's serving certificate, obtained as a kubelet does with `--rotate-server-certificates`:
 * a new key and a `certificates.k8s.io/v1` CertificateSigningRequest with `signerName:
 * kubernetes.io/kubelet-serving`, subject `CN=system:node:<node>, O=system:nodes`, the node's address (IP)
 * and DNS names as SANs, usages `digital signature` + `server auth`. Those are what the API server's signer
 * accepts for that signer (kubernetes pkg/apis/certificates/v1/helpers.go `ValidateKubeletServingCSR`: O
 * exactly `system:nodes`, CN prefixed `system:node:`, at least one DNS or IP SAN, no email or URI SANs;
 * `key encipherment` is required only for RSA keys, and this key is ECDSA P-256). Someone (an approver
 * controller or `kubectl certificate approve`) approves it; the controller-manager's signer then writes
 * `status.certificate`. Also: a self-signed certificate for the local stack when no one approves (the API
 * server does not verify kubelet serving certificates unless `--kubelet-certificate-authority` is set).
 *
 * Keys and certificates are made with @peculiar/x509 over Node's WebCrypto (Node has no API to create a
 * certificate or a PKCS #10 request).
 */
import "reflect-metadata"; // tsyringe, used inside @peculiar/x509, needs the Reflect metadata polyfill first
import * as x509 from "@peculiar/x509";
import { createHash, randomBytes, webcrypto } from "node:crypto";
import { isIP } from "node:net";
import { mapKubeHttpError } from "../kube/errors.js";
import type { KubeConnection } from "../kube/http/connection.js";
import { callJson } from "../kube/http/transport.js";
import { NotFoundError, ConflictError } from "../errors.js";

x509.cryptoProvider.set(webcrypto);

export const KUBELET_SERVING_SIGNER = "kubernetes.io/kubelet-serving";
/** For an ECDSA key; an RSA key would also need `key encipherment` (helpers.go). */
export const KUBELET_SERVING_USAGES = ["digital signature", "server auth"] as const;
/** Like the kubelet's certificate manager: a new certificate once this share of the validity has passed. */
export const ROTATE_AT_FRACTION = 0.8;

const KEY_ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

export interface ServingIdentity {
  nodeName: string;
  /** The Node's InternalIP: the IP SAN the API server dials. */
  address: string;
  /** Extra DNS SANs (e.g. the node name). */
  dnsNames?: readonly string[];
}

export interface ServingCertificate {
  /** PEM certificate (chain) and PKCS #8 key. */
  cert: string;
  key: string;
  notBefore: Date;
  notAfter: Date;
  source: "csr" | "self-signed" | "files";
  /** The CSR it came from (source `csr`). */
  csrName?: string;
}

/** A new key pair and the PEM request for it. */
export async function newServingRequest(
  id: ServingIdentity,
): Promise<{ keyPem: string; requestPem: string }> {
  const keys = await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ["sign", "verify"]);
  const request = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subjectOf(id.nodeName),
    keys,
    signingAlgorithm: KEY_ALGORITHM,
    extensions: [sanExtension(id)],
  });
  return { keyPem: await keyPem(keys.privateKey), requestPem: request.toString("pem") };
}

/** A deterministic name per request: re-creating the same request finds the same CSR. */
export function servingCsrName(nodeName: string, requestPem: string): string {
  const hash = createHash("sha256").update(requestPem).digest("hex").slice(0, 10);
  const base = nodeName
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, "-")
    .slice(0, 40)
    .replace(/[.-]+$/, ""); // a DNS subdomain: no "-." or ".-" where the hash is appended
  return `aci-bridge-serving-${base}-${hash}`;
}

/** The CertificateSigningRequest object (certificates.k8s.io/v1). */
export function servingCsrObject(name: string, requestPem: string, expirationSeconds?: number): unknown {
  return {
    apiVersion: "certificates.k8s.io/v1",
    kind: "CertificateSigningRequest",
    metadata: { name, labels: { "app.kubernetes.io/managed-by": "aci-bridge" } },
    spec: {
      request: Buffer.from(requestPem, "utf8").toString("base64"),
      signerName: KUBELET_SERVING_SIGNER,
      usages: [...KUBELET_SERVING_USAGES],
      ...(expirationSeconds !== undefined ? { expirationSeconds } : {}),
    },
  };
}

export type CsrState =
  | { kind: "issued"; certificatePem: string }
  | { kind: "denied" | "failed"; message: string }
  | { kind: "pending"; approved: boolean };

/** What a CSR object says: issued (status.certificate), denied or failed (conditions), else pending. */
export function csrState(obj: unknown): CsrState {
  const status = (obj as { status?: { certificate?: unknown; conditions?: unknown } } | undefined)?.status;
  const conditions = Array.isArray(status?.conditions)
    ? (status.conditions as Array<{ type?: string; status?: string; reason?: string; message?: string }>)
    : [];
  const condition = (type: string) => conditions.find((c) => c.type === type && c.status !== "False");
  const failed = condition("Denied") ?? condition("Failed");
  if (failed) {
    return {
      kind: failed.type === "Denied" ? "denied" : "failed",
      message: [failed.reason, failed.message].filter(Boolean).join(": ") || String(failed.type),
    };
  }
  if (typeof status?.certificate === "string" && status.certificate !== "") {
    return { kind: "issued", certificatePem: Buffer.from(status.certificate, "base64").toString("utf8") };
  }
  return { kind: "pending", approved: condition("Approved") !== undefined };
}

/** The two CSR calls, over the project's HTTP client. */
export interface CsrApi {
  /** Creates the CSR; one that already exists (same name, so the same request) is not an error. */
  create(obj: unknown): Promise<void>;
  get(name: string): Promise<unknown>;
}

export function kubeCsrApi(conn: KubeConnection): CsrApi {
  const base = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
  return {
    async create(obj) {
      try {
        await callJson(conn, "POST", base, "create certificatesigningrequest", obj);
      } catch (error) {
        const mapped = mapKubeHttpError(error, "create certificatesigningrequest");
        if (!(mapped instanceof ConflictError)) throw mapped;
      }
    },
    async get(name) {
      try {
        return await callJson(
          conn,
          "GET",
          `${base}/${encodeURIComponent(name)}`,
          "get certificatesigningrequest",
        );
      } catch (error) {
        throw mapKubeHttpError(error, "get certificatesigningrequest");
      }
    },
  };
}

/** The CSR was denied or failed (terminal: a new request is needed). */
export class CsrRefusedError extends Error {
  override name = "CsrRefusedError";
  constructor(
    readonly csrName: string,
    readonly state: "denied" | "failed",
    detail: string,
  ) {
    super(`the kubelet-serving CSR ${csrName} was ${state}: ${detail}`);
  }
}

/** Not issued in time; `pending` lets the caller keep waiting for the same CSR. */
export class CsrPendingError extends Error {
  override name = "CsrPendingError";
  constructor(
    readonly pending: PendingCsr,
    timeoutMs: number,
  ) {
    super(
      `the kubelet-serving CSR ${pending.name} was not issued within ${Math.round(timeoutMs / 1000)} s (approve it: kubectl certificate approve ${pending.name})`,
    );
  }
}

export interface PendingCsr {
  name: string;
  keyPem: string;
}

export interface CsrWaitOptions {
  api: CsrApi;
  /** How long to wait for `status.certificate`; `Infinity` waits until `signal` aborts. */
  timeoutMs: number;
  pollMs?: number;
  /** One line when the wait starts (the local stack prints it). */
  progress?: (line: string) => void;
  signal?: AbortSignal;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  expirationSeconds?: number;
}

/** Creates a new key and CSR and waits (bounded) for the certificate. */
export async function requestServingCertificate(
  id: ServingIdentity,
  o: CsrWaitOptions,
): Promise<ServingCertificate> {
  const { keyPem, requestPem } = await newServingRequest(id);
  const name = servingCsrName(id.nodeName, requestPem);
  await o.api.create(servingCsrObject(name, requestPem, o.expirationSeconds));
  o.progress?.(
    `waiting for the kubelet-serving CSR ${name} to be approved (kubectl certificate approve ${name})`,
  );
  return awaitServingCertificate({ name, keyPem }, o);
}

/** Polls a created CSR until it is issued, refused, or the time is up. */
export async function awaitServingCertificate(
  pending: PendingCsr,
  o: CsrWaitOptions,
): Promise<ServingCertificate> {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = now() + o.timeoutMs;
  for (;;) {
    let obj: unknown;
    try {
      obj = await o.api.get(pending.name);
    } catch (error) {
      // Someone deleted it (or a garbage collector did, after an hour unapproved): it can never be issued.
      if (error instanceof NotFoundError) throw new CsrRefusedError(pending.name, "failed", "it was deleted");
      throw error;
    }
    const state = csrState(obj);
    if (state.kind === "issued") {
      const validity = certificateValidity(state.certificatePem);
      return {
        cert: state.certificatePem,
        key: pending.keyPem,
        ...validity,
        source: "csr",
        csrName: pending.name,
      };
    }
    if (state.kind !== "pending") throw new CsrRefusedError(pending.name, state.kind, state.message);
    if (o.signal?.aborted || now() >= deadline) throw new CsrPendingError(pending, o.timeoutMs);
    await sleep(Math.min(o.pollMs ?? 1000, Math.max(0, deadline - now())));
  }
}

/** A self-signed serving certificate for the node address (local stack fallback). */
export async function selfSignedServingCertificate(
  id: ServingIdentity,
  validityMs = 365 * 24 * 3600_000,
  now = Date.now(),
): Promise<ServingCertificate> {
  const keys = await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ["sign", "verify"]);
  const notBefore = new Date(now - 60_000);
  const notAfter = new Date(now + validityMs);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(8)
      .toString("hex")
      .replace(/^[89a-f]/, "1"),
    name: subjectOf(id.nodeName),
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: KEY_ALGORITHM,
    extensions: [
      sanExtension(id),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.BasicConstraintsExtension(false, undefined, true),
    ],
  });
  return {
    cert: cert.toString("pem"),
    key: await keyPem(keys.privateKey),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    source: "self-signed",
  };
}

/** notBefore/notAfter of the first certificate in a PEM chain. */
export function certificateValidity(pem: string): { notBefore: Date; notAfter: Date } {
  const cert = new x509.X509Certificate(firstPem(pem));
  return { notBefore: cert.notBefore, notAfter: cert.notAfter };
}

/** When to ask for the next certificate: at `ROTATE_AT_FRACTION` of the validity (epoch ms). */
export function rotationTime(cert: Pick<ServingCertificate, "notBefore" | "notAfter">): number {
  const from = cert.notBefore.getTime();
  return from + ROTATE_AT_FRACTION * (cert.notAfter.getTime() - from);
}

function subjectOf(nodeName: string): string {
  // RFC 4514 escaping: node names are DNS subdomains, but keep the subject well-formed whatever they hold.
  const esc = (v: string) => v.replace(/([,+"\\<>;=])/g, "\\$1");
  return `CN=${esc(`system:node:${nodeName}`)}, O=system:nodes`;
}

function sanExtension(id: ServingIdentity): x509.SubjectAlternativeNameExtension {
  const names: x509.JsonGeneralName[] = [];
  if (isIP(id.address)) names.push({ type: "ip", value: id.address });
  else names.push({ type: "dns", value: id.address });
  for (const dns of id.dnsNames ?? []) if (dns && dns !== id.address) names.push({ type: "dns", value: dns });
  return new x509.SubjectAlternativeNameExtension(names);
}

async function keyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey("pkcs8", key);
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

function firstPem(pem: string): string {
  const m = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem);
  if (!m) throw new Error("not a PEM certificate");
  return m[0];
}
