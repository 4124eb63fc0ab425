/**
 * Request path → kubelet endpoint route, as the kubelet's paths (kubernetes pkg/kubelet/server/server.go):
 * pure, no I/O; server.ts dispatches on the result.
 */

export type Route =
  | { kind: "healthz" }
  | { kind: "containerLogs"; namespace: string; pod: string; container: string }
  | { kind: "exec" | "attach"; namespace: string; pod: string; uid?: string; container: string }
  | { kind: "portForward" }
  | { kind: "statsSummary" }
  | { kind: "metricsResource" }
  | { kind: "notFound" }
  | { kind: "methodNotAllowed"; allow: string };

/** Path → route (segments are percent-decoded; empty segments are missing parameters). */
export function route(method: string, path: string): Route {
  const seg = path.split("/").slice(1).map(decodeURIComponent);
  const [head, ...rest] = seg;
  const getOnly = (r: Route): Route =>
    method === "GET" || method === "HEAD" ? r : { kind: "methodNotAllowed", allow: "GET" };
  switch (head) {
    case "healthz":
      return rest.length === 0 ? getOnly({ kind: "healthz" }) : { kind: "notFound" };
    case "containerLogs":
      if (rest.length !== 3) return { kind: "notFound" };
      return getOnly({ kind: "containerLogs", namespace: rest[0]!, pod: rest[1]!, container: rest[2]! });
    case "exec":
    case "attach": {
      if (method !== "GET" && method !== "POST") return { kind: "methodNotAllowed", allow: "GET, POST" };
      if (rest.length === 3) return { kind: head, namespace: rest[0]!, pod: rest[1]!, container: rest[2]! };
      if (rest.length === 4)
        return { kind: head, namespace: rest[0]!, pod: rest[1]!, uid: rest[2]!, container: rest[3]! };
      return { kind: "notFound" };
    }
    case "portForward":
      return rest.length === 2 || rest.length === 3 ? { kind: "portForward" } : { kind: "notFound" };
    case "stats":
      return rest.length === 1 && rest[0] === "summary"
        ? getOnly({ kind: "statsSummary" })
        : { kind: "notFound" };
    case "metrics":
      return rest.length === 1 && rest[0] === "resource"
        ? getOnly({ kind: "metricsResource" })
        : { kind: "notFound" };
    default:
      return { kind: "notFound" };
  }
}
