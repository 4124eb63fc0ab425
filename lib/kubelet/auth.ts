/**
 * Authentication and authorization of kubelet API requests, as a kubelet does them
 * (kubernetes pkg/kubelet/server/auth.go and the "Kubelet authentication/authorization" reference page):
 *
 * - a TLS client certificate that chains to the cluster's client CA: user = subject CN, groups = subject O
 *   (the API server presents its kubelet-client certificate);
 * - else a bearer token, checked with a TokenReview against the API server;
 * - else 401 `Unauthorized` (anonymous access is off, as `--anonymous-auth=false`).
 *
 * Then a SubjectAccessReview with verb from the HTTP method (POST create, GET get, PUT update, PATCH patch,
 * DELETE delete; anything else — HEAD included — the empty verb, exactly as auth.go), resource `nodes`,
 * name = the node, subresource `stats` for /stats/*, `metrics` for /metrics/*, `log` for /logs/*, and
 * `proxy` for everything else (containerLogs, exec, attach, portForward, healthz). Denied: 403
 * `Forbidden (user=…, verb=…, resource=nodes, subresource=…)`; a failed review: 500 `Authorization error
 * (…)`. Results are cached like the kubelet's webhook defaults: TokenReview 2 min, SAR allowed 5 min,
 * denied 30 s (a cache is an optimisation: a restart only costs one review more).
 */
import { createHash } from "node:crypto";
import type { TLSSocket } from "node:tls";
import type { IncomingMessage } from "node:http";

export interface UserInfo {
  name: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

export interface RequestAttributes {
  verb: string;
  resource: "nodes";
  subresource: "proxy" | "stats" | "metrics" | "log";
  name: string;
  path: string;
}

export type TokenReviewResult =
  { authenticated: true; user: UserInfo } | { authenticated: false; error?: string };

/** The two reviews the API server answers (authentication.k8s.io/v1, authorization.k8s.io/v1). */
export interface KubeReviews {
  tokenReview(token: string): Promise<TokenReviewResult>;
  subjectAccessReview(
    user: UserInfo,
    attrs: RequestAttributes,
  ): Promise<{ allowed: boolean; reason?: string }>;
}

export const TOKEN_REVIEW_TTL_MS = 120_000;
export const AUTHORIZED_TTL_MS = 300_000;
export const UNAUTHORIZED_TTL_MS = 30_000;

function isSubpath(sub: string, path: string): boolean {
  return sub === path || (sub.startsWith(path) && sub[path.length] === "/");
}

/** auth.go `GetRequestAttributes`. */
export function requestAttributes(method: string, path: string, nodeName: string): RequestAttributes {
  const verbs: Record<string, string> = {
    POST: "create",
    GET: "get",
    PUT: "update",
    PATCH: "patch",
    DELETE: "delete",
  };
  let subresource: RequestAttributes["subresource"] = "proxy";
  if (isSubpath(path, "/stats")) subresource = "stats";
  else if (isSubpath(path, "/metrics")) subresource = "metrics";
  else if (isSubpath(path, "/logs")) subresource = "log";
  return { verb: verbs[method] ?? "", resource: "nodes", subresource, name: nodeName, path };
}

/** The verified client certificate's user, if any (`socket.authorized` means it chains to the client CA). */
export function certificateUser(req: IncomingMessage): UserInfo | undefined {
  const socket = req.socket as TLSSocket;
  if (typeof socket.getPeerCertificate !== "function" || !socket.authorized) return undefined;
  const cert = socket.getPeerCertificate();
  const subject = cert?.subject as Record<string, string | string[] | undefined> | undefined;
  const cn = subject?.CN;
  const name = Array.isArray(cn) ? cn[0] : cn;
  if (!name) return undefined;
  const o = subject?.O;
  const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
  return { name, groups: [...groups, "system:authenticated"] };
}

export type AuthDecision =
  | { ok: true; user: UserInfo; attrs: RequestAttributes }
  | { ok: false; status: 401 | 403 | 500; message: string };

class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();
  constructor(private readonly now: () => number) {}
  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.until <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }
  set(key: string, value: V, ttlMs: number): void {
    if (this.entries.size > 10_000) this.entries.clear();
    this.entries.set(key, { value, until: this.now() + ttlMs });
  }
}

export class KubeletAuth {
  private readonly tokens: TtlCache<TokenReviewResult>;
  private readonly decisions: TtlCache<boolean>;

  constructor(
    private readonly reviews: KubeReviews,
    private readonly nodeName: string,
    now: () => number = Date.now,
  ) {
    this.tokens = new TtlCache(now);
    this.decisions = new TtlCache(now);
  }

  async authenticate(req: IncomingMessage): Promise<UserInfo | undefined> {
    const fromCert = certificateUser(req);
    if (fromCert) return fromCert;
    const header = req.headers.authorization ?? "";
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m?.[1]) return undefined;
    const token = m[1];
    // Raw tokens never become map keys (a heap dump should not hand them out).
    const key = createHash("sha256").update(token).digest("hex");
    let result = this.tokens.get(key);
    if (!result) {
      result = await this.reviews.tokenReview(token);
      this.tokens.set(key, result, TOKEN_REVIEW_TTL_MS);
    }
    return result.authenticated ? result.user : undefined;
  }

  async check(req: IncomingMessage, path: string): Promise<AuthDecision> {
    let user: UserInfo | undefined;
    try {
      user = await this.authenticate(req);
    } catch {
      return { ok: false, status: 401, message: "Unauthorized" };
    }
    if (!user) return { ok: false, status: 401, message: "Unauthorized" };
    const attrs = requestAttributes((req.method ?? "GET").toUpperCase(), path, this.nodeName);
    const describe = `user=${user.name}, verb=${attrs.verb}, resource=${attrs.resource}, subresource=${attrs.subresource}`;
    const key = JSON.stringify([
      user.name,
      user.uid ?? "",
      [...user.groups].sort(),
      attrs.verb,
      attrs.subresource,
    ]);
    let allowed = this.decisions.get(key);
    if (allowed === undefined) {
      try {
        allowed = (await this.reviews.subjectAccessReview(user, attrs)).allowed;
      } catch {
        return { ok: false, status: 500, message: `Authorization error (${describe})` };
      }
      this.decisions.set(key, allowed, allowed ? AUTHORIZED_TTL_MS : UNAUTHORIZED_TTL_MS);
    }
    if (!allowed) return { ok: false, status: 403, message: `Forbidden (${describe})` };
    return { ok: true, user, attrs };
  }
}
