/**
 * Maps recorded Kubernetes API calls (method + path) to RBAC attributes and checks them against rules, so
 * tests can prove that a component's RBAC grants exactly what it uses.
 */
export interface RbacRule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
}

export interface RbacRequest {
  apiGroup: string;
  resource: string; // with subresource: "pods/status"
  verb: string;
  namespace?: string;
  name?: string;
}

/** `/api/v1/namespaces/ns/pods/name/status` → {apiGroup "", resource "pods/status", verb, namespace, name}. */
export function toRbacRequest(method: string, path: string, query = ""): RbacRequest | undefined {
  const parts = path.split("?")[0]!.split("/").filter(Boolean);
  let apiGroup: string;
  let rest: string[];
  if (parts[0] === "api" && parts[1] === "v1") {
    apiGroup = "";
    rest = parts.slice(2);
  } else if (parts[0] === "apis" && parts.length >= 3) {
    apiGroup = parts[1]!;
    rest = parts.slice(3);
  } else {
    return undefined; // discovery, /version, …
  }
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource] = rest;
  if (!resource) return undefined;
  const watch = /(^|&)watch=(true|1)/.test(query || path.split("?")[1] || "");
  const verb =
    method === "GET"
      ? name
        ? "get"
        : watch
          ? "watch"
          : "list"
      : method === "POST"
        ? "create"
        : method === "PUT"
          ? "update"
          : method === "PATCH"
            ? "patch"
            : method === "DELETE"
              ? name
                ? "delete"
                : "deletecollection"
              : method.toLowerCase();
  const request: RbacRequest = {
    apiGroup,
    resource: subresource ? `${resource}/${subresource}` : resource,
    verb: verb === "create" && name && !subresource ? "create" : verb,
  };
  if (namespace) request.namespace = namespace;
  // On create the name is not part of the URL (except for subresources like serviceaccounts/x/token).
  if (name && (method !== "POST" || subresource)) request.name = name;
  return request;
}

export function allows(rule: RbacRule, request: RbacRequest): boolean {
  const has = (list: string[] | undefined, value: string) =>
    (list ?? []).some((v) => v === "*" || v === value);
  if (!has(rule.apiGroups, request.apiGroup)) return false;
  if (!has(rule.resources, request.resource)) return false;
  if (!has(rule.verbs, request.verb)) return false;
  if (rule.resourceNames && rule.resourceNames.length > 0) {
    if (!request.name || !rule.resourceNames.includes(request.name)) return false;
  }
  return true;
}

export function key(request: RbacRequest): string {
  return `${request.verb} ${request.apiGroup || "core"}/${request.resource}`;
}
