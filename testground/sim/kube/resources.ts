/**
 * The resources the Kubernetes API fake serves: URL segment, group/version, kind, scope, the field labels the
 * real server accepts in `fieldSelector`, and the subresources. Anything not listed here answers 501.
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access -- the fake edits untyped JSON documents, like the API server's unstructured objects */

export type KubeResource =
  | "pods"
  | "nodes"
  | "secrets"
  | "configmaps"
  | "events"
  | "leases"
  | "namespaces"
  | "serviceaccounts"
  | "events.k8s.io/events"
  | "certificatesigningrequests";

export interface ResourceDef {
  /** Store key (unique): `plural` for core and coordination, `events.k8s.io/events` for the new Events API. */
  key: KubeResource;
  plural: string;
  group: string;
  version: string;
  kind: string;
  namespaced: boolean;
  /** Field labels accepted by fieldSelector, besides metadata.name / metadata.namespace. */
  fields: Record<string, (obj: AnyObject) => string>;
  /** Whether the object has a `status` that only the `/status` subresource may change. */
  statusSubresource: boolean;
  /** Real server answers DELETE with the object (pods, namespaces) instead of a Success Status. */
  returnDeletedObject: boolean;
  shortNames?: string[];
  verbs: string[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyObject = Record<string, any>;

const str = (v: unknown): string =>
  typeof v === "string" ? v : v === undefined || v === null ? "" : JSON.stringify(v);
const VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

export const RESOURCES: ResourceDef[] = [
  {
    key: "pods",
    plural: "pods",
    group: "",
    version: "v1",
    kind: "Pod",
    namespaced: true,
    statusSubresource: true,
    returnDeletedObject: true,
    shortNames: ["po"],
    verbs: VERBS,
    fields: {
      "spec.nodeName": (o) => str(o.spec?.nodeName),
      "spec.restartPolicy": (o) => str(o.spec?.restartPolicy),
      "spec.schedulerName": (o) => str(o.spec?.schedulerName),
      "spec.serviceAccountName": (o) => str(o.spec?.serviceAccountName),
      "spec.hostNetwork": (o) => String(o.spec?.hostNetwork === true),
      "status.phase": (o) => str(o.status?.phase),
      "status.podIP": (o) => str(o.status?.podIP),
      "status.nominatedNodeName": (o) => str(o.status?.nominatedNodeName),
    },
  },
  {
    key: "nodes",
    plural: "nodes",
    group: "",
    version: "v1",
    kind: "Node",
    namespaced: false,
    statusSubresource: true,
    returnDeletedObject: false,
    shortNames: ["no"],
    verbs: VERBS,
    fields: { "spec.unschedulable": (o) => String(o.spec?.unschedulable === true) },
  },
  {
    key: "secrets",
    plural: "secrets",
    group: "",
    version: "v1",
    kind: "Secret",
    namespaced: true,
    statusSubresource: false,
    returnDeletedObject: false,
    verbs: VERBS,
    fields: { type: (o) => str(o.type) },
  },
  {
    key: "configmaps",
    plural: "configmaps",
    group: "",
    version: "v1",
    kind: "ConfigMap",
    namespaced: true,
    statusSubresource: false,
    returnDeletedObject: false,
    shortNames: ["cm"],
    verbs: VERBS,
    fields: {},
  },
  {
    key: "events",
    plural: "events",
    group: "",
    version: "v1",
    kind: "Event",
    namespaced: true,
    statusSubresource: false,
    returnDeletedObject: false,
    shortNames: ["ev"],
    verbs: VERBS,
    fields: {
      "involvedObject.kind": (o) => str(o.involvedObject?.kind),
      "involvedObject.namespace": (o) => str(o.involvedObject?.namespace),
      "involvedObject.name": (o) => str(o.involvedObject?.name),
      "involvedObject.uid": (o) => str(o.involvedObject?.uid),
      "involvedObject.apiVersion": (o) => str(o.involvedObject?.apiVersion),
      "involvedObject.resourceVersion": (o) => str(o.involvedObject?.resourceVersion),
      "involvedObject.fieldPath": (o) => str(o.involvedObject?.fieldPath),
      reason: (o) => str(o.reason),
      reportingComponent: (o) => str(o.reportingComponent),
      source: (o) => str(o.source?.component),
      type: (o) => str(o.type),
    },
  },
  {
    key: "namespaces",
    plural: "namespaces",
    group: "",
    version: "v1",
    kind: "Namespace",
    namespaced: false,
    statusSubresource: true,
    returnDeletedObject: true,
    shortNames: ["ns"],
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
    fields: { "status.phase": (o) => str(o.status?.phase) },
  },
  {
    key: "serviceaccounts",
    plural: "serviceaccounts",
    group: "",
    version: "v1",
    kind: "ServiceAccount",
    namespaced: true,
    statusSubresource: false,
    returnDeletedObject: false,
    shortNames: ["sa"],
    verbs: VERBS,
    fields: {},
  },
  {
    key: "leases",
    plural: "leases",
    group: "coordination.k8s.io",
    version: "v1",
    kind: "Lease",
    namespaced: true,
    statusSubresource: false,
    returnDeletedObject: false,
    verbs: VERBS,
    fields: {},
  },
  {
    key: "events.k8s.io/events",
    plural: "events",
    group: "events.k8s.io",
    version: "v1",
    kind: "Event",
    namespaced: true,
    statusSubresource: false,
    returnDeletedObject: false,
    shortNames: ["ev"],
    verbs: VERBS,
    fields: {
      "regarding.kind": (o) => str(o.regarding?.kind),
      "regarding.namespace": (o) => str(o.regarding?.namespace),
      "regarding.name": (o) => str(o.regarding?.name),
      "regarding.uid": (o) => str(o.regarding?.uid),
      reason: (o) => str(o.reason),
      reportingController: (o) => str(o.reportingController),
      type: (o) => str(o.type),
    },
  },
  {
    key: "certificatesigningrequests",
    plural: "certificatesigningrequests",
    group: "certificates.k8s.io",
    version: "v1",
    kind: "CertificateSigningRequest",
    namespaced: false,
    statusSubresource: true,
    returnDeletedObject: false,
    shortNames: ["csr"],
    verbs: VERBS,
    fields: { "spec.signerName": (o) => str(o.spec?.signerName) },
  },
];

export const RESOURCE_BY_KEY = new Map<KubeResource, ResourceDef>(RESOURCES.map((r) => [r.key, r]));

export function resourceDef(key: KubeResource): ResourceDef {
  const def = RESOURCE_BY_KEY.get(key);
  if (!def) throw new Error(`kube fake: unknown resource ${key}`);
  return def;
}

/** Find a resource by the `/api/v1` or `/apis/<group>/<version>` prefix and its URL plural. */
export function findResource(group: string, version: string, plural: string): ResourceDef | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

export function apiVersionOf(def: ResourceDef): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}
