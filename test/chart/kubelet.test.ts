/* eslint-disable @typescript-eslint/no-unsafe-return -- rendered manifests are untyped YAML */
/**
 * The chart's kubelet endpoint (`kubelet.*`, docs/kubelet-api.md "Installing with the chart") with the real
 * helm 3 and 4: what it renders in each certificate and client-CA mode, exactly which RBAC it adds (and none
 * when off), that the env is what lib/config.ts reads, and the values it refuses with a message.
 */
import { describe, expect, it } from "vitest";
import { loadWatcherConfig } from "../../lib/config.js";
import { find, HELM_MAJORS, renderChart, renderFailure, type Obj, type Rendered } from "./helm.js";
import { container, envOf, kinds, podSpec, resolvedEnv, validateAll } from "./objects.js";

const QUEUE = { queue: { existingSecret: "queue-cred" } };
const SECRETS = {
  connectionString:
    "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=a2V5;EndpointSuffix=core.windows.net",
};
const SUBSCRIPTION = "11111111-2222-3333-4444-555555555555";
const CLIENT_ID = "00000000-1111-2222-3333-444444444444";
const IP = "10.0.0.250";
const SA = { kind: "ServiceAccount", name: "aci-bridge-watcher", namespace: "aci-bridge" };

/** The least that `kubelet.enabled` needs, in mode `secret`. */
const KUBELET = {
  enabled: true,
  service: { clusterIP: IP },
  clusterName: "my-aks",
  azure: { subscriptionId: SUBSCRIPTION, resourceGroup: "rg-aci", clientId: CLIENT_ID },
  tls: { secretName: "kubelet-tls" },
};

function values(kubelet: Obj = {}, extra: Obj = {}): Obj {
  return { ...QUEUE, ...extra, kubelet: { ...KUBELET, ...kubelet } };
}

const named = (r: Rendered, kind: string, name: string): Obj | undefined =>
  r.objects.find((o) => o.kind === kind && o.metadata.name === name);
const kubeletObjects = (r: Rendered): string[] =>
  r.objects
    .filter((o) => (o.metadata.name as string).includes("-kubelet"))
    .map((o) => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`)
    .sort();

describe.each(HELM_MAJORS)("Helm %i: kubelet endpoint", (major) => {
  it("off by default: no endpoint env, port, probe, Service or RBAC (no auth-delegator binding)", () => {
    const r = renderChart(major, { values: QUEUE });
    expect(kubeletObjects(r)).toEqual([]);
    expect(JSON.stringify(r.objects)).not.toContain("system:auth-delegator");
    expect(Object.keys(envOf(r)).filter((k) => /KUBELET|AZURE_|ACI_RESOURCE/.test(k))).toEqual([]);
    expect(container(r).ports.map((p: Obj) => p.name)).toEqual(["http"]);
    expect(container(r).startupProbe).toBeUndefined();
    expect(
      find(r, "Deployment")!.spec.template.metadata.labels["azure.workload.identity/use"],
    ).toBeUndefined();
  });

  describe("mode secret (default) with the client CA read through the API (default)", () => {
    const r = renderChart(major, { values: values(), notes: true });

    it("renders valid objects: the endpoint's Service, auth delegation and the kube-system client-CA Role", () => {
      validateAll(r.objects);
      expect(kubeletObjects(r)).toEqual([
        "ClusterRoleBinding//aci-bridge-watcher-kubelet-auth-delegator",
        "Role/kube-system/aci-bridge-watcher-kubelet-client-ca",
        "RoleBinding/kube-system/aci-bridge-watcher-kubelet-client-ca",
        "Service/aci-bridge/aci-bridge-watcher-kubelet",
      ]);
    });

    it("a Service with the fixed cluster IP on the kubelet port, selecting every watcher replica", () => {
      const svc = named(r, "Service", "aci-bridge-watcher-kubelet")!;
      expect(svc.spec).toEqual({
        type: "ClusterIP",
        clusterIP: IP,
        ipFamilyPolicy: "SingleStack",
        ipFamilies: ["IPv4"],
        ports: [{ name: "kubelet", port: 10250, targetPort: "kubelet", protocol: "TCP" }],
        selector: find(r, "Deployment")!.spec.selector.matchLabels,
      });
      expect(container(r).ports).toContainEqual({ name: "kubelet", containerPort: 10250, protocol: "TCP" });
    });

    it("binds the service account to system:auth-delegator (TokenReview, SubjectAccessReview)", () => {
      const crb = named(r, "ClusterRoleBinding", "aci-bridge-watcher-kubelet-auth-delegator")!;
      expect(crb.roleRef).toEqual({
        apiGroup: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
        name: "system:auth-delegator",
      });
      expect(crb.subjects).toEqual([SA]);
    });

    it("grants get on kube-system/extension-apiserver-authentication only, and nothing on CSRs", () => {
      const role = named(r, "Role", "aci-bridge-watcher-kubelet-client-ca")!;
      expect(role.metadata.namespace).toBe("kube-system");
      expect(role.rules).toEqual([
        {
          apiGroups: [""],
          resources: ["configmaps"],
          resourceNames: ["extension-apiserver-authentication"],
          verbs: ["get"],
        },
      ]);
      const binding = named(r, "RoleBinding", "aci-bridge-watcher-kubelet-client-ca")!;
      expect(binding.metadata.namespace).toBe("kube-system");
      expect(binding.roleRef.name).toBe(role.metadata.name);
      expect(binding.subjects).toEqual([SA]);
      expect(JSON.stringify(r.objects)).not.toContain("certificatesigningrequests");
      expect(envOf(r).KUBELET_CLIENT_CA_FILE).toBeUndefined();
    });

    it("mounts the Secret read-only at the files KUBELET_TLS_CERT_FILE/KEY_FILE name", () => {
      const env = envOf(r);
      expect(env).toMatchObject({
        WATCHER_KUBELET_ENABLED: "true",
        WATCHER_KUBELET_TLS_MODE: "files",
        KUBELET_PORT: "10250",
        KUBELET_NODE_NAME: "aci-bridge",
        KUBELET_TLS_CERT_FILE: "/etc/aci-bridge/kubelet/tls/tls.crt",
        KUBELET_TLS_KEY_FILE: "/etc/aci-bridge/kubelet/tls/tls.key",
      });
      expect(env.KUBELET_NODE_ADDRESS).toBeUndefined();
      expect(container(r).volumeMounts).toContainEqual({
        name: "kubelet-tls",
        mountPath: "/etc/aci-bridge/kubelet/tls",
        readOnly: true,
      });
      expect(podSpec(r).volumes).toContainEqual({
        name: "kubelet-tls",
        secret: {
          secretName: "kubelet-tls",
          defaultMode: 0o440,
          items: [
            { key: "tls.crt", path: "tls.crt" },
            { key: "tls.key", path: "tls.key" },
          ],
        },
      });
    });

    it("produces the env lib/config.ts loadKubeletEndpointConfig reads", () => {
      const config = loadWatcherConfig(resolvedEnv(r, SECRETS));
      expect(config.kubelet).toEqual({
        port: 10250,
        tls: {
          mode: "files",
          certFile: "/etc/aci-bridge/kubelet/tls/tls.crt",
          keyFile: "/etc/aci-bridge/kubelet/tls/tls.key",
        },
        clusterName: "my-aks",
        clusterIdentity: "ACI_BRIDGE_CLUSTER_NAME",
        authzNodeName: "aci-bridge",
        aci: {
          subscriptionId: SUBSCRIPTION,
          resourceGroup: "rg-aci",
          armInsecure: false,
          managedIdentityClientId: CLIENT_ID,
        },
        logsPollSeconds: 2,
        logsIdlePollSeconds: 10,
        statsRefreshSeconds: 60,
      });
    });

    it("uses workload identity for the ACI reads even with a queue secret; a tcpSocket startup probe", () => {
      expect(find(r, "Deployment")!.spec.template.metadata.labels["azure.workload.identity/use"]).toBe(
        "true",
      );
      expect(find(r, "ServiceAccount")!.metadata.annotations).toEqual({
        "azure.workload.identity/client-id": CLIENT_ID,
      });
      const c = container(r);
      expect(c.startupProbe).toEqual({
        tcpSocket: { port: "kubelet" },
        periodSeconds: 5,
        timeoutSeconds: 2,
        failureThreshold: 60,
      });
      // Liveness and readiness stay on the watcher's own HTTP port.
      expect(c.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "http" });
      expect(c.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "http" });
    });

    it("NOTES give the address to publish as ACI_NODE_IP and how to check it", () => {
      expect(r.notes).toContain(`Service aci-bridge/aci-bridge-watcher-kubelet at ${IP}:10250`);
      expect(r.notes).toContain(`ACI_NODE_IP=${IP} and ACI_NODE_KUBELET_PORT=10250`);
      expect(r.notes).toContain("Serving certificate: Secret aci-bridge/kubelet-tls.");
      expect(r.notes).not.toContain("certificate approve");
    });
  });

  it("mode csr: CSR ClusterRole (create/get/watch only) and binding, KUBELET_NODE_ADDRESS, no Secret mount", () => {
    const r = renderChart(major, {
      values: values({ tls: { mode: "csr" }, nodeName: "aci-east" }, { nodeNames: ["aci-east", "aci-west"] }),
      notes: true,
    });
    validateAll(r.objects);
    expect(kubeletObjects(r)).toEqual([
      "ClusterRole//aci-bridge-watcher-kubelet-csr",
      "ClusterRoleBinding//aci-bridge-watcher-kubelet-auth-delegator",
      "ClusterRoleBinding//aci-bridge-watcher-kubelet-csr",
      "Role/kube-system/aci-bridge-watcher-kubelet-client-ca",
      "RoleBinding/kube-system/aci-bridge-watcher-kubelet-client-ca",
      "Service/aci-bridge/aci-bridge-watcher-kubelet",
    ]);
    expect(named(r, "ClusterRole", "aci-bridge-watcher-kubelet-csr")!.rules).toEqual([
      {
        apiGroups: ["certificates.k8s.io"],
        resources: ["certificatesigningrequests"],
        verbs: ["create", "get", "watch"],
      },
    ]);
    const binding = named(r, "ClusterRoleBinding", "aci-bridge-watcher-kubelet-csr")!;
    expect(binding.roleRef).toEqual({
      apiGroup: "rbac.authorization.k8s.io",
      kind: "ClusterRole",
      name: "aci-bridge-watcher-kubelet-csr",
    });
    expect(binding.subjects).toEqual([SA]);
    const env = envOf(r);
    expect(env).toMatchObject({
      WATCHER_KUBELET_TLS_MODE: "csr",
      KUBELET_NODE_ADDRESS: IP,
      KUBELET_NODE_NAME: "aci-east",
    });
    expect(env.KUBELET_TLS_CERT_FILE).toBeUndefined();
    expect(env.KUBELET_TLS_KEY_FILE).toBeUndefined();
    expect(podSpec(r).volumes.map((v: Obj) => v.name)).toEqual(["tmp"]);
    expect(r.notes).toContain("subject system:node:aci-east, IP 10.0.0.250");
    expect(r.notes).toContain(
      "kubectl get csr --field-selector spec.signerName=kubernetes.io/kubelet-serving",
    );
    expect(r.notes).toContain("kubectl certificate approve <name>");
  });

  it.each([
    [
      "configMap",
      { configMap: "cluster-ca" },
      { configMap: { name: "cluster-ca", items: [{ key: "ca.crt", path: "ca.crt" }] } },
    ],
    [
      "secret",
      { secret: "cluster-ca", key: "bundle.pem" },
      {
        secret: {
          secretName: "cluster-ca",
          defaultMode: 0o440,
          items: [{ key: "bundle.pem", path: "ca.crt" }],
        },
      },
    ],
  ])(
    "client CA from a %s: mounted as KUBELET_CLIENT_CA_FILE, no kube-system Role",
    (_what, clientCA, volume) => {
      const r = renderChart(major, { values: values({ clientCA }) });
      validateAll(r.objects);
      expect(r.objects.filter((o) => o.metadata.namespace === "kube-system")).toEqual([]);
      expect(envOf(r).KUBELET_CLIENT_CA_FILE).toBe("/etc/aci-bridge/kubelet/client-ca/ca.crt");
      expect(container(r).volumeMounts).toContainEqual({
        name: "kubelet-client-ca",
        mountPath: "/etc/aci-bridge/kubelet/client-ca",
        readOnly: true,
      });
      expect(podSpec(r).volumes).toContainEqual({ name: "kubelet-client-ca", ...volume });
      expect(loadWatcherConfig(resolvedEnv(r, SECRETS)).kubelet!.clientCaFile).toBe(
        "/etc/aci-bridge/kubelet/client-ca/ca.crt",
      );
    },
  );

  it("a cluster id is what the ownership tags carry: the endpoint compares with it", () => {
    const id = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b";
    const r = renderChart(major, { values: values({ clusterId: id }) });
    expect(envOf(r)).toMatchObject({ ACI_BRIDGE_CLUSTER_NAME: id, ACI_CLUSTER_ID: id });
    expect(loadWatcherConfig(resolvedEnv(r, SECRETS)).kubelet!.clusterName).toBe(id);
    // The id alone is enough: the name is then not what the tags carry.
    const idOnly = renderChart(major, { values: values({ clusterName: "", clusterId: id }) });
    expect(envOf(idOnly).ACI_BRIDGE_CLUSTER_NAME).toBe(id);
  });

  it("the client id defaults to workloadIdentity.clientId; kubelet.azure.clientId overrides only AZURE_CLIENT_ID", () => {
    const queueId = "99999999-8888-7777-6666-555555555555";
    const wi = {
      workloadIdentity: { enabled: true, clientId: queueId },
      queue: { serviceUri: "https://acct.queue.core.windows.net" },
    };
    const same = renderChart(major, {
      values: {
        ...wi,
        kubelet: { ...KUBELET, azure: { subscriptionId: SUBSCRIPTION, resourceGroup: "rg-aci" } },
      },
    });
    expect(envOf(same).AZURE_CLIENT_ID).toBe(queueId);
    expect(envOf(same).PodEventsStorage__clientId).toBe(queueId);
    const other = renderChart(major, { values: { ...wi, kubelet: KUBELET } });
    expect(envOf(other).AZURE_CLIENT_ID).toBe(CLIENT_ID);
    expect(find(other, "ServiceAccount")!.metadata.annotations["azure.workload.identity/client-id"]).toBe(
      queueId,
    );
  });

  it("another port moves container port, Service port and KUBELET_PORT together", () => {
    const r = renderChart(major, { values: values({ port: 10255 }) });
    expect(envOf(r).KUBELET_PORT).toBe("10255");
    expect(container(r).ports).toContainEqual({ name: "kubelet", containerPort: 10255, protocol: "TCP" });
    expect(named(r, "Service", "aci-bridge-watcher-kubelet")!.spec.ports[0].port).toBe(10255);
  });

  it("rbac.create false: the endpoint renders without any RBAC object", () => {
    const r = renderChart(major, { values: values({}, { rbac: { create: false } }) });
    expect(kinds(r.objects).filter((k) => k.includes("Role"))).toEqual([]);
    expect(kubeletObjects(r)).toEqual(["Service/aci-bridge/aci-bridge-watcher-kubelet"]);
  });

  describe("refused at template time, with a message", () => {
    it.each([
      [
        "enabled without a cluster IP",
        values({ service: {} }),
        /kubelet.enabled needs kubelet.service.clusterIP: a free IPv4 address/,
      ],
      ["without the cluster name", values({ clusterName: "" }), /kubelet.enabled needs kubelet.clusterName/],
      [
        "without the subscription",
        values({ azure: { ...KUBELET.azure, subscriptionId: "" } }),
        /kubelet.enabled needs kubelet.azure.subscriptionId/,
      ],
      [
        "without the resource group",
        values({ azure: { ...KUBELET.azure, resourceGroup: "" } }),
        /kubelet.enabled needs kubelet.azure.resourceGroup/,
      ],
      [
        "without any Azure client id",
        values({ azure: { ...KUBELET.azure, clientId: "" } }),
        /kubelet.enabled needs an Azure identity for the ACI reads: kubelet.azure.clientId, or workloadIdentity.clientId/,
      ],
      [
        "mode secret without the Secret's name",
        values({ tls: {} }),
        /kubelet.tls.mode secret needs kubelet.tls.secretName/,
      ],
      [
        "two client CA sources",
        values({ clientCA: { configMap: "a", secret: "b" } }),
        /set kubelet.clientCA.configMap or kubelet.clientCA.secret, not both/,
      ],
      [
        "the kubelet port on httpPort",
        values({ port: 8080 }),
        /kubelet.port \(8080\) must differ from httpPort \(8080\)/,
      ],
      [
        "a node name not watched",
        values({ nodeName: "other" }),
        /kubelet.nodeName "other" must be one of nodeNames \[aci-bridge\]/,
      ],
    ])("%s", (_what, v, message) => {
      const stderr = renderFailure(major, { values: v });
      expect(stderr).toMatch(/execution error at \(aci-bridge-watcher\/templates\/deployment.yaml/);
      expect(stderr).toMatch(message);
    });

    it("the same with --set, as an operator would type it", () => {
      expect(
        renderFailure(major, { values: QUEUE, set: ["kubelet.enabled=true", "kubelet.clusterName=my-aks"] }),
      ).toMatch(/kubelet.enabled needs kubelet.service.clusterIP/);
    });
  });

  describe("refused by values.schema.json", () => {
    it.each([
      ["a headless Service", { service: { clusterIP: "None" } }, /kubelet[./]service[./]clusterIP/],
      [
        "an IPv6 cluster IP (the endpoint listens on IPv4)",
        { service: { clusterIP: "fd00::10" } },
        /clusterIP/,
      ],
      ["an address out of range", { service: { clusterIP: "10.0.0.256" } }, /clusterIP/],
      ["an unknown certificate mode", { tls: { mode: "cert-manager" } }, /kubelet[./]tls[./]mode/],
      ["a privileged port", { port: 443 }, /kubelet[./]port/],
      [
        "a subscription that is not a GUID",
        { azure: { ...KUBELET.azure, subscriptionId: "my-sub" } },
        /subscriptionId/,
      ],
      ["an unknown key (typo)", { clusterIp: IP }, /clusterIp/],
    ])("%s", (_what, kubelet, field) => {
      const stderr = renderFailure(major, { values: values(kubelet) });
      expect(stderr).toMatch(/values don't meet the specifications of the schema/);
      expect(stderr).toMatch(field);
    });
  });
});
