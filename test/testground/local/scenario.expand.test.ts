/** Workload expansion for the API fake: names, labels and owners as the controllers make them. */
import { readFileSync } from "node:fs";
import type { V1Node } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import {
  assertPlayableWithFake,
  expandManifests,
  parseManifests,
  podTemplateHash,
  safeEncode,
  ScenarioError,
  toApiVersionServed,
} from "../../../testground/local/scenario.js";

/** A seeded generator so suffixes are stable. */
function seeded(seed = 1): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

const SUFFIX = /^[bcdfghjklmnpqrstvwxz2456789]{5}$/;
const article = parseManifests(
  readFileSync("testground/scenarios/aci-helloworld.yaml", "utf8"),
  "testground/scenarios/aci-helloworld.yaml",
);

describe("parseManifests", () => {
  it("reads the article's file: the Deployment (apps/v1beta1) and the Service, with their lines", () => {
    expect(article.map((d) => [d.where, d.object.kind, d.object.apiVersion])).toEqual([
      ["testground/scenarios/aci-helloworld.yaml:2", "Deployment", "apps/v1beta1"],
      ["testground/scenarios/aci-helloworld.yaml:27", "Service", "v1"],
    ]);
  });

  it("skips empty documents, flattens kind: List", () => {
    const docs = parseManifests(
      "---\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n",
      "f.yaml",
    );
    expect(docs.map((d) => d.object.metadata?.name)).toEqual(["a"]);
  });

  it.each([
    ["key: [1\n", /f\.yaml:2:1: invalid YAML: /],
    [
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n   bad: 1\n",
      /f\.yaml:4:\d+: invalid YAML: Nested mappings/,
    ],
    ["- a\n- b\n", /f\.yaml:1: a manifest must be a mapping/],
    ["kind: Pod\nmetadata: {name: p}\n", /f\.yaml:1: the document has no apiVersion\/kind/],
    ["apiVersion: v1\nkind: Pod\nmetadata: {}\n", /f\.yaml:1: Pod has no metadata\.name/],
  ])("rejects %j with the line", (text, message) => {
    expect(() => parseManifests(text, "f.yaml")).toThrow(ScenarioError);
    expect(() => parseManifests(text, "f.yaml")).toThrow(message);
  });
});

describe("pod-template-hash", () => {
  it("maps decimal digits into the safe alphabet like rand.SafeEncodeString (the article's 674f5554bd = 2309111068)", () => {
    expect(safeEncode("2309111068")).toBe("674f5554bd");
  });
  it("is stable per template and changes with it", () => {
    const t = { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "c", image: "x" }] } };
    expect(podTemplateHash(t)).toBe(podTemplateHash(structuredClone(t)));
    expect(podTemplateHash(t)).not.toBe(
      podTemplateHash({ ...t, spec: { containers: [{ name: "c", image: "y" }] } }),
    );
    expect(podTemplateHash(t)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  });
});

describe("expandManifests", () => {
  it("Deployment (apps/v1beta1): 3 pods <deploy>-<hash>-<5>, pod-template-hash label, ReplicaSet owner; Service skipped", () => {
    const plan = expandManifests(article, { random: seeded() });
    expect(plan.pods).toHaveLength(3);
    const hash = plan.pods[0]!.metadata!.labels!["pod-template-hash"]!;
    for (const pod of plan.pods) {
      const name = pod.metadata!.name!;
      expect(name.startsWith(`aci-helloworld-${hash}-`)).toBe(true);
      expect(name.slice(`aci-helloworld-${hash}-`.length)).toMatch(SUFFIX);
      expect(pod.metadata!.namespace).toBe("default");
      expect(pod.metadata!.labels).toEqual({ app: "aci-helloworld", "pod-template-hash": hash });
      expect(pod.metadata!.ownerReferences).toEqual([
        expect.objectContaining({ kind: "ReplicaSet", name: `aci-helloworld-${hash}`, controller: true }),
      ]);
      expect(pod.spec!.nodeSelector).toEqual({
        "kubernetes.io/hostname": "virtual-kubelet-aci-connector-linux-westus",
      });
      expect(pod.spec!.tolerations).toEqual([{ key: "azure.com/aci", effect: "NoSchedule" }]);
      expect(pod.spec!.nodeName).toBeUndefined(); // the scheduler stand-in binds
    }
    expect(new Set(plan.pods.map((p) => p.metadata!.name)).size).toBe(3);
    expect(plan.notes[0]).toContain(
      "deployment.apps/aci-helloworld created (apiVersion apps/v1beta1, as apps/v1)",
    );
    expect(plan.notes[1]).toMatch(/^service\/aci-helloworld-lb skipped: /);
  });

  it("StatefulSet: ordinal names, pod-name/index labels, hostname, PVC volumes from claim templates", () => {
    const docs = parseManifests(
      `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web, namespace: shop}
spec:
  serviceName: web
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: nginx}]}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce]}
`,
      "s.yaml",
    );
    const plan = expandManifests(docs);
    expect(plan.pods.map((p) => p.metadata!.name)).toEqual(["web-0", "web-1"]);
    const web1 = plan.pods[1]!;
    expect(web1.metadata!.namespace).toBe("shop");
    expect(web1.metadata!.labels).toMatchObject({
      app: "web",
      "statefulset.kubernetes.io/pod-name": "web-1",
      "apps.kubernetes.io/pod-index": "1",
    });
    expect(web1.metadata!.labels!["controller-revision-hash"]).toMatch(/^web-/);
    expect(web1.spec!.hostname).toBe("web-1");
    expect(web1.spec!.subdomain).toBe("web");
    expect(web1.spec!.volumes).toEqual([
      { name: "data", persistentVolumeClaim: { claimName: "data-web-1" } },
    ]);
  });

  it("Job: parallelism pods <job>-<5> with job-name labels; restartPolicy Always is refused like the API server", () => {
    const job = (restartPolicy: string) =>
      parseManifests(
        `apiVersion: batch/v1
kind: Job
metadata: {name: pi}
spec:
  parallelism: 2
  completions: 5
  template:
    spec:
      restartPolicy: ${restartPolicy}
      containers: [{name: pi, image: perl}]
`,
        "j.yaml",
      );
    const plan = expandManifests(job("Never"), { random: seeded(7) });
    expect(plan.pods).toHaveLength(2);
    for (const pod of plan.pods) {
      expect(pod.metadata!.name!.slice(3)).toMatch(SUFFIX);
      expect(pod.metadata!.labels).toMatchObject({ "job-name": "pi", "batch.kubernetes.io/job-name": "pi" });
      expect(pod.metadata!.ownerReferences![0]).toMatchObject({
        kind: "Job",
        name: "pi",
        apiVersion: "batch/v1",
      });
    }
    expect(() => expandManifests(job("Always"))).toThrow(
      /j\.yaml:1: Job pi: spec\.template\.spec\.restartPolicy: Required value/,
    );
  });

  it("CronJob: one Job now (<cronjob>-<minutes>) and its pod", () => {
    const docs = parseManifests(
      `apiVersion: batch/v1
kind: CronJob
metadata: {name: hello}
spec:
  schedule: "*/1 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: hello, image: busybox}]
`,
      "c.yaml",
    );
    const plan = expandManifests(docs, { now: new Date(60_000 * 29_000_000) });
    expect(plan.pods).toHaveLength(1);
    expect(plan.pods[0]!.metadata!.name).toMatch(/^hello-29000000-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(plan.pods[0]!.metadata!.labels!["job-name"]).toBe("hello-29000000");
  });

  it("DaemonSet: one pod per node, pinned with matchFields node affinity and the controller's tolerations", () => {
    const docs = parseManifests(
      `apiVersion: extensions/v1beta1
kind: DaemonSet
metadata: {name: agent}
spec:
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: a, image: agent}]}
`,
      "d.yaml",
    );
    const nodes: V1Node[] = [{ metadata: { name: "n1" } }, { metadata: { name: "n2" } }];
    const plan = expandManifests(docs, { nodes });
    expect(plan.pods).toHaveLength(2);
    expect(
      plan.pods[1]!.spec!.affinity!.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution,
    ).toEqual({
      nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["n2"] }] }],
    });
    expect(plan.pods[0]!.spec!.tolerations).toContainEqual({
      key: "node.kubernetes.io/not-ready",
      operator: "Exists",
      effect: "NoExecute",
    });
    expect(plan.notes[0]).toMatch(/^daemonset\.apps\/agent created/);
  });

  it("plain objects are created as they are; Pods keep their name and get the default namespace", () => {
    const docs = parseManifests(
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: b}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: x}]}\n",
      "p.yaml",
    );
    const plan = expandManifests(docs);
    expect(plan.objects).toEqual([{ resource: "configmaps", object: docs[0]!.object }]);
    expect(plan.pods.map((p) => [p.metadata!.namespace, p.metadata!.name])).toEqual([["default", "p"]]);
    expect(plan.workloads).toEqual([{ ref: "pod/p", pods: ["p"] }]);
  });

  it("refuses kinds it cannot play, naming the document", () => {
    const docs = parseManifests("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n", "w.yaml");
    expect(() => assertPlayableWithFake(docs)).toThrow(
      /w\.yaml:1: kind Widget \(example\.com\/v1\) is not supported/,
    );
    expect(() => expandManifests(docs)).toThrow(ScenarioError);
  });
});

describe("toApiVersionServed (real clusters)", () => {
  it("moves apps/v1beta1 Deployments to apps/v1 and keeps the selector", () => {
    const { object, note } = toApiVersionServed(article[0]!.object);
    expect(object.apiVersion).toBe("apps/v1");
    expect(object.spec!.selector).toEqual({ matchLabels: { app: "aci-helloworld" } });
    expect(note).toContain("removed in Kubernetes 1.16");
    expect(article[0]!.object.apiVersion).toBe("apps/v1beta1"); // not mutated
  });
  it("fills a missing selector from the template labels (old versions defaulted it); leaves current versions alone", () => {
    const old = {
      apiVersion: "extensions/v1beta1",
      kind: "Deployment",
      metadata: { name: "d" },
      spec: { template: { metadata: { labels: { a: "b" } } } },
    };
    expect(toApiVersionServed(old).object.spec!.selector).toEqual({ matchLabels: { a: "b" } });
    const current = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" } };
    expect(toApiVersionServed(current)).toEqual({ object: current });
  });
});
