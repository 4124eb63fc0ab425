/**
 * Authentication and authorization of the kubelet endpoint over real HTTPS, with TokenReview and
 * SubjectAccessReview answered by the Kubernetes API fake: 401 without a valid credential, 403 when the
 * review denies, 200 otherwise, and the attributes exactly as the kubelet's auth.go builds them.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { requestAttributes } from "../../lib/kubelet/auth.js";
import { makeTestPki, type TestPki } from "./support/certs.js";
import { get, NODE, seedPod, startHarness, type Harness } from "./support/harness.js";

let pki: TestPki;
let h: Harness;

beforeAll(() => {
  pki = makeTestPki();
});

afterEach(async () => {
  await h?.close();
});

describe("request attributes (kubelet auth.go)", () => {
  it.each([
    ["GET", "/containerLogs/default/web/app", "get", "proxy"],
    ["POST", "/exec/default/web/app", "create", "proxy"],
    ["GET", "/exec/default/web/app", "get", "proxy"],
    ["GET", "/healthz", "get", "proxy"],
    ["GET", "/stats/summary", "get", "stats"],
    ["GET", "/stats", "get", "stats"],
    ["GET", "/metrics/resource", "get", "metrics"],
    ["GET", "/metricsx", "get", "proxy"],
    ["GET", "/logs/messages", "get", "log"],
    ["PUT", "/logs", "update", "log"],
    ["HEAD", "/healthz", "", "proxy"],
  ])("%s %s → verb %j, nodes/%s", (method, path, verb, sub) => {
    expect(requestAttributes(method, path, NODE)).toEqual({
      verb,
      resource: "nodes",
      subresource: sub,
      name: NODE,
      path,
    });
  });
});

describe("kubelet endpoint authn/authz", () => {
  it("401s anonymous callers and certificates from another CA, before touching ARM", async () => {
    h = await startHarness(pki);
    seedPod(h.sim, "default", "web", [{ name: "app", image: "aci-sim/logger" }]);
    for (const cred of [{}, { client: pki.stranger }, { token: "not-a-token" }]) {
      const r = await get(h, pki, "/containerLogs/default/web/app", cred);
      expect([r.status, r.body]).toEqual([401, "Unauthorized"]);
    }
    expect(h.sim.calls).toHaveLength(0);
    expect(h.logger.lines.filter((l) => l.event === "kubelet.request.denied")).toHaveLength(3);
  });

  it("403s an authenticated user the SubjectAccessReview denies, naming the attributes", async () => {
    h = await startHarness(pki);
    seedPod(h.sim, "default", "web", [{ name: "app", image: "aci-sim/logger" }]);
    const r = await get(h, pki, "/containerLogs/default/web/app", { client: pki.jane });
    expect([r.status, r.body]).toEqual([
      403,
      "Forbidden (user=jane, verb=get, resource=nodes, subresource=proxy)",
    ]);
    expect(h.kube.reviews.accessReviews.at(-1)).toEqual({
      user: "jane",
      groups: ["system:authenticated"],
      resourceAttributes: {
        verb: "get",
        group: "",
        version: "v1",
        resource: "nodes",
        subresource: "proxy",
        name: NODE,
      },
    });
    expect(h.sim.calls).toHaveLength(0);
  });

  it("serves the API server's kubelet-client certificate (system:masters)", async () => {
    h = await startHarness(pki);
    seedPod(h.sim, "default", "web", [{ name: "app", image: "aci-sim/logger" }]);
    const health = await get(h, pki, "/healthz");
    expect([health.status, health.body]).toEqual([200, "ok"]);
    const logs = await get(h, pki, "/containerLogs/default/web/app");
    expect(logs.status).toBe(200);
    expect(logs.body).toMatch(/^\[aci-sim\] app started/);
    expect(h.kube.reviews.accessReviews.at(-1)?.user).toBe("kube-apiserver-kubelet-client");
    expect(h.kube.reviews.accessReviews.at(-1)?.groups).toContain("system:masters");
  });

  it("authenticates bearer tokens with TokenReview and authorizes per subresource", async () => {
    h = await startHarness(pki);
    seedPod(h.sim, "default", "web", [{ name: "app", image: "aci-sim/logger" }]);
    h.kube.reviews.addToken("alice-token", { name: "alice", groups: ["devs"] });
    h.kube.reviews.allow({ groups: ["devs"], verbs: ["get"], resources: ["nodes/proxy"], names: [NODE] });
    const alice = { token: "alice-token" };
    expect((await get(h, pki, "/containerLogs/default/web/app", alice)).status).toBe(200);
    expect((await get(h, pki, "/containerLogs/default/web/app", alice)).status).toBe(200);
    // One TokenReview and one SAR for both requests: the kubelet caches both.
    expect(h.kube.reviews.tokenReviews).toBe(1);
    expect(h.kube.reviews.accessReviews).toHaveLength(1);
    const stats = await get(h, pki, "/stats/summary", alice);
    expect([stats.status, stats.body]).toEqual([
      403,
      "Forbidden (user=alice, verb=get, resource=nodes, subresource=stats)",
    ]);
    const exec = await get(h, pki, "/exec/default/web/app?command=ls&output=1", alice, "POST");
    expect(exec.status).toBe(403);
    expect(exec.body).toMatch(/verb=create, resource=nodes, subresource=proxy/);
  });

  it("answers 500 when the SubjectAccessReview itself fails", async () => {
    h = await startHarness(pki);
    h.kube.faults.add({ path: /subjectaccessreviews/, status: 500 });
    const r = await get(h, pki, "/healthz", { client: pki.jane });
    expect([r.status, r.body]).toEqual([
      500,
      "Authorization error (user=jane, verb=get, resource=nodes, subresource=proxy)",
    ]);
  });
});
