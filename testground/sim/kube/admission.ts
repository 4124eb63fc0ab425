/**
 * What a real API server adds to objects on the way in: defaulting (Go zero values that are never omitted,
 * `imagePullPolicy`, `terminationMessagePath`, ...), the admission plugins that touch pods (ServiceAccount's
 * projected `kube-api-access-*` volume, DefaultTolerationSeconds, Priority), node admission (the
 * `node.kubernetes.io/not-ready:NoSchedule` taint), quantity canonicalisation, and the way metav1.Time /
 * MicroTime fields come back (UTC, seconds / microseconds). Malformed times are rejected before this runs
 * (decode.ts): normalisation never repairs what the real decoder refuses.
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment -- the fake edits untyped JSON documents, like the API server's unstructured objects */
import { canonicalResourceList } from "./quantity";
import { MICRO_TIME_KEYS, TIME_KEYS } from "./decode";
import type { AnyObject } from "./resources";

const SA_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";
const NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789";

/** The 5-character suffix the API server uses for generateName and the kube-api-access volume. */
export function randomSuffix(n = 5): string {
  let s = "";
  for (let i = 0; i < n; i++) s += NAME_CHARS[Math.floor(Math.random() * NAME_CHARS.length)];
  return s;
}

export function formatTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function formatMicroTime(iso: string): string {
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(iso);
  if (!m) return iso;
  if (m[3] === "Z") return `${m[1]}.${(m[2] ?? "").padEnd(6, "0").slice(0, 6)}Z`;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19)}.${(m[2] ?? "").padEnd(6, "0").slice(0, 6)}Z`;
}

/** metav1.Time keeps whole seconds in UTC; MicroTime keeps microseconds. Applied to every write. */
export function normalizeTimes(v: unknown, key = ""): unknown {
  if (Array.isArray(v)) return v.map((x) => normalizeTimes(x, key));
  if (typeof v === "string") {
    if (TIME_KEYS.has(key)) {
      const d = new Date(v);
      return Number.isNaN(d.getTime()) ? v : formatTime(d);
    }
    if (MICRO_TIME_KEYS.has(key)) return formatMicroTime(v);
    return v;
  }
  if (typeof v !== "object" || v === null) return v;
  // managedFields times are not emulated; skip fieldsV1 contents (keys like "f:time")
  const out: AnyObject = {};
  for (const [k, x] of Object.entries(v as AnyObject)) out[k] = k === "fieldsV1" ? x : normalizeTimes(x, k);
  return out;
}

function defaultContainer(c: AnyObject): void {
  if (Array.isArray(c.ports)) for (const p of c.ports as AnyObject[]) p.protocol ??= "TCP";
  c.resources ??= {};
  if (c.resources.limits) c.resources.limits = canonicalResourceList(c.resources.limits);
  if (c.resources.requests) c.resources.requests = canonicalResourceList(c.resources.requests);
  // requests default to limits when only limits are given
  if (c.resources.limits) {
    c.resources.requests = { ...c.resources.limits, ...(c.resources.requests ?? {}) };
  }
  c.terminationMessagePath ??= "/dev/termination-log";
  c.terminationMessagePolicy ??= "File";
  if (c.imagePullPolicy === undefined && typeof c.image === "string") {
    const image = c.image;
    const lastSlash = image.lastIndexOf("/");
    const tagPart = image.slice(lastSlash + 1);
    const digest = image.includes("@");
    const tag = tagPart.includes(":") ? tagPart.slice(tagPart.indexOf(":") + 1) : "";
    c.imagePullPolicy = !digest && (tag === "" || tag === "latest") ? "Always" : "IfNotPresent";
  }
  for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) {
    const p = c[probe] as AnyObject | undefined;
    if (!p) continue;
    p.timeoutSeconds ??= 1;
    p.periodSeconds ??= 10;
    p.successThreshold ??= 1;
    p.failureThreshold ??= 3;
    if (p.httpGet) p.httpGet.scheme ??= "HTTP";
  }
  if (Array.isArray(c.env)) {
    for (const e of c.env as AnyObject[]) {
      const f = e.valueFrom?.fieldRef as AnyObject | undefined;
      if (f) f.apiVersion ??= "v1";
    }
  }
}

function qosClass(spec: AnyObject): string {
  const containers = [
    ...((spec.containers as AnyObject[]) ?? []),
    ...((spec.initContainers as AnyObject[]) ?? []),
  ];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const req = (c.resources?.requests ?? {}) as Record<string, string>;
    const lim = (c.resources?.limits ?? {}) as Record<string, string>;
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ["cpu", "memory"]) {
      if (lim[r] === undefined || req[r] !== lim[r]) guaranteed = false;
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

/** Pod defaulting that the API server applies on every write of a pod spec (not only create). */
export function defaultPodSpec(spec: AnyObject): void {
  for (const list of ["containers", "initContainers", "ephemeralContainers"]) {
    if (Array.isArray(spec[list])) for (const c of spec[list] as AnyObject[]) defaultContainer(c);
  }
  spec.restartPolicy ??= "Always";
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= "ClusterFirst";
  if (spec.serviceAccount && !spec.serviceAccountName) spec.serviceAccountName = spec.serviceAccount;
  spec.securityContext ??= {};
  spec.schedulerName ??= "default-scheduler";
  spec.enableServiceLinks ??= true;
  if (Array.isArray(spec.volumes)) {
    for (const v of spec.volumes as AnyObject[]) {
      for (const src of ["secret", "configMap", "projected", "downwardAPI"]) {
        if (v[src]) v[src].defaultMode ??= 420;
      }
      if (v.emptyDir === null) v.emptyDir = {};
    }
  }
}

export interface PodAdmissionOptions {
  /** Also project `openshift-service-ca.crt`, as the recorded server (an OpenShift-flavoured 1.32) did. */
  openshiftServiceCa: boolean;
}

/** Defaulting plus the admission plugins a pod create goes through. Mutates `pod`. */
export function admitPodCreate(pod: AnyObject, opts: PodAdmissionOptions): void {
  pod.spec ??= {};
  const spec = pod.spec as AnyObject;
  defaultPodSpec(spec);
  // ServiceAccount admission
  spec.serviceAccountName ??= "default";
  spec.serviceAccount = spec.serviceAccountName;
  if (spec.automountServiceAccountToken !== false) {
    const volumes = (spec.volumes ??= []) as AnyObject[];
    const name = `kube-api-access-${randomSuffix()}`;
    const sources: AnyObject[] = [
      { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
      { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
      {
        downwardAPI: {
          items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }],
        },
      },
    ];
    if (opts.openshiftServiceCa) {
      sources.push({
        configMap: {
          name: "openshift-service-ca.crt",
          items: [{ key: "service-ca.crt", path: "service-ca.crt" }],
        },
      });
    }
    volumes.push({ name, projected: { sources, defaultMode: 420 } });
    for (const list of ["containers", "initContainers"]) {
      for (const c of (spec[list] as AnyObject[] | undefined) ?? []) {
        const mounts = (c.volumeMounts ??= []) as AnyObject[];
        if (!mounts.some((m) => m.mountPath === SA_MOUNT)) {
          mounts.push({ name, readOnly: true, mountPath: SA_MOUNT });
        }
      }
    }
  }
  // DefaultTolerationSeconds admission
  const tolerations = (spec.tolerations ??= []) as AnyObject[];
  for (const key of ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]) {
    const tolerated = tolerations.some(
      (t) => (t.key === key || !t.key) && (t.effect === "NoExecute" || !t.effect),
    );
    if (!tolerated)
      tolerations.push({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 });
  }
  // Priority admission
  const pc = spec.priorityClassName as string | undefined;
  spec.priority ??=
    pc === "system-node-critical" ? 2000001000 : pc === "system-cluster-critical" ? 2000000000 : 0;
  spec.preemptionPolicy ??= "PreemptLowerPriority";
  // the create strategy resets status
  pod.status = { phase: "Pending", qosClass: qosClass(spec) };
}

const CONTAINER_STATUS_ZERO = {
  state: {},
  lastState: {},
  ready: false,
  restartCount: 0,
  image: "",
  imageID: "",
};

/** Go zero values the real server always serialises in pod status (recording `pod.status.strategicpatch`). */
export function normalizePodStatus(status: AnyObject | undefined): void {
  if (!status) return;
  if (Array.isArray(status.conditions)) {
    status.conditions = (status.conditions as AnyObject[]).map((c) => ({
      lastProbeTime: null,
      lastTransitionTime: null,
      ...c,
    }));
  }
  for (const list of ["containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"]) {
    if (Array.isArray(status[list])) {
      status[list] = (status[list] as AnyObject[]).map((c) => ({ name: "", ...CONTAINER_STATUS_ZERO, ...c }));
    }
  }
}

const NODE_INFO_KEYS = [
  "machineID",
  "systemUUID",
  "bootID",
  "kernelVersion",
  "osImage",
  "containerRuntimeVersion",
  "kubeletVersion",
  "kubeProxyVersion",
  "operatingSystem",
  "architecture",
];

export function normalizeNodeStatus(status: AnyObject | undefined): void {
  if (!status) return;
  if (status.capacity) status.capacity = canonicalResourceList(status.capacity);
  if (status.allocatable) status.allocatable = canonicalResourceList(status.allocatable);
  if (Array.isArray(status.conditions)) {
    status.conditions = (status.conditions as AnyObject[]).map((c) => ({
      lastHeartbeatTime: null,
      lastTransitionTime: null,
      ...c,
    }));
  }
  if (status.nodeInfo) {
    const info: AnyObject = {};
    for (const k of NODE_INFO_KEYS) info[k] = status.nodeInfo[k] ?? "";
    status.nodeInfo = { ...info, ...status.nodeInfo };
  }
}

/** Node create: TaintNodesByCondition admission adds the not-ready taint (recording `node.create`). */
export function admitNodeCreate(node: AnyObject): void {
  node.spec ??= {};
  const taints = (node.spec.taints ??= []) as AnyObject[];
  if (!taints.some((t) => t.key === "node.kubernetes.io/not-ready" && t.effect === "NoSchedule")) {
    taints.push({ key: "node.kubernetes.io/not-ready", effect: "NoSchedule" });
  }
}
