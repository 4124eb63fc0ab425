/**
 * CertificateSigningRequests in the Kubernetes API fake (test-only): the `approval` subresource (what
 * `kubectl certificate approve|deny` PUTs), an optional auto-approver for `kubernetes.io/kubelet-serving`
 * (like kubelet-csr-approver; off unless asked), and the controller-manager's signer: an approved CSR is
 * checked as kube's `ValidateKubeletServingCSR` (pkg/apis/certificates/v1/helpers.go) does for that signer
 * and signed by the fake's CA (ca.ts) into `status.certificate`, or gets a `Failed` condition. Signing
 * happens asynchronously, after the write that approved it, as in a real cluster.
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment -- the fake edits untyped JSON documents */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { formatTime } from "./admission";
import type { FakeCa } from "./ca";
import { badRequest } from "./errors";
import { type AnyObject, resourceDef } from "./resources";
import type { KubeStore } from "./store";

export const KUBELET_SERVING = "kubernetes.io/kubelet-serving";
const DEFAULT_DURATION_S = 365 * 24 * 3600;

export interface CsrControllerOptions {
  ca: FakeCa;
  store: KubeStore;
  now: () => Date;
  /** Approve kubelet-serving CSRs after this many ms; `false` (default): someone must approve them. */
  autoApproveKubeletServingMs?: number | false;
}

/** Why kube's signer would refuse this kubelet-serving request; undefined when it is acceptable. */
export function kubeletServingProblem(requestPem: string, usages: readonly string[]): string | undefined {
  let req: x509.Pkcs10CertificateRequest;
  try {
    req = new x509.Pkcs10CertificateRequest(requestPem);
  } catch {
    return "the request is not a PEM certificate request";
  }
  const parts = req.subjectName.toJSON();
  const values = (type: string) => parts.flatMap((rdn) => rdn[type] ?? []);
  const orgs = values("O");
  const cn = values("CN")[0] ?? "";
  if (orgs.length !== 1 || orgs[0] !== "system:nodes") return "subject organization is not system:nodes";
  const san = req.extensions.find((e) => e instanceof x509.SubjectAlternativeNameExtension);
  const names = san?.names.toJSON() ?? [];
  if (!names.some((n) => n.type === "dns" || n.type === "ip")) return "DNS or IP subjectAltName is required";
  if (names.some((n) => n.type === "email")) return "Email subjectAltNames are not allowed";
  if (names.some((n) => n.type === "url")) return "URI subjectAltNames are not allowed";
  const set = [...new Set(usages)].sort().join(",");
  const alg = (req.publicKey.algorithm as { name?: unknown }).name;
  const rsa = typeof alg === "string" && alg.startsWith("RSA");
  const ok = ["digital signature,key encipherment,server auth"];
  if (!rsa) ok.push("digital signature,server auth");
  if (!ok.includes(set)) return `usages did not match [${ok[0]!.split(",").join(" ")}]`;
  if (!cn.startsWith("system:node:")) return "subject common name does not begin with system:node:";
  return undefined;
}

export class FakeCsrController {
  private readonly def = resourceDef("certificatesigningrequests");
  private readonly timers = new Set<NodeJS.Timeout>();
  private unsubscribe: (() => void) | undefined;
  private readonly signing = new Set<string>();

  constructor(private readonly o: CsrControllerOptions) {}

  start(): void {
    const sub = this.o.store.watch(
      this.def,
      {},
      {
        send: (type, obj) => {
          if (type === "ADDED" || type === "MODIFIED") this.later(0, () => this.observe(obj));
        },
      },
    );
    if (typeof sub === "function") this.unsubscribe = sub;
  }

  close(): void {
    this.unsubscribe?.();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** `kubectl certificate approve|deny <name>`: adds the condition (the approval subresource). */
  setApproval(name: string, type: "Approved" | "Denied", reason = "KubectlApprove", message = ""): AnyObject {
    const current = this.o.store.get(this.def, undefined, name);
    const conditions: AnyObject[] = [...(current.status?.conditions ?? [])];
    if (conditions.some((c) => c.type === "Approved" || c.type === "Denied")) {
      if (conditions.some((c) => c.type === type)) return current;
      throw badRequest(
        `CertificateSigningRequest "${name}": Approved and Denied conditions are mutually exclusive`,
      );
    }
    const at = formatTime(this.o.now());
    conditions.push({ type, status: "True", reason, message, lastUpdateTime: at, lastTransitionTime: at });
    return this.writeStatus(current, { ...((current.status as AnyObject | undefined) ?? {}), conditions });
  }

  /** The `approval` subresource's PUT: only Approved/Denied conditions are taken from the body. */
  putApproval(name: string, body: AnyObject): AnyObject {
    const wanted = ((body.status?.conditions ?? []) as AnyObject[]).find(
      (c) => (c.type === "Approved" || c.type === "Denied") && c.status === "True",
    );
    if (!wanted) return this.o.store.get(this.def, undefined, name);
    return this.setApproval(
      name,
      wanted.type as "Approved" | "Denied",
      String(wanted.reason ?? ""),
      String(wanted.message ?? ""),
    );
  }

  private observe(obj: AnyObject): void {
    const name = String(obj.metadata?.name ?? "");
    const conditions = (obj.status?.conditions ?? []) as AnyObject[];
    const has = (t: string) => conditions.some((c) => c.type === t && c.status === "True");
    if (has("Denied") || has("Failed") || obj.status?.certificate) return;
    if (!has("Approved")) {
      const delay = this.o.autoApproveKubeletServingMs;
      if (obj.spec?.signerName === KUBELET_SERVING && delay !== undefined && delay !== false) {
        this.later(delay, () => {
          try {
            this.setApproval(name, "Approved", "AutoApproved", "kube fake: kubelet-serving auto-approver");
          } catch {
            // deleted or decided meanwhile
          }
        });
      }
      return;
    }
    if (this.signing.has(name)) return;
    this.signing.add(name);
    void this.sign(obj).finally(() => this.signing.delete(name));
  }

  private async sign(obj: AnyObject): Promise<void> {
    const name = String(obj.metadata?.name ?? "");
    const requestPem = Buffer.from(String(obj.spec?.request ?? ""), "base64").toString("utf8");
    const usages = (obj.spec?.usages ?? []) as string[];
    const problem =
      obj.spec?.signerName === KUBELET_SERVING ? kubeletServingProblem(requestPem, usages) : undefined;
    let status: AnyObject;
    const current = (): AnyObject | undefined => {
      try {
        return this.o.store.get(this.def, undefined, name);
      } catch {
        return undefined;
      }
    };
    if (problem) {
      const at = formatTime(this.o.now());
      const cur = current();
      if (!cur) return;
      status = {
        ...(cur.status ?? {}),
        conditions: [
          ...(cur.status?.conditions ?? []),
          {
            type: "Failed",
            status: "True",
            reason: "SignerValidationFailure",
            message: problem,
            lastUpdateTime: at,
            lastTransitionTime: at,
          },
        ],
      };
      this.writeStatus(cur, status);
      return;
    }
    const now = this.o.now().getTime();
    const duration = Number(obj.spec?.expirationSeconds ?? DEFAULT_DURATION_S);
    const pem = await this.o.ca.sign(requestPem, {
      usages,
      // kube's signer backdates by 5 minutes (clock skew).
      notBefore: new Date(now - 5 * 60_000),
      notAfter: new Date(now + duration * 1000),
    });
    const cur = current();
    if (!cur) return;
    this.writeStatus(cur, {
      ...((cur.status as AnyObject | undefined) ?? {}),
      certificate: Buffer.from(pem).toString("base64"),
    });
  }

  private writeStatus(current: AnyObject, status: AnyObject): AnyObject {
    return this.o.store.update(
      this.def,
      undefined,
      String(current.metadata.name),
      { ...current, status },
      "status",
    );
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    t.unref();
    this.timers.add(t);
  }
}
