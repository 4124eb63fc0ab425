/* eslint-disable @typescript-eslint/no-unsafe-return -- rendered manifests are untyped YAML */
/**
 * Chart tests with the real helm, 3 and 4 (test/chart/helm.ts): `helm lint --strict` and `helm template` of
 * every install command the docs give operators (read from docs/deploy.md and docs/watcher.md), every object
 * validated against the Kubernetes schemas in `kubernetes-models`, the security-relevant parts asserted
 * exactly, and bad values refused by helm itself — by values.schema.json or by a template-time `fail`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { loadWatcherConfig } from "../../lib/config.js";
import { helmInstallCommands, type DocCommand } from "./docs.js";
import {
  CHART_DIR,
  find,
  helm,
  HELM_MAJORS,
  HelmError,
  loadDefaultValues,
  parseManifests,
  renderChart,
  renderFailure,
  scratchDir,
  type Obj,
  type Rendered,
} from "./helm.js";
import { container, envOf, kinds, podSpec, resolvedEnv, validateAll } from "./objects.js";

const CHART = parse(readFileSync(join(CHART_DIR, "Chart.yaml"), "utf8")) as Obj;

const CONN = {
  queue: {
    connectionString:
      "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=a2V5;EndpointSuffix=core.windows.net",
  },
};
const CLIENT_ID = "00000000-1111-2222-3333-444444444444";

/** Sample values for the shell variables the docs' install commands use. */
const DOC_VARS: Record<string, string> = {
  NODE_NAME: "aci-bridge",
  QUEUE: "pod-events",
  QUEUE_SERVICE_URI: "https://acct.queue.core.windows.net/",
  WATCHER_CLIENT_ID: CLIENT_ID,
  PODEVENTS_CONNECTION_STRING: CONN.queue.connectionString,
  PODEVENTS_SAS_URL: "https://acct.queue.core.windows.net/pod-events?sv=2022-11-02&sp=a&sig=abc",
  // docs/kubelet-api.md, "Installing with the chart"
  KUBELET_IP: "10.0.0.250",
  CLUSTER_NAME: "my-aks",
  CLUSTER_ID: "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b",
  SUBSCRIPTION_ID: "11111111-2222-3333-4444-555555555555",
  ACI_RG: "rg-aci-bridge-dev-aci",
};
const DOC_COMMANDS: DocCommand[] = [
  ...helmInstallCommands("docs/deploy.md", DOC_VARS),
  ...helmInstallCommands("docs/watcher.md", DOC_VARS),
  ...helmInstallCommands("docs/kubelet-api.md", DOC_VARS),
];

/** The values-related arguments of a documented `helm install` (what `helm lint` also takes). */
function valueArgs(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (["--set", "--set-string", "--set-json", "-f", "--values", "-n", "--namespace"].includes(a))
      out.push(a, argv[++i]!);
    else if (/^--(set|set-string|set-json|values|namespace)=/.test(a)) out.push(a);
  }
  return out;
}

it("the docs give install commands for every way to authenticate to the queue, and for the kubelet endpoint", () => {
  const joined = DOC_COMMANDS.map((c) => c.argv.join(" "));
  expect(DOC_COMMANDS.length).toBeGreaterThanOrEqual(5);
  for (const needle of [
    "workloadIdentity.enabled=true",
    "queue.existingSecret=",
    "queue.connectionString=",
    "queue.sasUrl=",
    "serviceMonitor.enabled=true",
    "kubelet.enabled=true",
    "kubelet.tls.mode=csr",
  ])
    expect(
      joined.some((c) => c.includes(needle)),
      needle,
    ).toBe(true);
  for (const c of DOC_COMMANDS)
    expect(c.argv.slice(1, 3), c.where).toEqual(["aci-bridge-watcher", "charts/aci-bridge-watcher"]);
});

describe.each(HELM_MAJORS)("Helm %i", (major) => {
  it("is the expected helm", () => {
    expect(helm(major, ["version", "--short"]).stdout).toMatch(new RegExp(`^v${major}\\.`));
  });

  describe("every install command in the docs", () => {
    it.each(DOC_COMMANDS.map((c) => [c.where, c] as const))("%s: helm lint --strict passes", (_w, c) => {
      const r = helm(major, ["lint", "--strict", CHART_DIR, ...valueArgs(c.argv)]);
      expect(r.stdout + r.stderr, r.stderr).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
      expect(r.status).toBe(0);
    });

    it.each(DOC_COMMANDS.map((c) => [c.where, c] as const))(
      "%s: helm template renders valid objects the watcher accepts",
      (_w, c) => {
        const r = helm(major, ["template", ...c.argv.slice(1)]);
        expect(r.stderr).toBe("");
        expect(r.status).toBe(0);
        const rendered: Rendered = { ...parseManifests(r.stdout), notes: "" };
        validateAll(rendered.objects);
        expect(kinds(rendered.objects)).toContain("Deployment");
        const env = resolvedEnv(rendered, {
          connectionString: CONN.queue.connectionString,
          sasUrl: DOC_VARS.PODEVENTS_SAS_URL!,
        });
        const config = loadWatcherConfig(env);
        expect(config.nodeNames).toEqual(["aci-bridge"]);
        expect(config.leaderElection.enabled).toBe(true);
        if (env.WATCHER_KUBELET_ENABLED === "true") {
          // The endpoint the Functions publish (ACI_NODE_IP) is the Service's fixed address.
          const svc = rendered.objects.find((o) => o.kind === "Service" && o.spec.clusterIP)!;
          expect(svc.spec.clusterIP).toBe(DOC_VARS.KUBELET_IP);
          // The ownership tags carry the cluster id the deployment was made with (docs/deploy.md step 2).
          expect(env.ACI_BRIDGE_CLUSTER_NAME).toBe(DOC_VARS.CLUSTER_ID);
          expect(config.kubelet).toMatchObject({
            port: 10250,
            clusterName: DOC_VARS.CLUSTER_ID,
            aci: { subscriptionId: DOC_VARS.SUBSCRIPTION_ID, resourceGroup: DOC_VARS.ACI_RG },
          });
          // csr mode: the certificate's IP SAN is the same fixed address.
          if (env.WATCHER_KUBELET_TLS_MODE === "csr")
            expect(config.kubelet?.tls).toEqual({
              mode: "csr",
              nodeAddress: DOC_VARS.KUBELET_IP,
              dnsNames: ["aci-bridge"],
            });
        }
      },
    );
  });

  describe("default values (+ a queue connection string)", () => {
    const r = renderChart(major, { values: CONN, notes: true });

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
        expect(o.metadata.labels["helm.sh/chart"]).toBe(`aci-bridge-watcher-${CHART.version}`);
        expect(o.metadata.labels["app.kubernetes.io/version"]).toBe(CHART.appVersion);
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
      expect(d.spec.revisionHistoryLimit).toBe(3);
      expect(d.metadata.annotations).toBeUndefined();
      expect(envOf(r).WATCHER_LEADER_ELECTION).toBe("true");
      expect(envOf(r).WATCHER_LEASE_NAME).toBe(find(r, "Role")!.rules[1].resourceNames[0]);
      expect(envOf(r).WATCHER_NAMESPACE).toEqual({ fieldRef: { fieldPath: "metadata.namespace" } });
      expect(find(r, "PodDisruptionBudget")!.spec).toEqual({
        minAvailable: 1,
        selector: { matchLabels: d.spec.selector.matchLabels },
      });
      expect(d.spec.template.metadata.labels).toEqual(d.spec.selector.matchLabels);
    });

    it("uses a restricted security context, probes on /healthz and /readyz, resources and a writable /tmp", () => {
      const pod = podSpec(r);
      expect(pod.securityContext).toEqual({
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
        fsGroup: 1000,
        seccompProfile: { type: "RuntimeDefault" },
      });
      const c = container(r);
      expect(c.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ["ALL"] },
      });
      expect(c.livenessProbe).toEqual({
        httpGet: { path: "/healthz", port: "http" },
        initialDelaySeconds: 5,
        periodSeconds: 10,
        timeoutSeconds: 2,
        failureThreshold: 3,
      });
      expect(c.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "http" });
      expect(c.ports).toEqual([{ name: "http", containerPort: 8080, protocol: "TCP" }]);
      expect(c.resources).toEqual({ requests: { cpu: "50m", memory: "96Mi" }, limits: { memory: "192Mi" } });
      expect(envOf(r).NODE_OPTIONS).toBe("--max-old-space-size=64 --max-semi-space-size=1");
      expect(c.volumeMounts).toEqual([{ name: "tmp", mountPath: "/tmp" }]);
      expect(pod.volumes).toEqual([{ name: "tmp", emptyDir: { sizeLimit: "16Mi" } }]);
      expect(c.image).toBe(`ghcr.io/aci-bridge/aci-bridge-watcher:${CHART.appVersion}`);
      expect(pod.priorityClassName).toBeUndefined();
      expect(pod.topologySpreadConstraints).toBeUndefined();
      expect(
        pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]
          .matchExpressions,
      ).toEqual([{ key: "type", operator: "NotIn", values: ["virtual-kubelet"] }]);
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(
        loadDefaultValues().watcher.shutdownGraceSeconds,
      );
    });

    it("passes the queue credential from the Secret, never inline", () => {
      const secret = find(r, "Secret")!;
      expect(Buffer.from(secret.data.connectionString, "base64").toString()).toBe(
        CONN.queue.connectionString,
      );
      expect(envOf(r).PodEventsStorage).toEqual({
        secretKeyRef: { name: "aci-bridge-watcher", key: "connectionString" },
      });
      expect(JSON.stringify(find(r, "Deployment"))).not.toContain("AccountKey");
    });

    it("produces an environment the watcher's config loader accepts (names and formats agree)", () => {
      const config = loadWatcherConfig(resolvedEnv(r, { connectionString: CONN.queue.connectionString }));
      expect(config.nodeNames).toEqual(["aci-bridge"]);
      expect(config.leaderElection).toMatchObject({
        enabled: true,
        leaseName: "aci-bridge-watcher",
        leaseDurationSeconds: 15,
      });
      expect(config.httpPort).toBe(8080);
    });

    it("NOTES tell the user how to check the leader, the node and run a test pod; nothing unconfigured", () => {
      expect(r.notes).toContain("kubectl get node aci-bridge");
      expect(r.notes).toContain(
        '"nodeSelector":{"kubernetes.io/hostname":"aci-bridge","type":"virtual-kubelet"}',
      );
      expect(r.notes).toContain('"key":"virtual-kubelet.io/provider"');
      expect(r.notes).toContain("kubectl -n aci-bridge get lease aci-bridge-watcher");
      expect(r.notes).toContain("with the connectionString in Secret aci-bridge-watcher");
      expect(r.notes).not.toContain("workload identity");
      expect(r.notes).not.toContain("port-forward");
      expect(r.notes).not.toContain("ServiceMonitor");
    });
  });

  describe("variants", () => {
    it("replicaCount 1 → no PodDisruptionBudget", () => {
      const r = renderChart(major, { values: { ...CONN, replicaCount: 1 } });
      expect(find(r, "PodDisruptionBudget")).toBeUndefined();
      expect(find(r, "Deployment")!.spec.replicas).toBe(1);
      validateAll(r.objects);
    });

    it("replicaCount 1 without leader election → no Role/RoleBinding, no Lease in NOTES; 2 without it → refused", () => {
      const r = renderChart(major, {
        values: { ...CONN, replicaCount: 1, leaderElection: { enabled: false } },
        notes: true,
      });
      expect(kinds(r.objects)).not.toContain("Role");
      expect(kinds(r.objects)).not.toContain("RoleBinding");
      expect(envOf(r).WATCHER_LEADER_ELECTION).toBe("false");
      expect(r.notes).toContain("(1 replica(s)).");
      expect(r.notes).not.toMatch(/lease|leads|leader/i);
      expect(renderFailure(major, { values: { ...CONN, leaderElection: { enabled: false } } })).toMatch(
        /replicaCount > 1 needs leaderElection.enabled/,
      );
    });

    it("existingSecret: no Secret rendered, the named one is referenced with the chosen key", () => {
      const r = renderChart(major, {
        values: { queue: { existingSecret: "queue-cred", existingSecretKey: "sasUrl" } },
        notes: true,
      });
      expect(find(r, "Secret")).toBeUndefined();
      expect(envOf(r).WATCHER_QUEUE_SAS_URL).toEqual({ secretKeyRef: { name: "queue-cred", key: "sasUrl" } });
      expect(envOf(r).PodEventsStorage).toBeUndefined();
      expect(r.notes).toContain("with the sasUrl in Secret queue-cred");
      validateAll(r.objects);
    });

    it("SAS URL in values → Secret key sasUrl", () => {
      const sasUrl = DOC_VARS.PODEVENTS_SAS_URL!;
      const r = renderChart(major, { values: { queue: { sasUrl } } });
      expect(Buffer.from(find(r, "Secret")!.data.sasUrl, "base64").toString()).toBe(sasUrl);
      expect(envOf(r).WATCHER_QUEUE_SAS_URL).toEqual({
        secretKeyRef: { name: "aci-bridge-watcher", key: "sasUrl" },
      });
    });

    it("workload identity: SA annotation, pod label, queue URI env, no Secret; without serviceUri → refused", () => {
      const r = renderChart(major, {
        values: {
          workloadIdentity: { enabled: true, clientId: CLIENT_ID },
          queue: { serviceUri: "https://acct.queue.core.windows.net" },
        },
        notes: true,
      });
      expect(find(r, "Secret")).toBeUndefined();
      expect(find(r, "ServiceAccount")!.metadata.annotations).toEqual({
        "azure.workload.identity/client-id": CLIENT_ID,
      });
      expect(find(r, "Deployment")!.spec.template.metadata.labels["azure.workload.identity/use"]).toBe(
        "true",
      );
      expect(envOf(r)).toMatchObject({
        PodEventsStorage__queueServiceUri: "https://acct.queue.core.windows.net",
        PodEventsStorage__clientId: CLIENT_ID,
      });
      expect(r.notes).toContain(`with workload identity (client id ${CLIENT_ID})`);
      expect(r.notes).not.toContain("Secret");
      validateAll(r.objects);
      expect(
        renderFailure(major, { values: { workloadIdentity: { enabled: true, clientId: CLIENT_ID } } }),
      ).toMatch(/queue.serviceUri is required/);
    });

    it("several node names → one comma-separated ACI_NODE_NAMES the watcher parses", () => {
      const r = renderChart(major, { values: CONN, set: ["nodeNames={aci-east,aci-west}"], notes: true });
      expect(envOf(r).ACI_NODE_NAMES).toBe("aci-east,aci-west");
      expect(r.notes).toContain("It watches pods on: aci-east, aci-west");
    });

    it("metrics Service, extra annotations, a release name that already contains the chart name", () => {
      const r = renderChart(major, {
        values: {
          ...CONN,
          service: { enabled: true, annotations: { "prometheus.io/scrape": "true" } },
          podAnnotations: { a: "b" },
        },
        releaseName: "prod-aci-bridge-watcher",
        namespace: "aci",
        notes: true,
      });
      const svc = find(r, "Service")!;
      expect(svc.metadata.name).toBe("prod-aci-bridge-watcher");
      expect(svc.metadata.annotations).toEqual({ "prometheus.io/scrape": "true" });
      expect(svc.spec.ports).toEqual([{ name: "http", port: 8080, targetPort: "http", protocol: "TCP" }]);
      expect(svc.spec.selector).toEqual(find(r, "Deployment")!.spec.selector.matchLabels);
      expect(find(r, "Deployment")!.spec.template.metadata.annotations).toEqual({ a: "b" });
      expect(r.notes).toContain("kubectl -n aci port-forward svc/prod-aci-bridge-watcher 8080");
      validateAll(r.objects);
    });

    it("ServiceMonitor (off by default): selects the metrics Service's port, with interval and labels", () => {
      const r = renderChart(major, {
        values: {
          ...CONN,
          serviceMonitor: {
            enabled: true,
            additionalLabels: { release: "prometheus" },
            interval: "30s",
            scrapeTimeout: "10s",
            metricRelabelings: [{ action: "drop", regex: "process_.*", sourceLabels: ["__name__"] }],
          },
        },
        notes: true,
      });
      const sm = find(r, "ServiceMonitor")!;
      const svc = find(r, "Service")!;
      expect(sm.apiVersion).toBe("monitoring.coreos.com/v1");
      expect(sm.metadata).toMatchObject({ name: "aci-bridge-watcher", namespace: "aci-bridge" });
      expect(sm.metadata.labels.release).toBe("prometheus");
      expect(sm.metadata.labels["app.kubernetes.io/name"]).toBe("aci-bridge-watcher");
      expect(sm.spec).toEqual({
        jobLabel: "app.kubernetes.io/instance",
        namespaceSelector: { matchNames: ["aci-bridge"] },
        selector: { matchLabels: find(r, "Deployment")!.spec.selector.matchLabels },
        endpoints: [
          {
            port: "http",
            path: "/metrics",
            interval: "30s",
            scrapeTimeout: "10s",
            metricRelabelings: [{ action: "drop", regex: "process_.*", sourceLabels: ["__name__"] }],
          },
        ],
      });
      // The Service it selects exists (even with service.enabled false), carries the labels and names the port.
      for (const [k, v] of Object.entries(sm.spec.selector.matchLabels))
        expect(svc.metadata.labels[k]).toBe(v);
      expect(svc.spec.ports.map((p: Obj) => p.name)).toContain("http");
      expect(r.notes).toContain("ServiceMonitor aci-bridge/aci-bridge-watcher");
      validateAll(r.objects);
      expect(find(renderChart(major, { values: CONN }), "ServiceMonitor")).toBeUndefined();
    });

    it("labels, annotations, digest, priority class, topology spread, extra volumes, revision history", () => {
      const digest = `sha256:${"ab".repeat(32)}`;
      const r = renderChart(major, {
        values: {
          ...CONN,
          commonLabels: { team: "platform", "app.kubernetes.io/name": "ignored" },
          podLabels: { tier: "control" },
          deploymentAnnotations: { "reloader.stakater.com/auto": "true" },
          image: { digest, tag: "ignored-when-digest" },
          priorityClassName: "system-cluster-critical",
          revisionHistoryLimit: 5,
          topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway" },
            {
              maxSkew: 1,
              topologyKey: "kubernetes.io/hostname",
              whenUnsatisfiable: "DoNotSchedule",
              labelSelector: { matchLabels: { custom: "x" } },
            },
          ],
          extraVolumes: [{ name: "ca", configMap: { name: "corp-ca" } }],
          extraVolumeMounts: [{ name: "ca", mountPath: "/etc/ssl/corp", readOnly: true }],
        },
      });
      validateAll(r.objects);
      const d = find(r, "Deployment")!;
      for (const o of r.objects) {
        expect(o.metadata.labels.team, o.kind).toBe("platform");
        expect(o.metadata.labels["app.kubernetes.io/name"], o.kind).toBe("aci-bridge-watcher");
      }
      expect(d.metadata.annotations).toEqual({ "reloader.stakater.com/auto": "true" });
      expect(d.spec.revisionHistoryLimit).toBe(5);
      expect(d.spec.template.metadata.labels).toEqual({
        ...d.spec.selector.matchLabels,
        team: "platform",
        tier: "control",
      });
      const pod = d.spec.template.spec;
      expect(pod.containers[0].image).toBe(`ghcr.io/aci-bridge/aci-bridge-watcher@${digest}`);
      expect(pod.priorityClassName).toBe("system-cluster-critical");
      expect(pod.topologySpreadConstraints).toEqual([
        {
          maxSkew: 1,
          topologyKey: "topology.kubernetes.io/zone",
          whenUnsatisfiable: "ScheduleAnyway",
          labelSelector: { matchLabels: d.spec.selector.matchLabels },
        },
        {
          maxSkew: 1,
          topologyKey: "kubernetes.io/hostname",
          whenUnsatisfiable: "DoNotSchedule",
          labelSelector: { matchLabels: { custom: "x" } },
        },
      ]);
      expect(pod.volumes).toEqual([
        { name: "tmp", emptyDir: { sizeLimit: "16Mi" } },
        { name: "ca", configMap: { name: "corp-ca" } },
      ]);
      expect(pod.containers[0].volumeMounts).toEqual([
        { name: "tmp", mountPath: "/tmp" },
        { name: "ca", mountPath: "/etc/ssl/corp", readOnly: true },
      ]);
    });

    it("strings that YAML 1.1 reads as booleans or numbers stay strings (priorityClassName, labels, annotations)", () => {
      const r = renderChart(major, {
        values: {
          ...CONN,
          priorityClassName: "yes",
          commonLabels: { a: "on", b: "y" },
          podAnnotations: { c: "no", d: "0x1F", e: "1e3" },
          deploymentAnnotations: { f: "off" },
        },
      });
      validateAll(r.objects);
      const d = find(r, "Deployment")!;
      expect(d.spec.template.spec.priorityClassName).toBe("yes");
      expect(d.metadata.labels).toMatchObject({ a: "on", b: "y" });
      expect(d.spec.template.metadata.annotations).toEqual({ c: "no", d: "0x1F", e: "1e3" });
      expect(d.metadata.annotations).toEqual({ f: "off" });
    });

    it("namespaceOverride moves every namespaced object and the RBAC subjects", () => {
      const r = renderChart(major, { values: { ...CONN, namespaceOverride: "watchers" }, notes: true });
      for (const o of r.objects)
        if (!o.kind.startsWith("Cluster")) expect(o.metadata.namespace, o.kind).toBe("watchers");
      expect(find(r, "ClusterRoleBinding")!.subjects[0].namespace).toBe("watchers");
      expect(find(r, "RoleBinding")!.subjects[0].namespace).toBe("watchers");
      expect(r.notes).toContain("installed in namespace watchers");
      expect(r.notes).toContain("kubectl -n watchers get lease");
      validateAll(r.objects);
    });

    it("adding NET_BIND_SERVICE (the one capability the restricted profile allows) renders", () => {
      const r = renderChart(major, {
        values: { ...CONN, securityContext: { capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] } } },
      });
      expect(container(r).securityContext.capabilities).toEqual({ drop: ["ALL"], add: ["NET_BIND_SERVICE"] });
    });

    it("refuses to render without any queue credential", () => {
      expect(renderFailure(major, {})).toMatch(
        /set queue.connectionString, queue.sasUrl, queue.existingSecret, or workloadIdentity.enabled/,
      );
    });
  });

  describe("values.schema.json, as helm applies it", () => {
    const SCHEMA_ERROR = /values don't meet the specifications of the schema/;

    it.each([
      ["an unknown top-level key (typo)", { replicas: 2 }, /replicas/],
      ["an invalid node name", { nodeNames: ["ACI_Bridge"] }, /nodeNames[./]0/],
      ["no node names", { nodeNames: [] }, /nodeNames/],
      ["zero replicas", { replicaCount: 0 }, /replicaCount/],
      ["replicas as a string", { replicaCount: "2" }, /replicaCount/],
      ["a bad pull policy", { image: { pullPolicy: "Sometimes" } }, /image[./]pullPolicy/],
      ["an image digest that is a tag", { image: { digest: "latest" } }, /image[./]digest/],
      [
        "a SAS URL without a signature",
        { queue: { sasUrl: "https://a.queue.core.windows.net/pod-events" } },
        /queue[./]sasUrl/,
      ],
      ["a queue name with an underscore", { queue: { name: "Pod_Events" } }, /queue[./]name/],
      ["a queue name with a double hyphen", { queue: { name: "pod--events" } }, /queue[./]name/],
      ["a queue name starting with a hyphen", { queue: { name: "-pod-events" } }, /queue[./]name/],
      ["a queue name ending with a hyphen", { queue: { name: "pod-events-" } }, /queue[./]name/],
      ["a queue name of 2 characters", { queue: { name: "pe" } }, /queue[./]name/],
      [
        "workload identity without a client id",
        { workloadIdentity: { enabled: true } },
        /workloadIdentity.*clientId/,
      ],
      [
        "privilege escalation",
        { securityContext: { allowPrivilegeEscalation: true } },
        /securityContext[./]allowPrivilegeEscalation/,
      ],
      [
        "running as root allowed",
        { podSecurityContext: { runAsNonRoot: false } },
        /podSecurityContext[./]runAsNonRoot/,
      ],
      ["a privileged port", { httpPort: 80 }, /httpPort/],
      [
        "a malformed memory limit",
        { resources: { limits: { memory: "lots" } } },
        /resources[./]limits[./]memory/,
      ],
      ["a bad namespaceOverride", { namespaceOverride: "Watchers_NS" }, /namespaceOverride/],
      [
        "a ServiceMonitor interval in words",
        { serviceMonitor: { interval: "30 seconds" } },
        /serviceMonitor[./]interval/,
      ],
      [
        "a topology spread constraint without topologyKey",
        { topologySpreadConstraints: [{ maxSkew: 1, whenUnsatisfiable: "DoNotSchedule" }] },
        /topologySpreadConstraints[./]0.*topologyKey/,
      ],
      [
        "an extra volume mount without mountPath",
        { extraVolumeMounts: [{ name: "ca" }] },
        /extraVolumeMounts[./]0.*mountPath/,
      ],
      ["global that is not a map", { global: "x" }, /global/],
      ["a negative revisionHistoryLimit", { revisionHistoryLimit: -1 }, /revisionHistoryLimit/],
    ])("rejects %s", (_what, values, field) => {
      const stderr = renderFailure(major, { values: { ...CONN, ...values } });
      expect(stderr).toMatch(SCHEMA_ERROR);
      expect(stderr).toMatch(field);
    });

    it("accepts queue names Azure accepts (3–63 chars, single inner hyphens)", () => {
      for (const name of ["pod-events", "abc", "a-b-c", "q1-2-3", "a".repeat(63)]) {
        const r = renderChart(major, { values: { ...CONN, queue: { ...CONN.queue, name } } });
        expect(envOf(r).POD_EVENTS_QUEUE_NAME, name).toBe(name);
      }
      expect(renderFailure(major, { values: { ...CONN, queue: { name: "a".repeat(64) } } })).toMatch(
        SCHEMA_ERROR,
      );
    });
  });

  describe("combinations that would render but break at run time are refused at template time", () => {
    it.each([
      [
        "renewDeadlineSeconds ≥ leaseDurationSeconds",
        { leaderElection: { leaseDurationSeconds: 15, renewDeadlineSeconds: 15 } },
        /leaderElection.renewDeadlineSeconds \(15\) must be less than leaderElection.leaseDurationSeconds \(15\)/,
      ],
      [
        "renewPeriodSeconds ≥ renewDeadlineSeconds",
        { leaderElection: { renewPeriodSeconds: 10, renewDeadlineSeconds: 10 } },
        /leaderElection.renewPeriodSeconds \(10\) must be less than leaderElection.renewDeadlineSeconds \(10\)/,
      ],
      [
        "terminationGracePeriodSeconds below the watcher's shutdown grace",
        { terminationGracePeriodSeconds: 15 },
        /terminationGracePeriodSeconds \(15\) must be greater than watcher.shutdownGraceSeconds \(20\)/,
      ],
      [
        "terminationGracePeriodSeconds equal to the shutdown grace",
        { terminationGracePeriodSeconds: 30, watcher: { shutdownGraceSeconds: 30 } },
        /terminationGracePeriodSeconds \(30\) must be greater than watcher.shutdownGraceSeconds \(30\)/,
      ],
      [
        "both a connection string and a SAS URL",
        { queue: { ...CONN.queue, sasUrl: "https://acct.queue.core.windows.net/pod-events?sp=a&sig=abc" } },
        /set queue.connectionString or queue.sasUrl, not both/,
      ],
      [
        "runAsUser 0 in the pod security context with runAsNonRoot",
        { podSecurityContext: { runAsUser: 0 } },
        /runAsUser 0 \(root\) contradicts runAsNonRoot: true/,
      ],
      [
        "runAsUser 0 in the container security context with runAsNonRoot",
        { securityContext: { runAsUser: 0 } },
        /runAsUser 0 \(root\) contradicts runAsNonRoot: true/,
      ],
      [
        "an added capability under the restricted profile",
        { securityContext: { capabilities: { drop: ["ALL"], add: ["NET_ADMIN", "NET_BIND_SERVICE"] } } },
        /securityContext.capabilities.add \[NET_ADMIN\]: the restricted Pod Security Standard allows adding only NET_BIND_SERVICE/,
      ],
      [
        "capabilities not dropping ALL",
        { securityContext: { capabilities: { drop: ["NET_RAW"] } } },
        /securityContext.capabilities.drop must contain ALL/,
      ],
    ])("%s", (_what, values, message) => {
      const stderr = renderFailure(major, { values: { ...CONN, ...values } });
      expect(stderr).toMatch(/execution error at \(aci-bridge-watcher\/templates\/deployment.yaml/);
      expect(stderr).toMatch(message);
    });

    it("the same checks hold for values given with --set (integers, not floats)", () => {
      expect(renderFailure(major, { values: CONN, set: ["leaderElection.renewDeadlineSeconds=20"] })).toMatch(
        /renewDeadlineSeconds \(20\) must be less than leaderElection.leaseDurationSeconds \(15\)/,
      );
      expect(renderFailure(major, { values: CONN, set: ["watcher.shutdownGraceSeconds=30"] })).toMatch(
        /terminationGracePeriodSeconds \(30\) must be greater than watcher.shutdownGraceSeconds \(30\)/,
      );
      expect(renderFailure(major, { values: CONN, set: ["podSecurityContext.runAsUser=0"] })).toMatch(
        /runAsUser 0 \(root\)/,
      );
      // A non-root UID and fractional seconds (a values file: --set gives "29.5" as a string) render.
      const r = renderChart(major, {
        values: { ...CONN, watcher: { shutdownGraceSeconds: 29.5 } },
        set: ["podSecurityContext.runAsUser=1001"],
      });
      expect(podSpec(r).securityContext.runAsUser).toBe(1001);
    });
  });

  // `helm template` is install's client-only path. Helm 4 also installs offline with --dry-run=client (Helm 3
  // then insists on a cluster's discovery and OpenAPI), so check that path renders the same manifest and NOTES.
  it.runIf(major === 4)(
    "helm install --dry-run=client renders what helm template does, and the NOTES",
    () => {
      const valuesFile = join(scratchDir(), "install-values.json");
      writeFileSync(valuesFile, JSON.stringify(CONN));
      const r = helm(major, [
        "install",
        "aci-bridge-watcher",
        CHART_DIR,
        "--namespace",
        "aci-bridge",
        "--dry-run=client",
        "--output",
        "json",
        "--values",
        valuesFile,
      ]);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      const release = JSON.parse(r.stdout) as { manifest: string; info: { notes: string; status: string } };
      expect(release.info.status).toBe("pending-install");
      const rendered = renderChart(major, { values: CONN, notes: true });
      expect(parseManifests(release.manifest).objects).toEqual(rendered.objects);
      expect(release.info.notes.trim()).toBe(rendered.notes.trim());
    },
  );

  it("helm throws HelmError with helm's own message", () => {
    expect(() => renderChart(major, { values: { replicaCount: 0 } })).toThrow(HelmError);
  });
});
