/**
 * Scenario manifests for the local stack: parse multi-document YAML (with line numbers in every error) and,
 * for the Kubernetes API fake — which has no controller-manager — expand workload templates into the pods
 * their controllers would create, with the names and labels those controllers give them:
 *
 * - Deployment (any apiVersion: apps/v1, apps/v1beta1/2, extensions/v1beta1) → ReplicaSet `<deploy>-<pod-template-hash>`
 *   → pods `<rs>-<5 chars>` labelled `pod-template-hash`;
 * - ReplicaSet / ReplicationController → `<rs>-<5 chars>`; StatefulSet → `<sts>-<ordinal>` (+ PVCs from
 *   `volumeClaimTemplates`, which the bridge rejects as ACI has none); Job → `parallelism` pods `<job>-<5 chars>`;
 *   CronJob → one Job now, as if its schedule fired; DaemonSet → one pod per node, pinned with node affinity;
 * - Namespace, ConfigMap, Secret, ServiceAccount → created as they are (pods reference them);
 * - Service, Ingress, RBAC, … → skipped with a note; anything else → an error naming the document.
 *
 * Against a real cluster nothing is expanded: `toApiVersionServed` only moves removed apiVersions (apps/v1beta1…)
 * to the served ones, and the cluster's controllers do the rest.
 */
import { createHash } from "node:crypto";
import type { V1Node, V1OwnerReference, V1Pod, V1PodTemplateSpec } from "@kubernetes/client-node";
import { LineCounter, parseAllDocuments } from "yaml";

export type KubeObject = Record<string, unknown> & {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  spec?: Record<string, unknown>;
};

export interface ManifestDoc {
  /** `file.yaml:12` (the line where the document's content starts). */
  where: string;
  object: KubeObject;
}

/** A manifest problem a user must fix; the message names the file and line. */
export class ScenarioError extends Error {
  override name = "ScenarioError";
}

const WORKLOAD_KINDS = [
  "Pod",
  "Deployment",
  "ReplicaSet",
  "ReplicationController",
  "StatefulSet",
  "DaemonSet",
  "Job",
  "CronJob",
] as const;
/** Created in the fake as they are. */
const PLAIN_KINDS = ["Namespace", "ConfigMap", "Secret", "ServiceAccount"] as const;
/** Understood, but nothing in the local stack acts on them. */
const SKIPPED_KINDS: Record<string, string> = {
  Service: "Services are not simulated; each pod gets its own container group IP",
  Ingress: "no ingress controller runs locally",
  NetworkPolicy: "ACI groups are not subject to NetworkPolicy",
  PodDisruptionBudget: "nothing evicts pods locally",
  HorizontalPodAutoscaler: "no metrics or autoscaler run locally",
  PersistentVolumeClaim: "ACI supports no PVCs (pods that mount one fail with UnsupportedPodSpec)",
  PersistentVolume: "ACI supports no PVCs",
  StorageClass: "ACI supports no PVCs",
  Role: "the API fake does not enforce RBAC",
  RoleBinding: "the API fake does not enforce RBAC",
  ClusterRole: "the API fake does not enforce RBAC",
  ClusterRoleBinding: "the API fake does not enforce RBAC",
  LimitRange: "no admission of limits locally",
  ResourceQuota: "no quota admission locally",
  PriorityClass: "no preemption locally",
  Endpoints: "Services are not simulated",
  EndpointSlice: "Services are not simulated",
};

export const SUPPORTED_KINDS: readonly string[] = [...WORKLOAD_KINDS, ...PLAIN_KINDS];
export const SKIPPED_KIND_NAMES: readonly string[] = Object.keys(SKIPPED_KINDS);

/** Parses multi-document YAML; `kind: List` is flattened. Throws ScenarioError with `file:line:col`. */
export function parseManifests(text: string, source: string): ManifestDoc[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter });
  if (!Array.isArray(docs)) return [];
  const out: ManifestDoc[] = [];
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error) {
      const pos = error.linePos?.[0];
      const firstLine = error.message.split("\n")[0]?.replace(/ at line \d+, column \d+:?$/, "") ?? "";
      throw new ScenarioError(
        `${source}:${pos ? `${pos.line}:${pos.col}` : "?"}: invalid YAML: ${firstLine} (fix the indentation or quoting there)`,
      );
    }
    const contents = doc.contents;
    if (contents === null) continue; // an empty document (`---` twice)
    const where = `${source}:${lineCounter.linePos(contents.range?.[0] ?? doc.range[0]).line}`;
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    for (const object of flattenList(value, where)) out.push({ where, object });
  }
  return out;
}

function flattenList(value: unknown, where: string): KubeObject[] {
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new ScenarioError(`${where}: a manifest must be a mapping with apiVersion, kind and metadata`);
  }
  const obj = value as KubeObject;
  if (obj.kind === "List" || (typeof obj.kind === "string" && obj.kind.endsWith("List") && "items" in obj)) {
    const items = (obj as { items?: unknown }).items;
    return Array.isArray(items) ? items.flatMap((item) => flattenList(item, where)) : [];
  }
  if (typeof obj.apiVersion !== "string" || typeof obj.kind !== "string") {
    throw new ScenarioError(`${where}: the document has no apiVersion/kind (is it a Kubernetes manifest?)`);
  }
  if (typeof obj.metadata?.name !== "string" || !obj.metadata.name) {
    throw new ScenarioError(`${where}: ${obj.kind} has no metadata.name`);
  }
  return [obj];
}

export function objectRef(obj: KubeObject): string {
  const apiVersion = String(obj.apiVersion);
  let group = apiVersion.includes("/") ? (apiVersion.split("/")[0] ?? "") : "";
  if (group === "extensions") group = "apps"; // kubectl resolves old extensions workloads to apps
  return `${String(obj.kind).toLowerCase()}${group ? `.${group}` : ""}/${obj.metadata?.name ?? ""}`;
}

// ---- apiVersion upgrades (real clusters) -------------------------------------------------------------------

const REMOVED_API_VERSIONS: Record<string, { kinds: string[]; to: string; removedIn: string }> = {
  "apps/v1beta1": { kinds: ["Deployment", "StatefulSet"], to: "apps/v1", removedIn: "1.16" },
  "apps/v1beta2": {
    kinds: ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"],
    to: "apps/v1",
    removedIn: "1.16",
  },
  "extensions/v1beta1": {
    kinds: ["Deployment", "DaemonSet", "ReplicaSet"],
    to: "apps/v1",
    removedIn: "1.16",
  },
  "batch/v1beta1": { kinds: ["CronJob"], to: "batch/v1", removedIn: "1.25" },
};

/**
 * An object as a current API server accepts it: removed workload apiVersions move to apps/v1 / batch/v1
 * (and get `spec.selector` from the template labels when they had none — the old versions defaulted it).
 * Returns the note to print, or undefined when nothing changed.
 */
export function toApiVersionServed(obj: KubeObject): { object: KubeObject; note?: string } {
  const removed = REMOVED_API_VERSIONS[String(obj.apiVersion)];
  if (!removed || !removed.kinds.includes(String(obj.kind))) return { object: obj };
  const object = structuredClone(obj);
  object.apiVersion = removed.to;
  const spec = object.spec;
  if (removed.to === "apps/v1" && spec && !spec.selector) {
    const labels = (spec.template as V1PodTemplateSpec | undefined)?.metadata?.labels ?? {};
    spec.selector = { matchLabels: labels };
  }
  return {
    object,
    note: `${obj.kind} ${obj.metadata?.name}: apiVersion ${obj.apiVersion} was removed in Kubernetes ${removed.removedIn}; applied as ${removed.to}`,
  };
}

// ---- expansion (API fake) ----------------------------------------------------------------------------------

/** What the fake gets: plain objects first, then pods (unbound unless the manifest names a node). */
export interface ScenarioPlan {
  objects: Array<{
    resource: "namespaces" | "configmaps" | "secrets" | "serviceaccounts";
    object: KubeObject;
  }>;
  pods: V1Pod[];
  /** One line per manifest: what became of it. */
  notes: string[];
  /** Pods expected per workload (`deployment.apps/aci-helloworld` → its pod names). */
  workloads: Array<{ ref: string; pods: string[] }>;
}

export interface ExpandOptions {
  /** Nodes a DaemonSet places pods on. */
  nodes?: readonly V1Node[];
  /** For the 5-character suffixes (tests pass a seeded one). Default Math.random. */
  random?: () => number;
  now?: Date;
}

/** utilrand's alphabet: no vowels (no words), no confusable 0/1/3. */
const SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
/** A generated name's base is cut so base + 5 chars fits 63 (apiserver's maxGeneratedNameLength). */
const MAX_GENERATE_BASE = 58;

export function randomSuffix(random: () => number, length = 5): string {
  let s = "";
  for (let i = 0; i < length; i++) s += SAFE_ALPHABET[Math.floor(random() * SAFE_ALPHABET.length)] ?? "b";
  return s;
}

/** `rand.SafeEncodeString(fmt.Sprint(hash))`: each decimal digit mapped into the safe alphabet. */
export function safeEncode(decimal: string): string {
  return [...decimal].map((c) => SAFE_ALPHABET[c.charCodeAt(0) % SAFE_ALPHABET.length]).join("");
}

/** 32-bit FNV-1a. */
function fnv32a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, "utf8")) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/**
 * A stable `pod-template-hash` for a template: FNV-1a over the template (the controller hashes its Go dump;
 * this one hashes the canonical JSON, so values differ from a real cluster's but have the same shape and
 * stability: same template → same hash, e.g. `674f5554bd`).
 */
export function podTemplateHash(template: unknown): string {
  return safeEncode(String(fnv32a(canonicalJson(template))));
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function syntheticUid(seed: string): string {
  const h = createHash("sha256").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function generateName(base: string, random: () => number): string {
  return `${base.slice(0, MAX_GENERATE_BASE)}${randomSuffix(random)}`;
}

function num(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : fallback;
}

/**
 * Throws ScenarioError (naming the document) for a kind the API fake cannot play, so the CLI can refuse the file
 * before starting anything.
 */
export function assertPlayableWithFake(docs: readonly ManifestDoc[]): void {
  for (const { where, object } of docs) {
    const kind = String(object.kind);
    if (SUPPORTED_KINDS.includes(kind) || kind in SKIPPED_KINDS) continue;
    throw new ScenarioError(
      `${where}: kind ${kind} (${object.apiVersion}) is not supported by the local stack with the API fake. ` +
        `Supported: ${SUPPORTED_KINDS.join(", ")}; skipped with a note: ${SKIPPED_KIND_NAMES.join(", ")}. ` +
        `Remove the document, or run against a real cluster (--kubeconfig) where any kind is applied.`,
    );
  }
}

/** Expands manifests into what the API fake should hold. Throws ScenarioError for kinds it cannot play. */
export function expandManifests(docs: readonly ManifestDoc[], options: ExpandOptions = {}): ScenarioPlan {
  const random = options.random ?? Math.random;
  const now = options.now ?? new Date();
  const plan: ScenarioPlan = { objects: [], pods: [], notes: [], workloads: [] };

  for (const { where, object } of docs) {
    const kind = String(object.kind);
    const name = String(object.metadata?.name);
    const namespace = object.metadata?.namespace ?? "default";
    const ref = objectRef(object);

    if ((PLAIN_KINDS as readonly string[]).includes(kind)) {
      const resource = `${kind.toLowerCase()}s` as ScenarioPlan["objects"][number]["resource"];
      plan.objects.push({ resource, object });
      plan.notes.push(`${ref} created`);
      continue;
    }
    const skipped = SKIPPED_KINDS[kind];
    if (skipped !== undefined) {
      plan.notes.push(`${ref} skipped: ${skipped}`);
      continue;
    }
    assertPlayableWithFake([{ where, object }]);

    if (kind === "Pod") {
      const pod = structuredClone(object) as V1Pod;
      pod.metadata = { ...pod.metadata, namespace };
      plan.pods.push(pod);
      plan.workloads.push({ ref, pods: [name] });
      plan.notes.push(`${ref} created`);
      continue;
    }

    const spec = object.spec ?? {};
    const jobLike = kind === "CronJob" ? ((spec.jobTemplate as KubeObject | undefined)?.spec ?? {}) : spec;
    const template = jobLike.template as V1PodTemplateSpec | undefined;
    if (!template?.spec?.containers?.length) {
      throw new ScenarioError(`${where}: ${kind} ${name} has no spec.template.spec.containers`);
    }
    const makePod = (podName: string, labels: Record<string, string>, owner: V1OwnerReference): V1Pod => {
      const pod: V1Pod = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          ...structuredClone(template.metadata ?? {}),
          name: podName,
          namespace,
          labels: { ...template.metadata?.labels, ...labels },
          ownerReferences: [owner],
        },
        spec: structuredClone(template.spec!),
      };
      delete pod.metadata!.generateName;
      return pod;
    };
    const owner = (ownerKind: string, ownerName: string, apiVersion = "apps/v1"): V1OwnerReference => ({
      apiVersion,
      kind: ownerKind,
      name: ownerName,
      uid: syntheticUid(`${namespace}/${ownerKind}/${ownerName}`),
      controller: true,
      blockOwnerDeletion: true,
    });
    const names: string[] = [];
    const add = (pod: V1Pod) => {
      plan.pods.push(pod);
      names.push(pod.metadata!.name!);
    };
    const upgraded = toApiVersionServed(object).note;
    const via = upgraded ? ` (apiVersion ${object.apiVersion}, as apps/v1)` : "";

    switch (kind) {
      case "Deployment": {
        const hash = podTemplateHash(template);
        const rs = `${name}-${hash}`;
        const replicas = num(spec.replicas, 1);
        for (let i = 0; i < replicas; i++) {
          add(
            makePod(generateName(`${rs}-`, random), { "pod-template-hash": hash }, owner("ReplicaSet", rs)),
          );
        }
        plan.notes.push(
          `${ref} created${via} → replicaset.apps/${rs} → ${replicas} pod(s) (expanded here: the API fake runs no controllers)`,
        );
        break;
      }
      case "ReplicaSet":
      case "ReplicationController": {
        const replicas = num(spec.replicas, 1);
        const ownerRef = kind === "ReplicaSet" ? owner("ReplicaSet", name) : owner(kind, name, "v1");
        for (let i = 0; i < replicas; i++) add(makePod(generateName(`${name}-`, random), {}, ownerRef));
        plan.notes.push(
          `${ref} created${via} → ${replicas} pod(s) (expanded here: the API fake runs no controllers)`,
        );
        break;
      }
      case "StatefulSet": {
        const replicas = num(spec.replicas, 1);
        const revision = `${name}-${podTemplateHash(template)}`;
        const claims = (spec.volumeClaimTemplates as KubeObject[] | undefined) ?? [];
        for (let i = 0; i < replicas; i++) {
          const podName = `${name}-${i}`;
          const pod = makePod(
            podName,
            {
              "controller-revision-hash": revision,
              "statefulset.kubernetes.io/pod-name": podName,
              "apps.kubernetes.io/pod-index": String(i),
            },
            owner("StatefulSet", name),
          );
          pod.spec!.hostname = podName;
          if (typeof spec.serviceName === "string" && spec.serviceName)
            pod.spec!.subdomain = spec.serviceName;
          for (const claim of claims) {
            const claimName = String(claim.metadata?.name);
            pod.spec!.volumes = [
              ...(pod.spec!.volumes ?? []).filter((v) => v.name !== claimName),
              { name: claimName, persistentVolumeClaim: { claimName: `${claimName}-${podName}` } },
            ];
          }
          add(pod);
        }
        plan.notes.push(
          `${ref} created${via} → ${replicas} pod(s) ${name}-0…${name}-${Math.max(0, replicas - 1)}, created at once ` +
            `(the controller would wait for each to be Ready)${claims.length ? "; volumeClaimTemplates become PVC volumes, which ACI cannot mount" : ""}`,
        );
        break;
      }
      case "Job":
      case "CronJob": {
        const restartPolicy = template.spec.restartPolicy;
        if (restartPolicy !== "Never" && restartPolicy !== "OnFailure") {
          throw new ScenarioError(
            `${where}: ${kind} ${name}: spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"`,
          );
        }
        const jobName = kind === "CronJob" ? `${name}-${Math.floor(now.getTime() / 60_000)}` : name;
        const parallelism = num(jobLike.parallelism, 1);
        const completions = num(jobLike.completions, parallelism);
        const count = Math.min(parallelism, completions);
        const uid = syntheticUid(`${namespace}/Job/${jobName}`);
        const labels = {
          "batch.kubernetes.io/controller-uid": uid,
          "batch.kubernetes.io/job-name": jobName,
          "controller-uid": uid,
          "job-name": jobName,
        };
        for (let i = 0; i < count; i++) {
          add(
            makePod(generateName(`${jobName}-`, random), labels, {
              ...owner("Job", jobName, "batch/v1"),
              uid,
            }),
          );
        }
        plan.notes.push(
          kind === "CronJob"
            ? `${ref} created → job.batch/${jobName} created now as if the schedule "${String(spec.schedule)}" fired → ${count} pod(s)`
            : `${ref} created → ${count} pod(s) (failed pods are not replaced: the API fake runs no Job controller)`,
        );
        break;
      }
      case "DaemonSet": {
        const revision = podTemplateHash(template);
        for (const node of options.nodes ?? []) {
          const nodeName = node.metadata?.name ?? "";
          const pod = makePod(
            generateName(`${name}-`, random),
            { "controller-revision-hash": revision, "pod-template-generation": "1" },
            owner("DaemonSet", name),
          );
          pod.spec!.affinity = {
            ...pod.spec!.affinity,
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  { matchFields: [{ key: "metadata.name", operator: "In", values: [nodeName] }] },
                ],
              },
            },
          };
          pod.spec!.tolerations = [...(pod.spec!.tolerations ?? []), ...DAEMONSET_TOLERATIONS];
          add(pod);
        }
        plan.notes.push(
          `${ref} created${via} → one pod per node (${names.length}), scheduled only where it tolerates the taints`,
        );
        break;
      }
    }
    plan.workloads.push({ ref, pods: names });
  }
  return plan;
}

/** What the DaemonSet controller adds to every daemon pod (pkg/controller/daemon/util). */
const DAEMONSET_TOLERATIONS = [
  { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute" },
  { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" },
  { key: "node.kubernetes.io/disk-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/memory-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/pid-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" },
];
