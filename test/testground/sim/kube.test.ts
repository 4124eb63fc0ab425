/**
 * The Kubernetes API fake, driven through the real @kubernetes/client-node 1.x (CoreV1Api, CoordinationV1Api,
 * Watch, ListWatch) and raw HTTP, with its answers compared against recorded kube-apiserver 1.32 exchanges.
 */
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- raw JSON bodies compared with recordings */
import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  type KubeConfig,
  ListWatch,
  PatchStrategy,
  type V1Pod,
  Watch,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type KubeFake, canonicalQuantity, startKubeFake } from "../../../testground/sim/kube";
import { RECORDED } from "../../../testground/sim/kube/recorded";

const NODE = "aci-bridge";
const NODE_SELECTOR = `spec.nodeName=${NODE}`;

async function waitFor<T>(fn: () => T | undefined | false, what: string, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function raw(
  fake: KubeFake,
  method: string,
  path: string,
  body?: unknown,
  contentType = "application/json",
) {
  const res = await fetch(`${fake.url}${path}`, {
    method,
    headers: { authorization: "Bearer kube-fake-token-test", "content-type": contentType },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function apiError(p: Promise<unknown>): Promise<{ code: number; body: any }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiException) return { code: e.code, body: JSON.parse(String(e.body)) };
    throw e;
  }
  throw new Error("expected the call to fail");
}

function pod(name: string, labels: Record<string, string> = {}): V1Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels },
    spec: { containers: [{ name: "c", image: "busybox:1.36" }] },
  };
}

/** Replaces values the server generates so an object can be compared with a recording. */
function scrub(o: any): any {
  const s = JSON.stringify(o)
    .replace(/kube-api-access-[a-z0-9]{5}/g, "kube-api-access-xxxxx")
    .replace(/"uid":"[0-9a-f-]{36}"/g, '"uid":"UID"')
    .replace(/"resourceVersion":"\d+"/g, '"resourceVersion":"RV"')
    .replace(/"(creationTimestamp|lastHeartbeatTime|lastTransitionTime)":"[^"]+"/g, '"$1":"TIME"');
  return JSON.parse(s);
}

describe("kube fake through client-node", () => {
  let fake: KubeFake;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let coord: CoordinationV1Api;
  let ns = "";
  let n = 0;
  const informers: ListWatch<V1Pod>[] = [];

  beforeAll(async () => {
    fake = await startKubeFake({ nodeLifecycleDelayMs: 10 });
    kc = fake.kubeConfig();
    core = kc.makeApiClient(CoreV1Api);
    coord = kc.makeApiClient(CoordinationV1Api);
  });
  afterAll(async () => {
    await fake.close();
  });
  afterEach(async () => {
    for (const i of informers.splice(0)) await i.stop();
    fake.faults.clear();
  });
  const freshNs = async (): Promise<string> => {
    ns = `t${++n}`;
    await core.createNamespace({ body: { metadata: { name: ns } } });
    return ns;
  };

  async function startInformer(fieldSelector = NODE_SELECTOR) {
    const seen: Array<[string, V1Pod]> = [];
    const errors: unknown[] = [];
    const lw = new ListWatch<V1Pod>(
      "/api/v1/pods",
      new Watch(kc),
      () => core.listPodForAllNamespaces({ fieldSelector }),
      false,
      undefined,
      fieldSelector,
    );
    for (const verb of ["add", "update", "delete"] as const) lw.on(verb, (p) => seen.push([verb, p]));
    lw.on("error", (e) => errors.push(e));
    informers.push(lw);
    await lw.start();
    return { lw, seen, errors };
  }
  const seenFor = (seen: Array<[string, V1Pod]>, name: string) =>
    seen.filter(([, p]) => p.metadata?.name === name).map(([v]) => v);

  it("bootstraps namespaces, default service accounts and kube-root-ca.crt", async () => {
    const list = await core.listNamespace();
    expect(list.items.map((x) => x.metadata?.name).sort()).toEqual([
      "default",
      "kube-node-lease",
      "kube-public",
      "kube-system",
    ]);
    await freshNs();
    await core.readNamespacedServiceAccount({ name: "default", namespace: ns });
    const cm = await core.readNamespacedConfigMap({ name: "kube-root-ca.crt", namespace: ns });
    expect(cm.data?.["ca.crt"]).toContain("BEGIN CERTIFICATE");
  });

  it("an informer with the spec.nodeName selector sees add, update and delete (and selector transitions)", async () => {
    await freshNs();
    const { seen } = await startInformer();
    fake.createPod({ ...pod("bound-1"), metadata: { name: "bound-1", namespace: ns } }, { nodeName: NODE });
    fake.createPod({ ...pod("elsewhere"), metadata: { name: "elsewhere", namespace: ns } });
    await waitFor(() => seenFor(seen, "bound-1").includes("add"), "add");
    fake.updatePodStatus(ns, "bound-1", { phase: "Running" });
    await waitFor(() => seenFor(seen, "bound-1").includes("update"), "update");
    // binding a pending pod makes it match: the server sends ADDED
    fake.bindPod(ns, "elsewhere", NODE);
    await waitFor(() => seenFor(seen, "elsewhere").includes("add"), "add after binding");
    await core.deleteNamespacedPod({ name: "bound-1", namespace: ns, body: { gracePeriodSeconds: 0 } });
    await waitFor(() => seenFor(seen, "bound-1").includes("delete"), "delete");
    expect(seenFor(seen, "bound-1")).toEqual(["add", "update", "update", "delete"]);
  });

  for (const mode of ["event", "http"] as const) {
    it(`relists after 410 Expired (${mode === "event" ? "ERROR event in a 200 stream" : "HTTP 410"})`, async () => {
      const f = await startKubeFake({ tooOldWatch: mode });
      try {
        const kc2 = f.kubeConfig();
        const core2 = kc2.makeApiClient(CoreV1Api);
        const lw = new ListWatch<V1Pod>(
          "/api/v1/pods",
          new Watch(kc2),
          () => core2.listPodForAllNamespaces({ fieldSelector: NODE_SELECTOR }),
          false,
          undefined,
          NODE_SELECTOR,
        );
        const added: string[] = [];
        const errors: unknown[] = [];
        lw.on("add", (p) => added.push(p.metadata!.name!));
        lw.on("error", (e) => errors.push(e));
        await lw.start();
        const lists = () =>
          f.calls.filter((c) => c.path.startsWith("/api/v1/pods?") && !c.path.includes("watch=true"));
        expect(lists()).toHaveLength(1);
        f.compactHistory();
        f.cutWatches();
        await waitFor(() => lists().length === 2, "a relist");
        const expired = f.calls.filter(
          (c) => c.path.includes("watch=true") && (c.status === 410 || c.watchError === 410),
        );
        expect(expired.length).toBeGreaterThanOrEqual(1);
        f.createPod(
          { ...pod("after-relist"), metadata: { name: "after-relist", namespace: "default" } },
          { nodeName: NODE },
        );
        await waitFor(() => added.includes("after-relist"), "add after relist");
        expect(errors).toEqual([]);
        await lw.stop();
      } finally {
        await f.close();
      }
    });
  }

  it("reconnects after cutWatches without relisting and misses nothing", async () => {
    await freshNs();
    const { seen } = await startInformer();
    const listsBefore = fake.calls.filter((c) => c.path.startsWith("/api/v1/pods?fieldSelector")).length;
    fake.cutWatches();
    fake.createPod(
      { ...pod("after-cut"), metadata: { name: "after-cut", namespace: ns } },
      { nodeName: NODE },
    );
    await waitFor(() => seenFor(seen, "after-cut").includes("add"), "add after reconnect");
    const listsAfter = fake.calls.filter((c) => c.path.startsWith("/api/v1/pods?fieldSelector")).length;
    expect(listsAfter).toBe(listsBefore);
  });

  it("pod create applies the admission defaults of the recorded server (pod.create.bound)", async () => {
    const f = await startKubeFake({ openshiftServiceCa: true });
    try {
      await raw(f, "POST", "/api/v1/namespaces", { metadata: { name: "rec" } });
      const res = await raw(f, "POST", "/api/v1/namespaces/rec/pods", RECORDED.podCreateBound.request);
      expect(res.status).toBe(201);
      expect(scrub(res.body)).toEqual(scrub(RECORDED.podCreateBound.response));
    } finally {
      await f.close();
    }
    // upstream kube-apiserver (AKS) projects three sources; the recorded server added an OpenShift CA too
    await freshNs();
    const created = await core.createNamespacedPod({ namespace: ns, body: pod("defaults") });
    const sources = created.spec!.volumes![0]!.projected!.sources!;
    expect(sources).toHaveLength(3);
    expect(created.spec!.containers[0]!.imagePullPolicy).toBe("IfNotPresent");
    expect(created.status).toMatchObject({ phase: "Pending", qosClass: "BestEffort" });
  });

  it("Status bodies match the recordings: 404, 400 bad field selector, 409 wrong uid", async () => {
    await raw(fake, "POST", "/api/v1/namespaces", { metadata: { name: "rec" } });
    expect(await raw(fake, "GET", "/api/v1/namespaces/rec/pods/nope")).toEqual({
      status: 404,
      body: RECORDED.podGetMissing,
    });
    expect(await raw(fake, "GET", "/api/v1/pods?fieldSelector=spec.foo%3Dbar")).toEqual({
      status: 400,
      body: RECORDED.podListBadSelector,
    });
    const p = fake.createPod(
      { ...pod("web-0"), metadata: { name: "web-0", namespace: "rec" } },
      { nodeName: NODE },
    );
    const wrong = await raw(fake, "DELETE", "/api/v1/namespaces/rec/pods/web-0", {
      apiVersion: "v1",
      kind: "DeleteOptions",
      gracePeriodSeconds: 0,
      preconditions: { uid: "00000000-0000-0000-0000-000000000000" },
    });
    expect(wrong.status).toBe(409);
    expect(wrong.body).toEqual({
      ...RECORDED.podDeleteWrongUid,
      message: RECORDED.podDeleteWrongUid.message.replace(
        "7ac61590-3ee6-494b-9c52-7d1a5bcd60fd",
        p.metadata!.uid,
      ),
    });
    // through client-node: ApiException with the code
    const err = await apiError(core.readNamespacedPod({ name: "nope", namespace: "rec" }));
    expect(err.code).toBe(404);
    expect(err.body.reason).toBe("NotFound");
  });

  it("creating in a missing namespace is 404 namespaces not found; duplicates are 409 AlreadyExists", async () => {
    const e = await apiError(core.createNamespacedPod({ namespace: "no-such-ns", body: pod("x") }));
    expect(e).toMatchObject({
      code: 404,
      body: { message: 'namespaces "no-such-ns" not found', reason: "NotFound" },
    });
    expect(e.body.details).toEqual({ name: "no-such-ns", kind: "namespaces" });
    await freshNs();
    await core.createNamespacedPod({ namespace: ns, body: pod("dup") });
    const dup = await apiError(core.createNamespacedPod({ namespace: ns, body: pod("dup") }));
    expect(dup.body).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: 'pods "dup" already exists',
      reason: "AlreadyExists",
      details: { name: "dup", kind: "pods" },
      code: 409,
    });
  });

  it("merge-patches pod status (MergePatch header) like pod.status.mergepatch", async () => {
    await freshNs();
    fake.createPod({ ...pod("web-0"), metadata: { name: "web-0", namespace: ns } }, { nodeName: NODE });
    const before = fake.get<V1Pod>("pods", ns, "web-0")!;
    const patched = await core.patchNamespacedPodStatus(
      { name: "web-0", namespace: ns, body: RECORDED.podStatusMergePatch.request },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    expect(Number(patched.metadata!.resourceVersion)).toBeGreaterThan(
      Number(before.metadata!.resourceVersion),
    );
    const rawPod = await raw(fake, "GET", `/api/v1/namespaces/${ns}/pods/web-0`);
    expect(rawPod.body.status).toEqual(RECORDED.podStatusMergePatch.status);
    // the main resource ignores status; the status subresource ignores spec
    await core.patchNamespacedPod(
      {
        name: "web-0",
        namespace: ns,
        body: { status: { phase: "Failed" }, metadata: { labels: { a: "b" } } },
      },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    const after = fake.get<V1Pod>("pods", ns, "web-0")!;
    expect(after.status!.phase).toBe("Running");
    expect(after.metadata!.labels).toEqual({ a: "b" });
  });

  it("strategic merge: conditions merge by type, containerStatuses are replaced (pod.status.strategicpatch)", async () => {
    await freshNs();
    fake.createPod({ ...pod("web-0"), metadata: { name: "web-0", namespace: ns } }, { nodeName: NODE });
    await raw(
      fake,
      "PATCH",
      `/api/v1/namespaces/${ns}/pods/web-0/status`,
      RECORDED.podStatusMergePatch.request,
      "application/merge-patch+json",
    );
    await core.patchNamespacedPodStatus(
      { name: "web-0", namespace: ns, body: RECORDED.podStatusStrategicPatch.request },
      setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
    );
    const rawPod = await raw(fake, "GET", `/api/v1/namespaces/${ns}/pods/web-0`);
    // the real server replaces the atomic containerStatuses list: state/image are reset to zero values
    expect(rawPod.body.status).toEqual(RECORDED.podStatusStrategicPatch.status);
    await core.patchNamespacedPodStatus(
      {
        name: "web-0",
        namespace: ns,
        body: { status: { conditions: [{ type: "Ready", status: "False", reason: "Stopping" }] } },
      },
      setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
    );
    const conds = fake.get<V1Pod>("pods", ns, "web-0")!.status!.conditions!;
    expect(conds.map((c) => `${c.type}=${c.status}`)).toEqual([
      "Ready=False",
      "ContainersReady=True",
      "Initialized=True",
      "PodScheduled=True",
    ]);
    // containers merge by name; $patch: delete removes an element
    await raw(
      fake,
      "PATCH",
      `/api/v1/namespaces/${ns}/pods/web-0`,
      { metadata: { labels: { x: "1" }, finalizers: ["f/one"] } },
      "application/strategic-merge-patch+json",
    );
    await raw(
      fake,
      "PATCH",
      `/api/v1/namespaces/${ns}/pods/web-0`,
      { metadata: { finalizers: ["f/two"], labels: { x: null } } },
      "application/strategic-merge-patch+json",
    );
    const m = fake.get<V1Pod>("pods", ns, "web-0")!.metadata!;
    expect(m.finalizers).toEqual(["f/one", "f/two"]);
    expect(m.labels).toEqual({});
  });

  it("JSON patch (client-node default) applies ops and a failing test op is 422", async () => {
    await freshNs();
    await core.createNamespacedPod({ namespace: ns, body: pod("jp", { app: "web" }) });
    const p = await core.patchNamespacedPod({
      name: "jp",
      namespace: ns,
      body: [
        { op: "test", path: "/metadata/labels/app", value: "web" },
        { op: "add", path: "/metadata/labels/tier", value: "front" },
        { op: "replace", path: "/metadata/labels/app", value: "api" },
      ],
    });
    expect(p.metadata!.labels).toEqual({ app: "api", tier: "front" });
    const e = await apiError(
      core.patchNamespacedPod({
        name: "jp",
        namespace: ns,
        body: [{ op: "test", path: "/metadata/labels/app", value: "x" }],
      }),
    );
    expect(e.code).toBe(422);
    expect(e.body.reason).toBe("Invalid");
    // unknown patch media type
    const bad = await raw(fake, "PATCH", `/api/v1/namespaces/${ns}/pods/jp`, {}, "text/plain");
    expect(bad.status).toBe(415);
  });

  it("PUT with a stale resourceVersion: 409 when changed (lease.update.stale), 200 no-op when unchanged", async () => {
    const lease = await coord.createNamespacedLease({
      namespace: "kube-node-lease",
      body: {
        metadata: { name: "stale-demo" },
        spec: { holderIdentity: "stale-demo", leaseDurationSeconds: 40 },
      },
    });
    const stale = JSON.parse(JSON.stringify(lease));
    await coord.replaceNamespacedLease({
      name: "stale-demo",
      namespace: "kube-node-lease",
      body: { ...lease, spec: { ...lease.spec, leaseDurationSeconds: 41 } },
    });
    const current = fake.get("leases", "kube-node-lease", "stale-demo");
    const changed = await raw(
      fake,
      "PUT",
      "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/stale-demo",
      {
        ...stale,
        spec: { ...stale.spec, holderIdentity: "someone-else" },
      },
    );
    expect(changed).toEqual({ status: 409, body: RECORDED.leaseUpdateStale });
    const unchanged = await raw(
      fake,
      "PUT",
      "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/stale-demo",
      {
        ...current,
        metadata: { ...current.metadata, resourceVersion: stale.metadata.resourceVersion },
      },
    );
    expect(unchanged.status).toBe(200);
    expect(unchanged.body.metadata.resourceVersion).toBe(current.metadata.resourceVersion);
  });

  it("leases: create and renew through CoordinationV1Api, MicroTime with microseconds", async () => {
    const created = await raw(
      fake,
      "POST",
      "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases",
      RECORDED.leaseCreate.request,
    );
    expect(scrub(created.body)).toEqual(scrub(RECORDED.leaseCreate.response));
    const lease = await coord.readNamespacedLease({ name: NODE, namespace: "kube-node-lease" });
    // client-node turns MicroTime into Date and back into three fractional digits, which a real API server
    // refuses (test/testground/sim/kube.decode.test.ts): a writer must send the six-digit string itself
    const renewAt = "2026-11-26T00:33:06.123000Z" as unknown as Date;
    const spec = {
      ...lease.spec,
      acquireTime: RECORDED.leaseCreate.request.spec.acquireTime,
      renewTime: renewAt,
    };
    const renewed = await coord.replaceNamespacedLease({
      name: NODE,
      namespace: "kube-node-lease",
      body: { ...lease, spec },
    });
    expect(Number(renewed.metadata!.resourceVersion)).toBeGreaterThan(
      Number(lease.metadata!.resourceVersion),
    );
    const rawLease = await raw(
      fake,
      "GET",
      `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${NODE}`,
    );
    expect(rawLease.body.spec.renewTime).toBe("2026-11-26T00:33:06.123000Z");
    // an identical PUT is a no-op: same resourceVersion
    const again = await coord.replaceNamespacedLease({
      name: NODE,
      namespace: "kube-node-lease",
      body: { ...renewed, spec },
    });
    expect(again.metadata!.resourceVersion).toBe(renewed.metadata!.resourceVersion);
  });

  it("graceful delete of a bound pod keeps it; shorter grace shortens; grace 0 + uid removes it (watch like pod.watch.stream)", async () => {
    const t0 = new Date("2026-11-26T00:32:57Z");
    const f = await startKubeFake({ now: () => t0 });
    try {
      const kc2 = f.kubeConfig();
      const core2 = kc2.makeApiClient(CoreV1Api);
      f.createNamespace("rec");
      const p = f.createPod(
        { ...pod("web-0"), metadata: { name: "web-0", namespace: "rec" } },
        { nodeName: NODE },
      );
      const events: Array<{ type: string; obj: any }> = [];
      const ctl = await new Watch(kc2).watch(
        "/api/v1/pods",
        {
          allowWatchBookmarks: true,
          resourceVersion: p.metadata!.resourceVersion,
          timeoutSeconds: 1,
          fieldSelector: NODE_SELECTOR,
        },
        (type, obj) => events.push({ type, obj }),
        () => undefined,
      );
      f.updatePodStatus("rec", "web-0", { phase: "Running" });
      const graceful = await core2.deleteNamespacedPod({
        name: "web-0",
        namespace: "rec",
        body: { gracePeriodSeconds: 30 },
      });
      expect(graceful.metadata).toMatchObject({
        deletionTimestamp: new Date("2026-11-26T00:33:27Z"),
        deletionGracePeriodSeconds: 30,
      });
      expect(f.get("pods", "rec", "web-0")).toBeDefined();
      // a second graceful delete with a longer grace changes nothing; a shorter one shortens
      const same = await core2.deleteNamespacedPod({ name: "web-0", namespace: "rec" });
      expect(same.metadata!.resourceVersion).toBe(graceful.metadata!.resourceVersion);
      const shorter = await core2.deleteNamespacedPod({
        name: "web-0",
        namespace: "rec",
        body: { gracePeriodSeconds: 10 },
      });
      expect(shorter.metadata).toMatchObject({
        deletionTimestamp: new Date("2026-11-26T00:33:07Z"),
        deletionGracePeriodSeconds: 10,
      });
      const final = await raw(f, "DELETE", "/api/v1/namespaces/rec/pods/web-0", {
        gracePeriodSeconds: 0,
        preconditions: { uid: p.metadata!.uid },
      });
      expect(final.status).toBe(200);
      expect(final.body.metadata).toMatchObject({
        deletionTimestamp: "2026-11-26T00:32:57Z",
        deletionGracePeriodSeconds: 0,
      });
      expect(f.get("pods", "rec", "web-0")).toBeUndefined();
      expect((await raw(f, "GET", "/api/v1/namespaces/rec/pods/web-0")).status).toBe(404);
      await waitFor(() => events.at(-1)?.type === "BOOKMARK", "bookmark at watch timeout", 3000);
      ctl.abort();
      // recorded: status patch, (status patch), graceful delete, grace-0 update, DELETED, BOOKMARK
      expect(events.map((e) => e.type)).toEqual([
        "MODIFIED",
        "MODIFIED",
        "MODIFIED",
        "MODIFIED",
        "DELETED",
        "BOOKMARK",
      ]);
      expect(RECORDED.podWatchStreamTypes).toEqual([
        "MODIFIED",
        "MODIFIED",
        "MODIFIED",
        "MODIFIED",
        "DELETED",
        "BOOKMARK",
      ]);
      const bookmark = events.at(-1)!.obj;
      expect(Object.keys(bookmark).sort()).toEqual(Object.keys(RECORDED.podWatchBookmark).sort());
    } finally {
      await f.close();
    }
  });

  it("an unbound pod is removed at once whatever the grace period; a finished pod too", async () => {
    await freshNs();
    await core.createNamespacedPod({ namespace: ns, body: pod("pending-1") });
    const res = await raw(fake, "DELETE", `/api/v1/namespaces/${ns}/pods/pending-1`, {
      gracePeriodSeconds: 30,
    });
    expect(res.body.metadata.deletionGracePeriodSeconds).toBe(0);
    expect(fake.get("pods", ns, "pending-1")).toBeUndefined();
    fake.createPod({ ...pod("done"), metadata: { name: "done", namespace: ns } }, { nodeName: NODE });
    fake.updatePodStatus(ns, "done", { phase: "Succeeded" });
    await core.deleteNamespacedPod({ name: "done", namespace: ns });
    expect(fake.get("pods", ns, "done")).toBeUndefined();
    // DeleteOptions as query parameters (no body): grace 0 removes a bound pod
    fake.createPod({ ...pod("q"), metadata: { name: "q", namespace: ns } }, { nodeName: NODE });
    await core.deleteNamespacedPod({ name: "q", namespace: ns, gracePeriodSeconds: 0 });
    expect(fake.get("pods", ns, "q")).toBeUndefined();
    const last = fake.calls.filter((c) => c.method === "DELETE").at(-1)!;
    expect(last.path).toBe(`/api/v1/namespaces/${ns}/pods/q?gracePeriodSeconds=0`);
  });

  it("finalizers keep an object with deletionTimestamp until an update removes them", async () => {
    await freshNs();
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: "fin", finalizers: ["x/y"] }, data: { a: "1" } },
    });
    await core.deleteNamespacedConfigMap({ name: "fin", namespace: ns });
    const kept = fake.get("configmaps", ns, "fin");
    expect(kept.metadata.deletionTimestamp).toBeDefined();
    await core.patchNamespacedConfigMap(
      { name: "fin", namespace: ns, body: { metadata: { finalizers: null } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    expect(fake.get("configmaps", ns, "fin")).toBeUndefined();
    // deleting an object without finalizers answers a Success Status (configmaps do not return the object)
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "plain" } } });
    const st = await raw(fake, "DELETE", `/api/v1/namespaces/${ns}/configmaps/plain`);
    expect(st.body).toMatchObject({
      kind: "Status",
      status: "Success",
      details: { name: "plain", kind: "configmaps" },
    });
  });

  it("field and label selectors on list", async () => {
    await freshNs();
    fake.createPod(
      {
        ...pod("a", { app: "web", tier: "front" }),
        metadata: { name: "a", namespace: ns, labels: { app: "web", tier: "front" } },
      },
      { nodeName: NODE },
    );
    fake.createPod({
      ...pod("b"),
      metadata: { name: "b", namespace: ns, labels: { app: "api", canary: "true" } },
    });
    fake.createPod({
      ...pod("c"),
      metadata: { name: "c", namespace: ns, labels: { app: "db", tier: "back" } },
    });
    fake.updatePodStatus(ns, "a", { phase: "Running" });
    const names = async (q: { labelSelector?: string; fieldSelector?: string }) =>
      (await core.listNamespacedPod({ namespace: ns, ...q })).items.map((p) => p.metadata!.name).sort();
    expect(await names({ labelSelector: "app in (web,api)" })).toEqual(["a", "b"]);
    expect(await names({ labelSelector: "app notin (web),!canary" })).toEqual(["c"]);
    expect(await names({ labelSelector: "tier!=front" })).toEqual(["b", "c"]);
    expect(await names({ labelSelector: "tier" })).toEqual(["a", "c"]);
    expect(await names({ labelSelector: "app=web,tier==front" })).toEqual(["a"]);
    expect(await names({ fieldSelector: "status.phase=Running" })).toEqual(["a"]);
    expect(await names({ fieldSelector: `spec.nodeName=${NODE}` })).toEqual(["a"]);
    expect(await names({ fieldSelector: "spec.nodeName=" })).toEqual(["b", "c"]);
    expect(await names({ fieldSelector: `metadata.name!=a,metadata.namespace=${ns}` })).toEqual(["b", "c"]);
    const all = await core.listPodForAllNamespaces({ fieldSelector: `metadata.namespace=${ns}` });
    expect(all.items).toHaveLength(3);
    expect(all.metadata!.resourceVersion).toBe(fake.resourceVersion());
  });

  it("pages lists with limit and continue like list.paged", async () => {
    await freshNs();
    for (let i = 0; i < 5; i++)
      fake.createConfigMap({ metadata: { name: `cm-${i}`, namespace: ns }, data: { i: String(i) } });
    const first = await raw(fake, "GET", `/api/v1/namespaces/${ns}/configmaps?limit=2`);
    expect(first.body.kind).toBe("ConfigMapList");
    expect(first.body.metadata.remainingItemCount).toBe(4); // 5 + kube-root-ca.crt - 2
    expect(first.body.items[0].kind).toBeUndefined();
    const names: string[] = first.body.items.map((i: any) => i.metadata.name);
    let token: string | undefined = first.body.metadata.continue;
    const decoded = JSON.parse(Buffer.from(token!, "base64url").toString());
    expect(decoded).toEqual({
      v: "meta.k8s.io/v1",
      rv: Number(first.body.metadata.resourceVersion),
      start: "/cm-1\u0000",
    });
    while (token) {
      const page = await core.listNamespacedConfigMap({ namespace: ns, limit: 2, _continue: token });
      names.push(...page.items.map((i) => i.metadata!.name!));
      expect(page.metadata!.resourceVersion).toBe(first.body.metadata.resourceVersion);
      token = page.metadata!._continue;
    }
    expect(names).toEqual(["cm-0", "cm-1", "cm-2", "cm-3", "cm-4", "kube-root-ca.crt"]);
  });

  it("watch: fieldSelector transitions, timeoutSeconds and 410 for a compacted resourceVersion", async () => {
    await freshNs();
    fake.createPod({ ...pod("w"), metadata: { name: "w", namespace: ns } }, { nodeName: NODE });
    const rv = fake.resourceVersion();
    const events: string[] = [];
    let doneErr: unknown = "not yet";
    await new Watch(kc).watch(
      `/api/v1/namespaces/${ns}/pods`,
      { resourceVersion: rv, fieldSelector: "status.phase=Pending", timeoutSeconds: 1 },
      (type, obj) => events.push(`${type}:${obj.metadata.name}:${obj.status?.phase}`),
      (err) => (doneErr = err),
    );
    fake.updatePodStatus(ns, "w", { phase: "Running" }); // stops matching → DELETED (previous content)
    fake.updatePodStatus(ns, "w", { phase: "Pending" }); // matches again → ADDED
    await waitFor(() => doneErr !== "not yet", "watch timeout", 3000);
    expect(doneErr).toBeNull();
    expect(events).toEqual(["DELETED:w:Pending", "ADDED:w:Pending"]);
    fake.compactHistory();
    const res = await fetch(`${fake.url}/api/v1/pods?watch=true&resourceVersion=${rv}`);
    expect(res.status).toBe(200);
    const line = JSON.parse((await res.text()).trim());
    expect(line).toEqual({
      type: "ERROR",
      object: {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: expect.stringMatching(/^too old resource version: \d+ \(\d+\)$/),
        reason: "Expired",
        code: 410,
      },
    });
  });

  it("bounded history: a watch older than historyLimit events is expired", async () => {
    const f = await startKubeFake({ historyLimit: 3 });
    try {
      const rv = f.resourceVersion();
      for (let i = 0; i < 5; i++) f.createConfigMap({ metadata: { name: `h${i}`, namespace: "default" } });
      const old = await (await fetch(`${f.url}/api/v1/configmaps?watch=true&resourceVersion=${rv}`)).text();
      expect(JSON.parse(old.trim()).object.code).toBe(410);
      const recent = String(Number(f.resourceVersion()) - 2);
      const res = await fetch(
        `${f.url}/api/v1/configmaps?watch=true&resourceVersion=${recent}&timeoutSeconds=1`,
      );
      const lines = (await res.text())
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(lines.map((l) => l.object.metadata.name)).toEqual(["h3", "h4"]);
    } finally {
      await f.close();
    }
  });

  it("nodes: admission adds the not-ready taint, quantities are canonical, Ready=True removes the taint (node.create)", async () => {
    const created = await raw(fake, "POST", "/api/v1/nodes", RECORDED.nodeCreate.request);
    expect(created.status).toBe(201);
    expect(scrub(created.body)).toEqual(scrub(RECORDED.nodeCreate.response));
    const node = await waitFor(() => {
      const n = fake.get("nodes", undefined, NODE);
      return !n.spec.taints.some((t: any) => t.key === "node.kubernetes.io/not-ready") && n;
    }, "not-ready taint removal");
    // a status patch identical to the stored status is a no-op: same resourceVersion (node.status.mergepatch).
    // Checked once the lifecycle controller has removed the taint, so its own update cannot fall in between.
    const same = await raw(
      fake,
      "PATCH",
      `/api/v1/nodes/${NODE}/status`,
      { status: fake.get("nodes", undefined, NODE).status },
      "application/merge-patch+json",
    );
    expect(same.body.metadata.resourceVersion).toBe(node.metadata.resourceVersion);
    expect(node.spec).toEqual(RECORDED.nodeGetAfterReady.spec);
    expect(node.metadata.labels).toEqual(RECORDED.nodeGetAfterReady.metadata.labels);
    expect(node.metadata.annotations).toEqual(RECORDED.nodeGetAfterReady.metadata.annotations);
    // Ready=False brings the taint back (the node lifecycle controller's job in a real cluster)
    await core.patchNodeStatus(
      {
        name: NODE,
        body: { status: { conditions: [{ type: "Ready", status: "False", reason: "ArmUnreachable" }] } },
      },
      setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
    );
    await waitFor(
      () =>
        fake
          .get("nodes", undefined, NODE)
          .spec.taints.some((t: any) => t.key === "node.kubernetes.io/not-ready"),
      "not-ready taint",
    );
  });

  it("events: generateName and the defaults of event.create", async () => {
    await raw(fake, "POST", "/api/v1/namespaces", { metadata: { name: "rec" } });
    const res = await raw(fake, "POST", "/api/v1/namespaces/rec/events", RECORDED.eventCreate.request);
    expect(res.status).toBe(201);
    expect(res.body.metadata.name).toMatch(/^web-0\.[a-z0-9]{5}$/);
    const scrubName = (o: any) => ({ ...scrub(o), metadata: { ...scrub(o).metadata, name: "NAME" } });
    expect(scrubName(res.body)).toEqual(scrubName(RECORDED.eventCreate.response));
    const list = await core.listNamespacedEvent({
      namespace: "rec",
      fieldSelector: "involvedObject.name=web-0,reason=Pulled",
    });
    expect(list.items.length).toBeGreaterThanOrEqual(1);
    const bad = await apiError(
      core.createNamespacedEvent({
        namespace: "rec",
        body: { metadata: { name: "e1" }, involvedObject: { namespace: "other", name: "x" } },
      }),
    );
    expect(bad.code).toBe(422);
  });

  it("secrets: stringData becomes base64 data (secret.create)", async () => {
    const res = await raw(fake, "POST", "/api/v1/namespaces/rec/secrets", RECORDED.secretCreate.request);
    expect(scrub(res.body)).toEqual(scrub(RECORDED.secretCreate.response));
  });

  it("TokenRequest returns a token and an expirationTimestamp", async () => {
    await freshNs();
    const tr = await core.createNamespacedServiceAccountToken({
      name: "default",
      namespace: ns,
      body: { spec: { audiences: ["api://aci-bridge"], expirationSeconds: 3600 } },
    });
    expect(tr.status!.token.split(".")).toHaveLength(3);
    const claims = JSON.parse(Buffer.from(tr.status!.token.split(".")[1]!, "base64url").toString());
    expect(claims).toMatchObject({ aud: ["api://aci-bridge"], sub: `system:serviceaccount:${ns}:default` });
    expect(tr.status!.expirationTimestamp.getTime() - Date.now()).toBeGreaterThan(3500_000);
    const missing = await apiError(
      core.createNamespacedServiceAccountToken({
        name: "nope",
        namespace: ns,
        body: { spec: { audiences: [] } },
      }),
    );
    expect(missing.code).toBe(404);
  });

  it("binding subresource binds once; pod spec updates other than image are 422", async () => {
    await freshNs();
    await core.createNamespacedPod({ namespace: ns, body: pod("b") });
    await core.createNamespacedBinding({
      namespace: ns,
      body: { metadata: { name: "b" }, target: { kind: "Node", name: NODE } },
    });
    const bound = await core.readNamespacedPod({ name: "b", namespace: ns });
    expect(bound.spec!.nodeName).toBe(NODE);
    const again = await apiError(
      core.createNamespacedBinding({
        namespace: ns,
        body: { metadata: { name: "b" }, target: { kind: "Node", name: "other" } },
      }),
    );
    expect(again.code).toBe(409);
    const changed = { ...bound, spec: { ...bound.spec!, restartPolicy: "Never" } };
    expect(
      (await apiError(core.replaceNamespacedPod({ name: "b", namespace: ns, body: changed }))).code,
    ).toBe(422);
    const image = {
      ...bound,
      spec: { ...bound.spec!, containers: [{ ...bound.spec!.containers[0]!, image: "busybox:1.37" }] },
    };
    const replaced = await core.replaceNamespacedPod({ name: "b", namespace: ns, body: image });
    expect(replaced.spec!.containers[0]!.image).toBe("busybox:1.37");
  });

  it("answers 501 naming the method and path for anything not implemented", async () => {
    for (const [method, path] of [
      ["GET", "/api/v1/services"],
      ["GET", "/api/v1/namespaces/default/pods/x/log"],
      ["DELETE", "/api/v1/namespaces/default/pods"],
      ["GET", "/apis/apps/v1/deployments"],
    ] as const) {
      const res = await raw(fake, method, path);
      expect(res.status).toBe(501);
      expect(res.body).toMatchObject({ kind: "Status", code: 501, reason: "NotImplemented" });
      expect(res.body.message).toContain(`${method} ${path}`);
    }
    const apply = await raw(
      fake,
      "PATCH",
      "/api/v1/namespaces/default/pods/x",
      {},
      "application/apply-patch+yaml",
    );
    expect(apply.status).toBe(501);
  });

  it("fault injection: a 500 once, then success; calls record both", async () => {
    await freshNs();
    fake.createPod({ ...pod("f"), metadata: { name: "f", namespace: ns } });
    const remove = fake.faults.add({
      method: "GET",
      path: new RegExp(`/namespaces/${ns}/pods/f$`),
      status: 500,
      times: 1,
    });
    const e = await apiError(core.readNamespacedPod({ name: "f", namespace: ns }));
    expect(e.code).toBe(500);
    expect(e.body).toMatchObject({ kind: "Status", reason: "InternalError", code: 500 });
    await core.readNamespacedPod({ name: "f", namespace: ns });
    const calls = fake.calls.filter((c) => c.path === `/api/v1/namespaces/${ns}/pods/f`);
    expect(calls.map((c) => c.status)).toEqual([500, 200]);
    expect(calls[0]!.user).toBe("kube-fake-admin");
    remove();
    const tooMany = fake.faults.add({ path: /\/pods\/f$/, status: 429 });
    const r = await raw(fake, "GET", `/api/v1/namespaces/${ns}/pods/f`);
    expect(r.status).toBe(429);
    tooMany();
  });

  it("discovery endpoints", async () => {
    expect((await raw(fake, "GET", "/version")).body.minor).toBe("32");
    const v1 = await raw(fake, "GET", "/api/v1");
    expect(v1.body.resources.map((r: any) => r.name)).toContain("pods/status");
    const coordination = await raw(fake, "GET", "/apis/coordination.k8s.io/v1");
    expect(coordination.body.resources[0].name).toBe("leases");
  });
});

describe("quantity canonicalisation", () => {
  it.each([
    ["10000", "10k"],
    ["5000", "5k"],
    ["4Ti", "4Ti"],
    ["1.5Gi", "1536Mi"],
    ["0.5", "500m"],
    ["1000m", "1"],
    ["1500", "1500"],
    ["1.5", "1500m"],
    ["1024", "1024"],
    ["2048Ki", "2Mi"],
    ["0", "0"],
    ["129e6", "129e6"],
    ["100m", "100m"],
  ])("%s → %s", (input, out) => {
    expect(canonicalQuantity(input)).toBe(out);
  });
});
