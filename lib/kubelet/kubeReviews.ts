/**
 * TokenReview and SubjectAccessReview over the watcher's Kubernetes connection (plain HTTP(S) with JSON
 * bodies, like lib/kube/http: the watcher does not load client-node's generated clients). The chart
 * must grant the watcher `create` on `tokenreviews` (authentication.k8s.io) and `subjectaccessreviews`
 * (authorization.k8s.io) — the `system:auth-delegator` ClusterRole (docs/kubelet-api.md).
 */
import * as http from "node:http";
import * as https from "node:https";
import { TransientError, UnauthorizedError } from "../errors.js";
import type { KubeConnection } from "../kube/http/connection.js";
import type { KubeReviews, RequestAttributes, TokenReviewResult, UserInfo } from "./auth.js";

const TIMEOUT_MS = 10_000;

async function postJson(conn: KubeConnection, path: string, body: unknown): Promise<Record<string, unknown>> {
  const base = await conn.requestOptions();
  const url = new URL(path, conn.server);
  const text = JSON.stringify(body);
  const mod = url.protocol === "http:" ? http : https;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      {
        ...base,
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        headers: {
          ...(base.headers ?? {}),
          "content-type": "application/json",
          accept: "application/json",
          "content-length": String(Buffer.byteLength(text)),
        },
        timeout: TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          const raw = Buffer.concat(chunks).toString("utf8");
          if (status === 401 || status === 403) {
            reject(new UnauthorizedError(`POST ${url.pathname}: ${status}`, status));
          } else if (status < 200 || status >= 300) {
            reject(new TransientError(`POST ${url.pathname}: ${status} ${raw.slice(0, 200)}`, status));
          } else {
            try {
              resolve(JSON.parse(raw) as Record<string, unknown>);
            } catch {
              reject(new TransientError(`POST ${url.pathname}: response is not JSON`, status));
            }
          }
        });
      },
    );
    req.on("timeout", () => req.destroy(new TransientError(`POST ${url.pathname}: timed out`)));
    req.on("error", reject);
    req.end(text);
  });
}

export function kubeReviews(conn: KubeConnection): KubeReviews {
  return {
    async tokenReview(token): Promise<TokenReviewResult> {
      const r = await postJson(conn, "/apis/authentication.k8s.io/v1/tokenreviews", {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenReview",
        spec: { token },
      });
      const status = (r.status ?? {}) as {
        authenticated?: boolean;
        error?: string;
        user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
      };
      if (!status.authenticated || !status.user?.username) {
        return { authenticated: false, ...(status.error ? { error: status.error } : {}) };
      }
      const u = status.user;
      const user: UserInfo = {
        name: u.username ?? "",
        groups: u.groups ?? [],
        ...(u.uid ? { uid: u.uid } : {}),
        ...(u.extra ? { extra: u.extra } : {}),
      };
      return { authenticated: true, user };
    },
    async subjectAccessReview(user: UserInfo, attrs: RequestAttributes) {
      const r = await postJson(conn, "/apis/authorization.k8s.io/v1/subjectaccessreviews", {
        apiVersion: "authorization.k8s.io/v1",
        kind: "SubjectAccessReview",
        spec: {
          user: user.name,
          groups: user.groups,
          ...(user.uid ? { uid: user.uid } : {}),
          ...(user.extra ? { extra: user.extra } : {}),
          resourceAttributes: {
            verb: attrs.verb,
            group: "",
            version: "v1",
            resource: attrs.resource,
            subresource: attrs.subresource,
            name: attrs.name,
          },
        },
      });
      const status = (r.status ?? {}) as { allowed?: boolean; reason?: string };
      return { allowed: status.allowed === true, ...(status.reason ? { reason: status.reason } : {}) };
    },
  };
}
