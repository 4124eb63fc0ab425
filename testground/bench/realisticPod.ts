/**
 * A pod object the size real ones are (5–10 KiB of JSON): what a Deployment with a sidecar and an init
 * container looks like after admission and a few controllers — labels and annotations (including kubectl's
 * last-applied-configuration), an ownerReference, managedFields from three managers, three containers with env,
 * mounts, probes and resources, the projected service-account volume and the default tolerations. Used by the
 * watcher benchmark (testground/bench/watcher.ts) so its memory figure is for pods like these, not for 1 KiB stubs.
 */
import type { V1Container, V1Pod } from "@kubernetes/client-node";

function container(name: string, image: string, i: number, port?: number): V1Container {
  return {
    name,
    image,
    imagePullPolicy: "IfNotPresent",
    ...(port ? { ports: [{ name: "http", containerPort: port, protocol: "TCP" }] } : {}),
    env: [
      { name: "POD_NAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } },
      {
        name: "POD_NAMESPACE",
        valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } },
      },
      { name: "LOG_LEVEL", value: "info" },
      { name: "OTEL_EXPORTER_OTLP_ENDPOINT", value: "http://otel-collector.observability.svc:4317" },
      { name: "FEATURE_FLAGS", value: `checkout-v2,search-ranking,cache-warmup-${i % 7}` },
      { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "app-db", key: "password" } } },
    ],
    resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
    volumeMounts: [
      { name: "config", mountPath: "/etc/app", readOnly: true },
      {
        name: "kube-api-access-x7k2p",
        mountPath: "/var/run/secrets/kubernetes.io/serviceaccount",
        readOnly: true,
      },
    ],
    ...(port
      ? {
          livenessProbe: {
            httpGet: { path: "/healthz", port: "http", scheme: "HTTP" },
            initialDelaySeconds: 10,
            periodSeconds: 10,
            timeoutSeconds: 1,
            successThreshold: 1,
            failureThreshold: 3,
          },
          readinessProbe: {
            httpGet: { path: "/ready", port: "http", scheme: "HTTP" },
            periodSeconds: 5,
            timeoutSeconds: 1,
            successThreshold: 1,
            failureThreshold: 3,
          },
        }
      : {}),
    terminationMessagePath: "/dev/termination-log",
    terminationMessagePolicy: "File",
  };
}

/** Pod `i` of a realistic Deployment, bound to `nodeName`'s tolerations; its JSON is about 8 KiB. */
export function realisticPod(name: string, namespace: string, i: number): V1Pod {
  const hash = (0x5f3759df ^ (i * 2654435761)) >>> 0;
  const spec: V1Pod["spec"] = {
    initContainers: [container("migrate", "myregistry.azurecr.io/shop/migrate:1.42.0", i)],
    containers: [
      container("app", "myregistry.azurecr.io/shop/checkout:1.42.0", i, 8080),
      container("proxy", "mcr.microsoft.com/oss/envoyproxy/envoy:v1.31.2", i, 15001),
    ],
    volumes: [
      { name: "config", configMap: { name: "checkout-config", defaultMode: 420 } },
      {
        name: "kube-api-access-x7k2p",
        projected: {
          defaultMode: 420,
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
            { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
            {
              downwardAPI: {
                items: [
                  { path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } },
                ],
              },
            },
          ],
        },
      },
    ],
    serviceAccountName: "checkout",
    restartPolicy: "Always",
    terminationGracePeriodSeconds: 30,
    dnsPolicy: "ClusterFirst",
    schedulerName: "default-scheduler",
    nodeSelector: { "kubernetes.io/role": "agent", type: "virtual-kubelet" },
    tolerations: [
      { key: "virtual-kubelet.io/provider", operator: "Exists", effect: "NoSchedule" },
      {
        key: "node.kubernetes.io/not-ready",
        operator: "Exists",
        effect: "NoExecute",
        tolerationSeconds: 300,
      },
      {
        key: "node.kubernetes.io/unreachable",
        operator: "Exists",
        effect: "NoExecute",
        tolerationSeconds: 300,
      },
    ],
  };
  const labels = {
    app: "checkout",
    "app.kubernetes.io/name": "checkout",
    "app.kubernetes.io/instance": "checkout-prod",
    "app.kubernetes.io/version": "1.42.0",
    "app.kubernetes.io/part-of": "shop",
    "pod-template-hash": "7d9f8c6b5",
    idx: String(i),
  };
  // What the user applied: the template as written (kubectl stores it without the defaults the API adds).
  const lastApplied = JSON.stringify({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "checkout", namespace, labels: { app: "checkout" } },
    spec: {
      replicas: 5000,
      selector: { matchLabels: { app: "checkout" } },
      template: {
        metadata: { labels: { app: "checkout" } },
        spec: {
          containers: (spec.containers ?? []).map((c) => ({ name: c.name, image: c.image, ports: c.ports })),
          nodeSelector: spec.nodeSelector,
          tolerations: spec.tolerations?.slice(0, 1),
        },
      },
    },
  });
  const fields = (keys: string[]) => Object.fromEntries(keys.map((k) => [`f:${k}`, {}]));
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace,
      generateName: "checkout-7d9f8c6b5-",
      labels,
      annotations: {
        "kubectl.kubernetes.io/last-applied-configuration": lastApplied,
        "prometheus.io/scrape": "true",
        "prometheus.io/port": "8080",
        "checksum/config": hash.toString(16).padStart(8, "0").repeat(8),
      },
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          name: "checkout-7d9f8c6b5",
          uid: "0f6c1a9e-3d2b-4c8a-9e1f-5b7d3c2a1e0f",
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      managedFields: [
        {
          manager: "kube-controller-manager",
          operation: "Update",
          apiVersion: "v1",
          time: new Date(Date.UTC(2026, 10, 30, 12, 0, i % 60)),
          fieldsType: "FieldsV1",
          fieldsV1: {
            "f:metadata": {
              "f:generateName": {},
              "f:labels": fields(Object.keys(labels)),
              "f:annotations": fields(["prometheus.io/scrape", "prometheus.io/port", "checksum/config"]),
              "f:ownerReferences": { 'k:{"uid":"0f6c1a9e-3d2b-4c8a-9e1f-5b7d3c2a1e0f"}': {} },
            },
            "f:spec": {
              "f:containers": {
                'k:{"name":"app"}': fields([
                  "env",
                  "image",
                  "imagePullPolicy",
                  "livenessProbe",
                  "name",
                  "ports",
                  "readinessProbe",
                  "resources",
                  "terminationMessagePath",
                  "terminationMessagePolicy",
                  "volumeMounts",
                ]),
                'k:{"name":"proxy"}': fields([
                  "env",
                  "image",
                  "imagePullPolicy",
                  "name",
                  "ports",
                  "resources",
                  "volumeMounts",
                ]),
              },
              "f:initContainers": { 'k:{"name":"migrate"}': fields(["env", "image", "name", "resources"]) },
              ...fields([
                "dnsPolicy",
                "nodeSelector",
                "restartPolicy",
                "schedulerName",
                "serviceAccountName",
                "terminationGracePeriodSeconds",
                "tolerations",
                "volumes",
              ]),
            },
          },
        },
        {
          manager: "kube-scheduler",
          operation: "Update",
          apiVersion: "v1",
          time: new Date(Date.UTC(2026, 10, 30, 12, 0, i % 60)),
          fieldsType: "FieldsV1",
          fieldsV1: {
            "f:status": {
              "f:conditions": {
                'k:{"type":"PodScheduled"}': fields([
                  "lastProbeTime",
                  "lastTransitionTime",
                  "status",
                  "type",
                ]),
              },
            },
          },
          subresource: "status",
        },
        {
          manager: "aci-bridge",
          operation: "Update",
          apiVersion: "v1",
          time: new Date(Date.UTC(2026, 10, 30, 12, 1, i % 60)),
          fieldsType: "FieldsV1",
          fieldsV1: {
            "f:status": {
              "f:conditions": Object.fromEntries(
                ["ContainersReady", "Initialized", "Ready"].map((t) => [
                  `k:{"type":"${t}"}`,
                  fields(["lastProbeTime", "lastTransitionTime", "status", "type"]),
                ]),
              ),
              ...fields([
                "containerStatuses",
                "hostIP",
                "initContainerStatuses",
                "phase",
                "podIP",
                "podIPs",
                "startTime",
              ]),
            },
          },
          subresource: "status",
        },
      ],
    },
    spec,
  };
}
