/**
 * TokenReview and SubjectAccessReview over the watcher's Kubernetes connection, through the project's one
 * HTTP client (lib/kube/http/transport.ts: the watcher does not load client-node's generated clients);
 * failures go through the Kubernetes error table (lib/kube/errors.ts). The chart must grant the watcher
 * `create` on `tokenreviews` (authentication.k8s.io) and `subjectaccessreviews` (authorization.k8s.io) —
 * the `system:auth-delegator` ClusterRole (docs/kubelet-api.md).
 */
import { mapKubeHttpError } from "../kube/errors.js";
import type { KubeConnection } from "../kube/http/connection.js";
import { callJson } from "../kube/http/transport.js";
import type { KubeReviews, RequestAttributes, TokenReviewResult, UserInfo } from "./auth.js";

async function postJson(
  conn: KubeConnection,
  path: string,
  what: string,
  body: unknown,
): Promise<Record<string, unknown>> {
  try {
    return await callJson<Record<string, unknown>>(conn, "POST", path, what, body);
  } catch (error) {
    throw mapKubeHttpError(error, what);
  }
}

export function kubeReviews(conn: KubeConnection): KubeReviews {
  return {
    async tokenReview(token): Promise<TokenReviewResult> {
      const r = await postJson(conn, "/apis/authentication.k8s.io/v1/tokenreviews", "create tokenreview", {
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
      const r = await postJson(
        conn,
        "/apis/authorization.k8s.io/v1/subjectaccessreviews",
        "create subjectaccessreview",
        {
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
        },
      );
      const status = (r.status ?? {}) as { allowed?: boolean; reason?: string };
      return { allowed: status.allowed === true, ...(status.reason ? { reason: status.reason } : {}) };
    },
  };
}
