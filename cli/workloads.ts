/**
 * Manifests → the pods a cluster would create from them, for the dry run. A Pod is taken as written; a
 * Deployment, ReplicaSet, StatefulSet, DaemonSet, Job or CronJob gives one pod from its template, named the
 * way its controller names pods, with a deterministic suffix (a hash of the manifest) so the output is stable.
 * Secrets and ConfigMaps found among the documents are references, not pods.
 *
 * Admission defaults (on unless disabled): what the API server adds to every pod and changes translation —
 * namespace, serviceAccountName, and the projected `kube-api-access-*` volume with its mounts unless the pod
 * opts out with `automountServiceAccountToken: false`.
 */
import { createHash } from "node:crypto";
import type { V1ConfigMap, V1Container, V1Pod, V1PodTemplateSpec, V1Secret } from "@kubernetes/client-node";

export const SERVICE_ACCOUNT_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";
/** The alphabet the controllers use for random name suffixes (no vowels, no look-alikes). */
const SAFE = "bcdfghjklmnpqrstvwxz2456789";

export class ManifestError extends Error {}

export interface Manifest {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  [key: string]: unknown;
}

function digest(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex");
}

function safeSuffix(seed: string, length: number): string {
  const hex = createHash("sha256").update(seed).digest();
  let out = "";
  for (let i = 0; i < length; i++) out += SAFE[(hex[i] ?? 0) % SAFE.length];
  return out;
}

/** A uid in UUID form derived from the pod's identity (a real API server would assign a random one). */
function fakeUid(seed: string): string {
  const h = digest(seed);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function podFromTemplate(
  owner: Manifest,
  template: V1PodTemplateSpec | undefined,
  name: string,
  extraLabels: Record<string, string>,
): V1Pod {
  if (!template?.spec)
    throw new ManifestError(`${owner.kind}/${owner.metadata?.name ?? ""}: no pod template`);
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      ...(template.metadata ?? {}),
      name,
      labels: { ...(template.metadata?.labels ?? {}), ...extraLabels },
      ...(owner.metadata?.namespace ? { namespace: owner.metadata.namespace } : {}),
    },
    spec: structuredClone(template.spec),
  };
}

/** The pods a manifest stands for (empty for kinds that are not workloads). */
export function podsFromManifest(doc: Manifest): V1Pod[] {
  const name = doc.metadata?.name ?? "";
  const spec = (doc.spec ?? {}) as {
    template?: V1PodTemplateSpec;
    jobTemplate?: { spec?: { template?: V1PodTemplateSpec } };
    serviceName?: string;
  };
  switch (doc.kind) {
    case "Pod":
      return [structuredClone(doc) as V1Pod];
    case "Deployment": {
      const hash = safeSuffix(digest(spec.template), 10);
      return [
        podFromTemplate(doc, spec.template, `${name}-${hash}-${safeSuffix(`${name}/${hash}`, 5)}`, {
          "pod-template-hash": hash,
        }),
      ];
    }
    case "ReplicaSet":
    case "DaemonSet":
      return [
        podFromTemplate(
          doc,
          spec.template,
          `${name}-${safeSuffix(`${name}/${digest(spec.template)}`, 5)}`,
          {},
        ),
      ];
    case "StatefulSet": {
      const pod = podFromTemplate(doc, spec.template, `${name}-0`, {
        "statefulset.kubernetes.io/pod-name": `${name}-0`,
        "apps.kubernetes.io/pod-index": "0",
      });
      if (pod.spec) {
        pod.spec.hostname = `${name}-0`;
        if (spec.serviceName) pod.spec.subdomain = spec.serviceName;
        // The StatefulSet controller turns each volumeClaimTemplate into a PVC volume on the pod.
        const claims =
          (doc.spec as { volumeClaimTemplates?: { metadata?: { name?: string } }[] }).volumeClaimTemplates ??
          [];
        for (const claim of claims) {
          const claimName = claim.metadata?.name ?? "";
          pod.spec.volumes = [
            ...(pod.spec.volumes ?? []),
            { name: claimName, persistentVolumeClaim: { claimName: `${claimName}-${name}-0` } },
          ];
        }
      }
      return [pod];
    }
    case "Job": {
      const pod = podFromTemplate(
        doc,
        spec.template,
        `${name}-${safeSuffix(`${name}/${digest(spec.template)}`, 5)}`,
        {
          "batch.kubernetes.io/job-name": name,
          "job-name": name,
        },
      );
      return [pod];
    }
    case "CronJob": {
      const template = spec.jobTemplate?.spec?.template;
      const jobName = `${name}-${parseInt(digest(template).slice(0, 7), 16) % 100_000_000}`;
      return [
        podFromTemplate(doc, template, `${jobName}-${safeSuffix(jobName, 5)}`, {
          "batch.kubernetes.io/job-name": jobName,
          "job-name": jobName,
        }),
      ];
    }
    default:
      return [];
  }
}

/** Defaults a real API server adds on admission and that change translation. */
export function applyAdmissionDefaults(pod: V1Pod, namespace: string): V1Pod {
  const out = structuredClone(pod);
  out.metadata = { ...(out.metadata ?? {}) };
  out.metadata.namespace = out.metadata.namespace ?? namespace;
  out.metadata.uid = out.metadata.uid ?? fakeUid(`${out.metadata.namespace}/${out.metadata.name ?? ""}`);
  const spec = out.spec;
  if (!spec) return out;
  spec.serviceAccountName = spec.serviceAccountName ?? spec.serviceAccount ?? "default";
  spec.restartPolicy = spec.restartPolicy ?? "Always";
  spec.dnsPolicy = spec.dnsPolicy ?? "ClusterFirst";
  const containers: V1Container[] = [...(spec.initContainers ?? []), ...spec.containers];
  const alreadyMounted = containers.some((c) =>
    (c.volumeMounts ?? []).some((m) => m.mountPath === SERVICE_ACCOUNT_MOUNT),
  );
  if (spec.automountServiceAccountToken !== false && !alreadyMounted) {
    const volumeName = `kube-api-access-${safeSuffix(`${out.metadata.namespace}/${out.metadata.name ?? ""}`, 5)}`;
    spec.volumes = [
      ...(spec.volumes ?? []),
      {
        name: volumeName,
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
    ];
    for (const c of containers) {
      c.volumeMounts = [
        ...(c.volumeMounts ?? []),
        { name: volumeName, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT },
      ];
    }
  }
  return out;
}

export interface Resources {
  secrets: V1Secret[];
  configMaps: V1ConfigMap[];
}

export function splitDocuments(docs: Manifest[]): { workloads: Manifest[]; resources: Resources } {
  const resources: Resources = { secrets: [], configMaps: [] };
  const workloads: Manifest[] = [];
  for (const doc of docs) {
    if (doc.kind === "Secret") resources.secrets.push(doc);
    else if (doc.kind === "ConfigMap") resources.configMaps.push(doc);
    else if (doc.kind === "List" && Array.isArray(doc["items"])) {
      const inner = splitDocuments(doc["items"] as Manifest[]);
      workloads.push(...inner.workloads);
      resources.secrets.push(...inner.resources.secrets);
      resources.configMaps.push(...inner.resources.configMaps);
    } else workloads.push(doc);
  }
  return { workloads, resources };
}
