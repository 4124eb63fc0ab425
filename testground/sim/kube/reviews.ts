/**
 * TokenReview (`authentication.k8s.io/v1`) and SubjectAccessReview (`authorization.k8s.io/v1`) for the
 * Kubernetes API fake, so the kubelet endpoint's authentication and authorization run over real HTTP in
 * tests (docs/kube-fake.md). Small and table-driven, not an RBAC implementation:
 *
 * - tokens: the table given to `auth.addToken(token, user)`, plus every kubeconfig token the fake itself
 *   issues (`kube-fake-token-<user>` → user `<user>`); anything else is `authenticated: false`. Groups always
 *   include `system:authenticated`, as the API server adds it;
 * - access: allowed when a rule matches the user (by name or one of its groups), the verb (or `*`) and the
 *   `resource/subresource` (`nodes/proxy`, `nodes/*`, `*`), and the name when the rule lists names. The
 *   group `system:masters` is allowed everything, as the API server's superuser group.
 */
export interface FakeUser {
  name: string;
  groups?: string[];
  uid?: string;
}

export interface AccessRule {
  users?: string[];
  groups?: string[];
  verbs: string[];
  /** `resource` or `resource/subresource`; `*` matches all, `nodes/*` every nodes subresource. */
  resources: string[];
  names?: string[];
}

type AnyObject = Record<string, unknown>;

export class FakeReviews {
  private readonly tokens = new Map<string, FakeUser>();
  private readonly rules: AccessRule[] = [];
  /** Every SubjectAccessReview spec received, in order. */
  readonly accessReviews: AnyObject[] = [];
  tokenReviews = 0;

  addToken(token: string, user: FakeUser): void {
    this.tokens.set(token, user);
  }

  allow(rule: AccessRule): void {
    this.rules.push(rule);
  }

  clear(): void {
    this.tokens.clear();
    this.rules.length = 0;
  }

  /** Handles a POST to a review resource; undefined when the path is not one. */
  review(group: string, plural: string, body: AnyObject): AnyObject | undefined {
    if (group === "authentication.k8s.io" && plural === "tokenreviews") return this.tokenReview(body);
    if (group === "authorization.k8s.io" && plural === "subjectaccessreviews") return this.accessReview(body);
    return undefined;
  }

  private tokenReview(body: AnyObject): AnyObject {
    this.tokenReviews++;
    const spec = (body.spec ?? {}) as AnyObject;
    const token = typeof spec.token === "string" ? spec.token : "";
    let user = this.tokens.get(token);
    if (!user && token.startsWith("kube-fake-token-"))
      user = { name: token.slice("kube-fake-token-".length) };
    const status: AnyObject = user
      ? {
          authenticated: true,
          user: {
            username: user.name,
            ...(user.uid ? { uid: user.uid } : {}),
            groups: [...new Set([...(user.groups ?? []), "system:authenticated"])],
          },
        }
      : { authenticated: false, error: "invalid bearer token" };
    return {
      kind: "TokenReview",
      apiVersion: "authentication.k8s.io/v1",
      metadata: { creationTimestamp: null },
      spec,
      status,
    };
  }

  private accessReview(body: AnyObject): AnyObject {
    const spec = (body.spec ?? {}) as AnyObject;
    this.accessReviews.push(spec);
    const str = (v: unknown): string => (typeof v === "string" ? v : "");
    const user = str(spec.user);
    const groups: string[] = Array.isArray(spec.groups) ? spec.groups.map(str) : [];
    const ra = (spec.resourceAttributes ?? {}) as AnyObject;
    const resource = ra.subresource ? `${str(ra.resource)}/${str(ra.subresource)}` : str(ra.resource);
    const allowed =
      groups.includes("system:masters") ||
      this.rules.some(
        (r) =>
          ((r.users ?? []).includes(user) || (r.groups ?? []).some((g) => groups.includes(g))) &&
          (r.verbs.includes("*") || r.verbs.includes(str(ra.verb))) &&
          r.resources.some(
            (x) => x === "*" || x === resource || (x.endsWith("/*") && resource.startsWith(x.slice(0, -1))),
          ) &&
          (r.names === undefined || r.names.includes(str(ra.name))),
      );
    return {
      kind: "SubjectAccessReview",
      apiVersion: "authorization.k8s.io/v1",
      metadata: { creationTimestamp: null },
      spec,
      status: allowed ? { allowed: true, reason: "kube-fake rule" } : { allowed: false },
    };
  }
}
