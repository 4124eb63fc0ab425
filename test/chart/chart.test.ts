/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- rendered manifests and pod fixtures are untyped YAML/JSON */
/**
 * Chart tests: render with the Helm stand-in (test/chart/helm.ts), validate every object against the
 * Kubernetes schemas in `kubernetes-models`, and assert the security-relevant parts exactly.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Deployment } from "kubernetes-models/apps/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import {
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
} from "kubernetes-models/rbac.authorization.k8s.io/v1";
import { Secret, Service, ServiceAccount } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { loadWatcherConfig } from "../../lib/config.js";
import {
  CHART_DIR,
  find,
  loadDefaultValues,
  renderChart,
  schemaValidator,
  SchemaError,
  type Obj,
} from "./helm.js";
import { parseTemplate, Renderer, TemplateError } from "./gotemplate.js";

const MODELS: Record<string, new (o: any) => { validate(): void }> = {
  Deployment,
  PodDisruptionBudget,
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
  Secret,
  Service,
  ServiceAccount,
};

const CONN = {
  queue: {
    connectionString:
      "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=a2V5;EndpointSuffix=core.windows.net",
  },
};

function validateAll(objects: Obj[]): void {
  for (const o of objects) {
    const Model = MODELS[o.kind];
    if (!Model) throw new Error(`no validator for kind ${o.kind}`);
    expect(() => new Model(o).validate(), `${o.kind} ${o.metadata?.name}`).not.toThrow();
  }
}

const kinds = (objects: Obj[]) => objects.map((o) => o.kind).sort();
const container = (r: ReturnType<typeof renderChart>) =>
  find(r, "Deployment")!.spec.template.spec.containers[0];
const envOf = (r: ReturnType<typeof renderChart>) =>
  Object.fromEntries((container(r).env as Obj[]).map((e) => [e.name, e.value ?? e.valueFrom]));

describe("chart: default values (+ a queue connection string)", () => {
  const r = renderChart(CONN);

  it("renders valid Kubernetes objects, all in the release namespace except cluster-scoped RBAC", () => {
    expect(kinds(r.objects)).toEqual(
      [
        "ClusterRole",
        "ClusterRoleBinding",
        "Deployment",
        "PodDisruptionBudget",
        "Role",
        "RoleBinding",
        "Secret",
        "ServiceAccount",
      ].sort(),
    );
    validateAll(r.objects);
    for (const o of r.objects) {
      if (o.kind.startsWith("Cluster")) expect(o.metadata.namespace).toBeUndefined();
      else expect(o.metadata.namespace).toBe("aci-bridge");
      expect(o.metadata.labels["app.kubernetes.io/managed-by"]).toBe("Helm");
      expect(o.metadata.labels["helm.sh/chart"]).toBe("aci-bridge-watcher-0.1.0");
    }
  });

  it("grants exactly the API calls the watcher makes", () => {
    expect(find(r, "ClusterRole")!.rules).toEqual([
      { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] },
    ]);
    // lib/watcher/elector.ts: get + create + update of one Lease (create cannot be limited by name).
    expect(find(r, "Role")!.rules).toEqual([
      { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
      {
        apiGroups: ["coordination.k8s.io"],
        resources: ["leases"],
        resourceNames: ["aci-bridge-watcher"],
        verbs: ["get", "update"],
      },
    ]);
    const sa = { kind: "ServiceAccount", name: "aci-bridge-watcher", namespace: "aci-bridge" };
    expect(find(r, "ClusterRoleBinding")!.subjects).toEqual([sa]);
    expect(find(r, "ClusterRoleBinding")!.roleRef).toEqual({
      apiGroup: "rbac.authorization.k8s.io",
      kind: "ClusterRole",
      name: "aci-bridge-watcher",
    });
    expect(find(r, "RoleBinding")!.subjects).toEqual([sa]);
    expect(find(r, "RoleBinding")!.roleRef.name).toBe("aci-bridge-watcher");
  });

  it("runs 2 replicas with leader election on the Lease the Role names, and a PDB", () => {
    const d = find(r, "Deployment")!;
    expect(d.spec.replicas).toBe(2);
    expect(envOf(r).WATCHER_LEADER_ELECTION).toBe("true");
    expect(envOf(r).WATCHER_LEASE_NAME).toBe(find(r, "Role")!.rules[1].resourceNames[0]);
    expect(envOf(r).WATCHER_NAMESPACE).toEqual({ fieldRef: { fieldPath: "metadata.namespace" } });
    expect(find(r, "PodDisruptionBudget")!.spec).toEqual({
      minAvailable: 1,
      selector: { matchLabels: d.spec.selector.matchLabels },
    });
    expect(d.spec.template.metadata.labels).toMatchObject(d.spec.selector.matchLabels);
  });

  it("uses a restricted security context, probes on /healthz and /readyz, resources and a writable /tmp", () => {
    const pod = find(r, "Deployment")!.spec.template.spec;
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    const c = container(r);
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(c.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "http" });
    expect(c.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "http" });
    expect(c.ports).toEqual([{ name: "http", containerPort: 8080, protocol: "TCP" }]);
    expect(c.resources).toEqual({ requests: { cpu: "50m", memory: "96Mi" }, limits: { memory: "192Mi" } });
    expect(envOf(r).NODE_OPTIONS).toBe("--max-old-space-size=64 --max-semi-space-size=1");
    expect(c.volumeMounts).toEqual([{ name: "tmp", mountPath: "/tmp" }]);
    expect(c.image).toBe("ghcr.io/aci-bridge/aci-bridge-watcher:0.1.0");
    expect(
      pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]
        .matchExpressions,
    ).toEqual([{ key: "type", operator: "NotIn", values: ["virtual-kubelet"] }]);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(r.values.watcher.shutdownGraceSeconds);
  });

  it("passes the queue credential from the Secret, never inline", () => {
    const secret = find(r, "Secret")!;
    expect(Buffer.from(secret.data.connectionString, "base64").toString()).toBe(CONN.queue.connectionString);
    expect(envOf(r).PodEventsStorage).toEqual({
      secretKeyRef: { name: "aci-bridge-watcher", key: "connectionString" },
    });
    expect(JSON.stringify(find(r, "Deployment"))).not.toContain("AccountKey");
  });

  it("produces an environment the watcher's config loader accepts (names and formats agree)", () => {
    const env: Record<string, string> = {
      PodEventsStorage: CONN.queue.connectionString,
      WATCHER_NAMESPACE: "aci-bridge",
      WATCHER_POD_NAME: "w-0",
    };
    for (const [k, v] of Object.entries(envOf(r))) if (typeof v === "string") env[k] = v;
    const config = loadWatcherConfig(env);
    expect(config.nodeNames).toEqual(["aci-bridge"]);
    expect(config.leaderElection).toMatchObject({
      enabled: true,
      leaseName: "aci-bridge-watcher",
      leaseDurationSeconds: 15,
    });
    expect(config.httpPort).toBe(8080);
  });

  it("NOTES tell the user how to check the node and run a test pod with the right nodeSelector and toleration", () => {
    expect(r.notes).toContain("kubectl get node aci-bridge");
    expect(r.notes).toContain(
      '"nodeSelector":{"kubernetes.io/hostname":"aci-bridge","type":"virtual-kubelet"}',
    );
    expect(r.notes).toContain('"key":"virtual-kubelet.io/provider"');
    expect(r.notes).toContain("kubectl -n aci-bridge get lease aci-bridge-watcher");
  });
});

describe("chart: variants", () => {
  it("replicaCount 1 → no PodDisruptionBudget", () => {
    const r = renderChart({ ...CONN, replicaCount: 1 });
    expect(find(r, "PodDisruptionBudget")).toBeUndefined();
    expect(find(r, "Deployment")!.spec.replicas).toBe(1);
    validateAll(r.objects);
  });

  it("replicaCount 1 without leader election → no Role/RoleBinding; 2 without it → refused", () => {
    const r = renderChart({ ...CONN, replicaCount: 1, leaderElection: { enabled: false } });
    expect(kinds(r.objects)).not.toContain("Role");
    expect(kinds(r.objects)).not.toContain("RoleBinding");
    expect(envOf(r).WATCHER_LEADER_ELECTION).toBe("false");
    expect(() => renderChart({ ...CONN, leaderElection: { enabled: false } })).toThrow(
      /needs leaderElection.enabled/,
    );
  });

  it("existingSecret: no Secret rendered, the named one is referenced with the chosen key", () => {
    const r = renderChart({ queue: { existingSecret: "queue-cred", existingSecretKey: "sasUrl" } });
    expect(find(r, "Secret")).toBeUndefined();
    expect(envOf(r).WATCHER_QUEUE_SAS_URL).toEqual({ secretKeyRef: { name: "queue-cred", key: "sasUrl" } });
    expect(envOf(r).PodEventsStorage).toBeUndefined();
    validateAll(r.objects);
  });

  it("SAS URL in values → Secret key sasUrl", () => {
    const sasUrl = "https://acct.queue.core.windows.net/pod-events?sv=2022-11-02&sp=a&sig=abc";
    const r = renderChart({ queue: { sasUrl } });
    expect(Buffer.from(find(r, "Secret")!.data.sasUrl, "base64").toString()).toBe(sasUrl);
    expect(envOf(r).WATCHER_QUEUE_SAS_URL).toEqual({
      secretKeyRef: { name: "aci-bridge-watcher", key: "sasUrl" },
    });
  });

  it("workload identity: SA annotation, pod label, queue URI env, no Secret", () => {
    const clientId = "00000000-1111-2222-3333-444444444444";
    const r = renderChart({
      workloadIdentity: { enabled: true, clientId },
      queue: { serviceUri: "https://acct.queue.core.windows.net" },
    });
    expect(find(r, "Secret")).toBeUndefined();
    const sa = find(r, "ServiceAccount")!;
    expect(sa.metadata.annotations).toEqual({ "azure.workload.identity/client-id": clientId });
    expect(find(r, "Deployment")!.spec.template.metadata.labels["azure.workload.identity/use"]).toBe("true");
    expect(envOf(r)).toMatchObject({
      PodEventsStorage__queueServiceUri: "https://acct.queue.core.windows.net",
      PodEventsStorage__clientId: clientId,
    });
    validateAll(r.objects);
    expect(() => renderChart({ workloadIdentity: { enabled: true, clientId } })).toThrow(
      /queue.serviceUri is required/,
    );
  });

  it("several node names → one comma-separated ACI_NODE_NAMES the watcher parses", () => {
    const r = renderChart({ ...CONN, nodeNames: ["aci-east", "aci-west"] });
    expect(envOf(r).ACI_NODE_NAMES).toBe("aci-east,aci-west");
    expect(r.notes).toContain("It watches pods on: aci-east, aci-west");
  });

  it("metrics Service, extra annotations, a release name that already contains the chart name", () => {
    const r = renderChart(
      {
        ...CONN,
        service: { enabled: true, annotations: { "prometheus.io/scrape": "true" } },
        podAnnotations: { a: "b" },
      },
      { releaseName: "prod-aci-bridge-watcher", namespace: "aci" },
    );
    const svc = find(r, "Service")!;
    expect(svc.metadata.name).toBe("prod-aci-bridge-watcher");
    expect(svc.spec.ports).toEqual([{ name: "http", port: 8080, targetPort: "http", protocol: "TCP" }]);
    expect(svc.spec.selector).toEqual(find(r, "Deployment")!.spec.selector.matchLabels);
    expect(find(r, "Deployment")!.spec.template.metadata.annotations).toEqual({ a: "b" });
    validateAll(r.objects);
  });

  it("refuses to render without any queue credential", () => {
    expect(() => renderChart({})).toThrow(
      /set queue.connectionString, queue.sasUrl, queue.existingSecret, or workloadIdentity.enabled/,
    );
  });
});

describe("chart: values.schema.json", () => {
  const validate = schemaValidator();
  const defaults = loadDefaultValues();

  it("accepts values.yaml and the documented variants", () => {
    expect(validate(defaults)).toEqual([]);
    for (const over of [
      { replicaCount: 1 },
      { nodeNames: ["aci-east", "aci-west"] },
      { queue: { ...defaults.queue, existingSecret: "x", existingSecretKey: "sasUrl" } },
      { workloadIdentity: { enabled: true, clientId: "00000000-1111-2222-3333-444444444444" } },
    ]) {
      expect(validate({ ...defaults, ...over }), JSON.stringify(over)).toEqual([]);
    }
  });

  it.each([
    ["an unknown top-level key (typo)", { replicas: 2 }],
    ["an invalid node name", { nodeNames: ["ACI_Bridge"] }],
    ["no node names", { nodeNames: [] }],
    ["zero replicas", { replicaCount: 0 }],
    ["replicas as a string", { replicaCount: "2" }],
    ["a bad pull policy", { image: { repository: "x", pullPolicy: "Sometimes" } }],
    [
      "a SAS URL without a signature",
      { queue: { name: "pod-events", sasUrl: "https://a.queue.core.windows.net/pod-events" } },
    ],
    ["a bad queue name", { queue: { name: "Pod_Events" } }],
    ["workload identity without a client id", { workloadIdentity: { enabled: true } }],
    ["privilege escalation", { securityContext: { allowPrivilegeEscalation: true } }],
    ["running as root allowed", { podSecurityContext: { runAsNonRoot: false } }],
    ["a privileged port", { httpPort: 80 }],
    ["a malformed memory limit", { resources: { limits: { memory: "lots" } } }],
  ])("rejects %s", (_what, over) => {
    expect(validate({ ...defaults, ...over })).not.toEqual([]);
    expect(() => renderChart({ ...CONN, ...over })).toThrow(SchemaError);
  });

  it("every value in values.yaml is documented with a `# --` comment (on it or on its parent map)", () => {
    const lines = readFileSync(join(CHART_DIR, "values.yaml"), "utf8").split("\n");
    const stack: { indent: number; documented: boolean }[] = [];
    const undocumented: string[] = [];
    for (let i = 0; i < lines.length; i++) {
      const m = /^(\s*)([A-Za-z][\w]*):(.*)$/.exec(lines[i]!);
      if (!m) continue;
      const indent = m[1]!.length;
      while (stack.length && stack[stack.length - 1]!.indent >= indent) stack.pop();
      let j = i - 1;
      while (j >= 0 && /^\s*#(?! --)/.test(lines[j]!)) j--;
      const own = j >= 0 && /^\s*# -- /.test(lines[j]!);
      // A map whose first child line is a `# --` comment documents the group (e.g. `livenessProbe:`).
      const firstChild = m[3]!.trim() === "" && /^\s*# -- /.test(lines[i + 1] ?? "");
      const documented = own || firstChild || stack.some((s) => s.documented);
      if (m[3]!.trim() !== "" && !documented) undocumented.push(m[2]!);
      stack.push({ indent, documented: own || firstChild });
    }
    expect(undocumented).toEqual([]);
  });
});

describe("Go template stand-in", () => {
  const run = (src: string, values: Obj = {}) => {
    const r = new Renderer();
    const t = parseTemplate(src, "t");
    r.addDefines(t);
    const root = { Values: values };
    return r.render(t.nodes, root, root);
  };

  it.each([
    ['{{ "a" | quote }}', '"a"'],
    ["a  {{- 1 -}}  b", "a1b"],
    ["{{/* c */}}x", "x"],
    ['{{ default "d" .Values.x }}', "d"],
    ["{{ if .Values.x }}y{{ else if .Values.z }}z{{ else }}n{{ end }}", "n"],
    ["{{ with .Values.m }}{{ .k }}{{ end }}", "v"],
    ['{{ $n := "x" }}{{ printf "%s-%d" $n 3 }}', "x-3"],
    ["{{ toYaml .Values.m | nindent 2 }}", "\n  k: v"],
    ['{{ "abcdef" | trunc 3 }}', "abc"],
    ['{{ and 1 "" }}|{{ or 0 "b" }}|{{ not "" }}', "|b|true"],
    ['{{ define "x" }}[{{ . }}]{{ end }}{{ include "x" "q" }}', "[q]"],
    ['{{ gt (int "3") 2 }}', "true"],
    ['{{ join "," .Values.l }}', "a,b"],
  ])("%s → %j", (src, out) => {
    expect(run(src, { m: { k: "v" }, l: ["a", "b"] })).toBe(out);
  });

  it("fails like Helm on nil field access, unknown functions and unsupported actions", () => {
    expect(() => run("{{ .Values.a.b }}")).toThrow(/nil pointer/);
    expect(() => run("{{ lookup 1 }}")).toThrow(TemplateError);
    expect(() => run("{{ range .Values.l }}{{ end }}", { l: [] })).toThrow(/unsupported action "range"/);
    expect(() => run('{{ required "need x" .Values.x }}')).toThrow(/need x/);
  });
});
