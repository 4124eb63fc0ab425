/**
 * The Kubernetes API fake's certificate authority (test-only), made at start with @peculiar/x509 over
 * WebCrypto: what a real control plane's cluster CA does for the bridge — it is the client CA the fake
 * publishes in `kube-system/extension-apiserver-authentication` (`client-ca-file`), it signs approved
 * CertificateSigningRequests (certificates.ts), and it issues client certificates for tests and for the
 * fake's own kubelet client (CN `kube-apiserver-kubelet-client`, O `system:masters`, as kubeadm's).
 */
import "reflect-metadata"; // tsyringe inside @peculiar/x509 needs it first
import * as x509 from "@peculiar/x509";
import { randomBytes, webcrypto } from "node:crypto";

x509.cryptoProvider.set(webcrypto);

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY_MS = 24 * 3600_000;

export interface IssuedPair {
  cert: string;
  key: string;
}

export interface SignOptions {
  /** `spec.usages` of the CSR: `server auth` / `client auth` become extended key usages. */
  usages: readonly string[];
  notBefore: Date;
  notAfter: Date;
}

const serial = () => `01${randomBytes(8).toString("hex")}`;

async function pkcs8Pem(key: webcrypto.CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey("pkcs8", key), "PRIVATE KEY");
}

export class FakeCa {
  private constructor(
    private readonly cert: x509.X509Certificate,
    private readonly keys: webcrypto.CryptoKeyPair,
  ) {}

  static async create(name = "kube-fake-ca", now = new Date()): Promise<FakeCa> {
    const keys = await webcrypto.subtle.generateKey(ALG, false, ["sign", "verify"]);
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial(),
      name: `CN=${name}`,
      notBefore: new Date(now.getTime() - 60_000),
      notAfter: new Date(now.getTime() + 3650 * DAY_MS),
      keys,
      signingAlgorithm: ALG,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.digitalSignature,
          true,
        ),
      ],
    });
    return new FakeCa(cert, keys);
  }

  /** The CA certificate (PEM). */
  get certPem(): string {
    return this.cert.toString("pem");
  }

  /** Signs a PKCS #10 request: subject and SANs from the request, usages from the CSR's spec. */
  async sign(requestPem: string, o: SignOptions): Promise<string> {
    const request = new x509.Pkcs10CertificateRequest(requestPem);
    if (!(await request.verify())) throw new Error("the request's signature does not verify");
    const san = request.extensions.find((e) => e instanceof x509.SubjectAlternativeNameExtension);
    return this.issueFor(request.subject, request.publicKey, o, san ? [san] : []);
  }

  /** A new key and certificate for `subject` (e.g. `CN=jane, O=devs`). */
  async issue(subject: string, usage: "client" | "server", validityMs = 365 * DAY_MS): Promise<IssuedPair> {
    const keys = await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"]);
    const now = Date.now();
    const cert = await this.issueFor(subject, keys.publicKey, {
      usages: ["digital signature", usage === "client" ? "client auth" : "server auth"],
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + validityMs),
    });
    return { cert, key: await pkcs8Pem(keys.privateKey) };
  }

  private async issueFor(
    subject: string,
    publicKey: x509.PublicKey | webcrypto.CryptoKey,
    o: SignOptions,
    extra: x509.Extension[] = [],
  ): Promise<string> {
    const eku: string[] = [];
    if (o.usages.includes("server auth")) eku.push(x509.ExtendedKeyUsage.serverAuth);
    if (o.usages.includes("client auth")) eku.push(x509.ExtendedKeyUsage.clientAuth);
    let flags = 0;
    if (o.usages.includes("digital signature")) flags |= x509.KeyUsageFlags.digitalSignature;
    if (o.usages.includes("key encipherment")) flags |= x509.KeyUsageFlags.keyEncipherment;
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject,
      issuer: this.cert.subject,
      notBefore: o.notBefore,
      notAfter: o.notAfter,
      signingAlgorithm: ALG,
      publicKey,
      signingKey: this.keys.privateKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        ...(flags ? [new x509.KeyUsagesExtension(flags, true)] : []),
        ...(eku.length ? [new x509.ExtendedKeyUsageExtension(eku)] : []),
        ...extra,
      ],
    });
    return cert.toString("pem");
  }
}
