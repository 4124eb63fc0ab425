/**
 * The fake's etcd + registry: one global resourceVersion counter, the objects, a bounded event history for
 * watches, and the create / update / patch / delete semantics of the real registry (strategies for pods, nodes,
 * namespaces, secrets, events; graceful deletion; finalizers; no-op writes that keep the resourceVersion).
 * Both the HTTP server and the direct test helpers go through this class, so they share resourceVersions and
 * watch events.
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call -- the fake edits untyped JSON documents, like the API server's unstructured objects */
import { randomUUID } from "node:crypto";
import { decodeObject, objectMetaProblems } from "./decode";
import {
  admitNodeCreate,
  admitPodCreate,
  defaultPodSpec,
  formatTime,
  normalizeNodeStatus,
  normalizePodStatus,
  normalizeTimes,
  randomSuffix,
} from "./admission";
import {
  KubeStatusError,
  alreadyExists,
  badRequest,
  conflict,
  invalid,
  namespaceNotFound,
  notFound,
  preconditionConflict,
  successStatus,
} from "./errors";
import { deepEqual, jsonPatch, mergePatch, strategicMergePatch } from "./patch";
import {
  type AnyObject,
  type KubeResource,
  type ResourceDef,
  RESOURCES,
  apiVersionOf,
  resourceDef,
} from "./resources";
import { fieldMatcher, labelMatcher, type Matcher } from "./selectors";

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

interface HistoryEvent {
  rv: number;
  type: WatchEventType;
  def: ResourceDef;
  obj: AnyObject;
  prev?: AnyObject;
}

export interface WatchSink {
  send(type: WatchEventType | "BOOKMARK" | "ERROR", object: AnyObject): void;
}

export interface WatchRequest {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
}

export interface ListRequest {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
}

export type PatchType = "merge" | "strategic" | "json";

export interface StoreOptions {
  historyLimit: number;
  now: () => Date;
  openshiftServiceCa: boolean;
  /** Delay of the emulated node lifecycle controller (taints from the Ready condition); false disables it. */
  nodeLifecycleDelayMs: number | false;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const FAKE_CA =
  "-----BEGIN CERTIFICATE-----\nMIIBfakeKubeFakeRootCAnotARealCertificate0000000000000000000000000\n-----END CERTIFICATE-----\n";

export const BOOTSTRAP_NAMESPACES = ["default", "kube-node-lease", "kube-public", "kube-system"];

interface WatchEntry {
  def: ResourceDef;
  namespace?: string;
  match: Matcher;
  sink: WatchSink;
}

export class KubeStore {
  private rv = 100;
  private compactRev = 0;
  private readonly objects = new Map<KubeResource, Map<string, AnyObject>>();
  private history: HistoryEvent[] = [];
  private readonly watches = new Set<WatchEntry>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly opts: StoreOptions) {
    for (const r of RESOURCES) this.objects.set(r.key, new Map());
    for (const ns of BOOTSTRAP_NAMESPACES)
      this.create(resourceDef("namespaces"), undefined, { metadata: { name: ns } });
  }

  get currentRv(): number {
    return this.rv;
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.watches.clear();
  }

  private key(def: ResourceDef, ns: string | undefined, name: string): string {
    return def.namespaced ? `${ns ?? ""}/${name}` : name;
  }

  private nowTime(): string {
    return formatTime(this.opts.now());
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  // ---- commit & watch ----------------------------------------------------------------------------------------

  private commit(def: ResourceDef, type: WatchEventType, obj: AnyObject, prev?: AnyObject): AnyObject {
    const rv = ++this.rv;
    obj.metadata.resourceVersion = String(rv);
    const map = this.objects.get(def.key)!;
    const k = this.key(def, obj.metadata.namespace as string | undefined, obj.metadata.name as string);
    if (type === "DELETED") map.delete(k);
    else map.set(k, obj);
    const ev: HistoryEvent = { rv, type, def, obj: clone(obj), prev: prev ? clone(prev) : undefined };
    this.history.push(ev);
    while (this.history.length > this.opts.historyLimit) this.compactRev = this.history.shift()!.rv;
    for (const w of this.watches) this.deliver(w, ev);
    if (def.key === "nodes" && type !== "DELETED") this.scheduleNodeLifecycle(obj.metadata.name as string);
    return clone(obj);
  }

  private deliver(w: WatchEntry, ev: HistoryEvent): void {
    if (w.def !== ev.def) return;
    if (w.namespace && ev.obj.metadata.namespace !== w.namespace) return;
    const cur = ev.type !== "DELETED" && w.match(ev.obj);
    const old = ev.prev ? w.match(ev.prev) : false;
    if (cur && !old) w.sink.send("ADDED", clone(ev.obj));
    else if (cur && old) w.sink.send("MODIFIED", clone(ev.obj));
    else if (!cur && old) {
      // like the watch cache: the previous object content, with the event's resourceVersion
      const o = clone(ev.prev!);
      o.metadata.resourceVersion = String(ev.rv);
      w.sink.send("DELETED", o);
    }
  }

  /** Drops the whole history: a watch resuming from any earlier resourceVersion gets 410 Expired. */
  compactHistory(): void {
    this.rv++; // compaction point; a fresh list returns this resourceVersion, from which a watch is valid
    this.compactRev = this.rv;
    this.history = [];
  }

  /**
   * Starts a watch. Returns false (after sending nothing) when the resourceVersion is too old; the caller
   * answers 410. Returns an unsubscribe function otherwise.
   */
  watch(def: ResourceDef, req: WatchRequest, sink: WatchSink): (() => void) | { expired: string } {
    const match = this.matcher(def, req.labelSelector, req.fieldSelector);
    const entry: WatchEntry = { def, namespace: req.namespace, match, sink };
    const rvParam = req.resourceVersion ?? "";
    if (rvParam === "" || rvParam === "0") {
      for (const obj of this.objects.get(def.key)!.values()) {
        if (req.namespace && obj.metadata.namespace !== req.namespace) continue;
        if (match(obj)) sink.send("ADDED", clone(obj));
      }
    } else {
      const from = Number(rvParam);
      if (!Number.isInteger(from) || from < 0) throw badRequest(`invalid resource version: ${rvParam}`);
      if (from < this.compactRev)
        return { expired: `too old resource version: ${from} (${this.compactRev})` };
      for (const ev of this.history) if (ev.rv > from) this.deliver(entry, ev);
    }
    this.watches.add(entry);
    return () => this.watches.delete(entry);
  }

  bookmark(def: ResourceDef): AnyObject {
    const o: AnyObject = {
      kind: def.kind,
      apiVersion: apiVersionOf(def),
      metadata: { resourceVersion: String(this.rv), creationTimestamp: null },
    };
    if (def.key === "pods") {
      o.spec = { containers: null };
      o.status = {};
    }
    return o;
  }

  // ---- reads -------------------------------------------------------------------------------------------------

  private matcher(def: ResourceDef, labelSelector?: string, fieldSelector?: string): Matcher {
    const l = labelMatcher(labelSelector);
    const f = fieldMatcher(def, fieldSelector);
    return (o) => l(o) && f(o);
  }

  namespaceExists(ns: string): boolean {
    return this.objects.get("namespaces")!.has(ns);
  }

  peek(def: ResourceDef, ns: string | undefined, name: string): AnyObject | undefined {
    const o = this.objects.get(def.key)!.get(this.key(def, ns, name));
    return o ? clone(o) : undefined;
  }

  get(def: ResourceDef, ns: string | undefined, name: string): AnyObject {
    const o = this.peek(def, ns, name);
    if (!o) throw notFound(def, name);
    return o;
  }

  list(def: ResourceDef, req: ListRequest): AnyObject {
    const match = this.matcher(def, req.labelSelector, req.fieldSelector);
    const sortKey = (o: AnyObject): string =>
      def.namespaced && !req.namespace
        ? `/${String(o.metadata.namespace)}/${String(o.metadata.name)}`
        : `/${String(o.metadata.name)}`;
    let items = [...this.objects.get(def.key)!.values()]
      .filter((o) => !req.namespace || o.metadata.namespace === req.namespace)
      .filter(match)
      .map((o) => ({ k: sortKey(o), o }))
      .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
    let listRv = this.rv;
    if (req.continue) {
      let token: { v?: string; rv?: number; start?: string };
      try {
        token = JSON.parse(Buffer.from(req.continue, "base64url").toString("utf8")) as typeof token;
      } catch {
        throw badRequest("continue key is not valid: illegal base64 data");
      }
      if (token.v !== "meta.k8s.io/v1" || typeof token.rv !== "number" || typeof token.start !== "string") {
        throw badRequest(
          "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
        );
      }
      if (token.rv < this.compactRev) {
        throw new KubeStatusError(
          410,
          "Expired",
          "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
        );
      }
      const start = token.start;
      items = items.filter((i) => i.k >= start);
      listRv = token.rv;
    }
    const metadata: AnyObject = { resourceVersion: String(listRv) };
    if (req.limit && req.limit > 0 && items.length > req.limit) {
      const last = items[req.limit - 1]!;
      const token = { v: "meta.k8s.io/v1", rv: listRv, start: `${last.k}\u0000` };
      metadata.continue = Buffer.from(JSON.stringify(token)).toString("base64url");
      if (!req.labelSelector && !req.fieldSelector) metadata.remainingItemCount = items.length - req.limit;
      items = items.slice(0, req.limit);
    }
    return {
      kind: `${def.kind}List`,
      apiVersion: apiVersionOf(def),
      metadata,
      items: items.map(({ o }) => {
        const c = clone(o);
        delete c.kind;
        delete c.apiVersion;
        return c;
      }),
    };
  }

  // ---- create ------------------------------------------------------------------------------------------------

  create(def: ResourceDef, ns: string | undefined, body: AnyObject, dryRun = false): AnyObject {
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw badRequest(`the body of the request was in an unknown format`);
    }
    const obj = clone(body);
    obj.kind = def.kind;
    obj.apiVersion = apiVersionOf(def);
    const meta = (obj.metadata ??= {}) as AnyObject;
    if (def.namespaced) {
      if (meta.namespace && meta.namespace !== ns) {
        throw badRequest(
          "the namespace of the provided object does not match the namespace sent on the request",
        );
      }
      meta.namespace = ns;
    } else delete meta.namespace;
    if (meta.resourceVersion) {
      throw new KubeStatusError(500, "", "resourceVersion should not be set on objects to be created");
    }
    if (!meta.name && meta.generateName) meta.name = `${String(meta.generateName)}${randomSuffix()}`;
    const name = String(meta.name ?? "");
    if (!name) {
      throw invalid(def, "", [
        {
          field: "metadata.name",
          reason: "FieldValueRequired",
          message: "Required value: name or generateName is required",
        },
      ]);
    }
    this.validateName(def, name);
    if (def.namespaced) {
      const nsObj = this.objects.get("namespaces")!.get(ns!);
      if (!nsObj) throw namespaceNotFound(ns!);
      if (nsObj.status?.phase === "Terminating") {
        throw new KubeStatusError(
          403,
          "Forbidden",
          `${def.plural} "${name}" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`,
          { name, kind: def.plural },
        );
      }
    }
    if (this.objects.get(def.key)!.has(this.key(def, ns, name))) throw alreadyExists(def, name);
    meta.uid = randomUUID();
    meta.creationTimestamp = this.nowTime();
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.managedFields;
    decodeObject(def, obj);
    this.validateMeta(def, name, meta);
    this.prepareCreate(def, obj);
    const normalized = normalizeTimes(obj) as AnyObject;
    if (dryRun) return normalized;
    const out = this.commit(def, "ADDED", normalized);
    if (def.key === "namespaces") this.populateNamespace(name);
    return out;
  }

  private validateMeta(def: ResourceDef, name: string, meta: AnyObject): void {
    const problems = objectMetaProblems(meta);
    if (problems.length > 0) throw invalid(def, name, problems);
  }

  private validateName(def: ResourceDef, name: string): void {
    const label = def.key === "namespaces";
    const ok = label
      ? DNS_LABEL.test(name) && name.length <= 63
      : DNS_SUBDOMAIN.test(name) && name.length <= 253;
    if (ok) return;
    const message = label
      ? `Invalid value: "${name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`
      : `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`;
    throw invalid(def, name, [{ field: "metadata.name", reason: "FieldValueInvalid", message }]);
  }

  private prepareCreate(def: ResourceDef, obj: AnyObject): void {
    switch (def.key) {
      case "pods": {
        const containers = obj.spec?.containers as AnyObject[] | undefined;
        if (!Array.isArray(containers) || containers.length === 0) {
          throw invalid(def, obj.metadata.name as string, [
            { field: "spec.containers", reason: "FieldValueRequired", message: "Required value" },
          ]);
        }
        containers.forEach((c, i) => {
          if (!c.name) {
            throw invalid(def, obj.metadata.name as string, [
              {
                field: `spec.containers[${i}].name`,
                reason: "FieldValueRequired",
                message: "Required value",
              },
            ]);
          }
          if (!c.image) {
            throw invalid(def, obj.metadata.name as string, [
              {
                field: `spec.containers[${i}].image`,
                reason: "FieldValueRequired",
                message: "Required value",
              },
            ]);
          }
        });
        admitPodCreate(obj, { openshiftServiceCa: this.opts.openshiftServiceCa });
        break;
      }
      case "nodes":
        admitNodeCreate(obj);
        normalizeNodeStatus(obj.status);
        break;
      case "namespaces":
        obj.metadata.labels = {
          ...(obj.metadata.labels ?? {}),
          "kubernetes.io/metadata.name": obj.metadata.name,
        };
        obj.spec = { finalizers: ["kubernetes"] };
        obj.status = { phase: "Active" };
        break;
      case "secrets":
        this.prepareSecret(obj);
        break;
      case "events":
        this.prepareEvent(obj);
        break;
      default:
        break;
    }
  }

  private prepareSecret(obj: AnyObject): void {
    obj.type ??= "Opaque";
    if (obj.stringData) {
      obj.data = { ...(obj.data ?? {}) };
      for (const [k, v] of Object.entries(obj.stringData as Record<string, string>)) {
        obj.data[k] = Buffer.from(v, "utf8").toString("base64");
      }
      delete obj.stringData;
    }
  }

  private prepareEvent(obj: AnyObject): void {
    const ns = obj.involvedObject?.namespace as string | undefined;
    if (ns && ns !== obj.metadata.namespace) {
      throw invalid(resourceDef("events"), obj.metadata.name as string, [
        {
          field: "involvedObject.namespace",
          reason: "FieldValueInvalid",
          message: `Invalid value: "${ns}": does not match event.namespace`,
        },
      ]);
    }
    obj.involvedObject ??= {};
    obj.source ??= {};
    obj.firstTimestamp ??= null;
    obj.lastTimestamp ??= null;
    obj.eventTime ??= null;
    obj.reportingComponent ??= "";
    obj.reportingInstance ??= "";
  }

  /** What the ServiceAccount and root-CA-publisher controllers add to every namespace. */
  private populateNamespace(ns: string): void {
    this.create(resourceDef("serviceaccounts"), ns, { metadata: { name: "default" } });
    this.create(resourceDef("configmaps"), ns, {
      metadata: {
        name: "kube-root-ca.crt",
        annotations: {
          "kubernetes.io/description":
            "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.",
        },
      },
      data: { "ca.crt": FAKE_CA },
    });
  }

  // ---- update & patch ----------------------------------------------------------------------------------------

  update(
    def: ResourceDef,
    ns: string | undefined,
    name: string,
    body: AnyObject,
    subresource?: "status",
    dryRun = false,
  ): AnyObject {
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw badRequest("the body of the request was in an unknown format");
    }
    const bodyName = body.metadata?.name as string | undefined;
    if (bodyName !== undefined && bodyName !== name) {
      throw badRequest(`the name of the object (${bodyName}) does not match the name on the URL (${name})`);
    }
    if (def.namespaced && body.metadata?.namespace && body.metadata.namespace !== ns) {
      throw badRequest(
        "the namespace of the provided object does not match the namespace sent on the request",
      );
    }
    const current = this.get(def, ns, name);
    return this.applyUpdate(
      def,
      current,
      clone(body),
      subresource,
      body.metadata?.resourceVersion as string,
      dryRun,
    );
  }

  patch(
    def: ResourceDef,
    ns: string | undefined,
    name: string,
    type: PatchType,
    patchBody: unknown,
    subresource?: "status",
    dryRun = false,
  ): AnyObject {
    const current = this.get(def, ns, name);
    let patched: AnyObject;
    if (type === "json") patched = jsonPatch(current, patchBody) as AnyObject;
    else {
      if (typeof patchBody !== "object" || patchBody === null || Array.isArray(patchBody)) {
        throw badRequest("json: cannot unmarshal array into Go value of type map[string]interface {}");
      }
      patched = (
        type === "merge" ? mergePatch(current, patchBody) : strategicMergePatch(def.kind, current, patchBody)
      ) as AnyObject;
    }
    if (typeof patched !== "object" || patched === null) throw badRequest("patch produced an invalid object");
    patched.metadata ??= {};
    if (patched.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${String(patched.metadata.name)}) does not match the name on the URL (${name})`,
      );
    }
    // a resourceVersion in the patch is a precondition; the patched copy otherwise carries the current one
    const rv = patched.metadata.resourceVersion as string | undefined;
    return this.applyUpdate(def, current, patched, subresource, rv, dryRun);
  }

  private applyUpdate(
    def: ResourceDef,
    current: AnyObject,
    candidate: AnyObject,
    subresource: "status" | undefined,
    rvPrecondition: string | undefined,
    dryRun: boolean,
  ): AnyObject {
    const name = current.metadata.name as string;
    let next: AnyObject;
    if (subresource === "status") {
      next = clone(current);
      next.status = candidate.status;
      if (next.status === undefined) delete next.status;
    } else {
      next = candidate;
      next.metadata ??= {};
      if (def.statusSubresource) {
        if (current.status === undefined) delete next.status;
        else next.status = clone(current.status);
      }
    }
    next.kind = def.kind;
    next.apiVersion = apiVersionOf(def);
    const m = next.metadata as AnyObject;
    for (const f of [
      "uid",
      "creationTimestamp",
      "deletionTimestamp",
      "deletionGracePeriodSeconds",
      "namespace",
      "name",
    ]) {
      if (current.metadata[f] === undefined) delete m[f];
      else m[f] = current.metadata[f];
    }
    delete m.managedFields;
    m.resourceVersion = current.metadata.resourceVersion;
    switch (def.key) {
      case "pods":
        next.spec ??= {};
        defaultPodSpec(next.spec as AnyObject);
        normalizePodStatus(next.status as AnyObject | undefined);
        if (subresource !== "status")
          this.checkPodSpecUpdate(def, name, current.spec as AnyObject, next.spec as AnyObject);
        break;
      case "nodes":
        normalizeNodeStatus(next.status as AnyObject | undefined);
        break;
      case "secrets":
        this.prepareSecret(next);
        break;
      case "namespaces":
        next.spec = clone(current.spec);
        break;
      default:
        break;
    }
    decodeObject(def, next);
    this.validateMeta(def, name, next.metadata as AnyObject);
    next = normalizeTimes(next) as AnyObject;
    if (deepEqual(next, current)) return current; // no-op: no new resourceVersion, no event
    if (rvPrecondition && rvPrecondition !== current.metadata.resourceVersion) throw conflict(def, name);
    if (dryRun) return next;
    const meta = next.metadata as AnyObject;
    const finalizers = (meta.finalizers as string[] | undefined) ?? [];
    if (meta.deletionTimestamp && finalizers.length === 0 && meta.deletionGracePeriodSeconds === 0) {
      return this.commit(def, "DELETED", next, current);
    }
    return this.commit(def, "MODIFIED", next, current);
  }

  private checkPodSpecUpdate(def: ResourceDef, name: string, oldSpec: AnyObject, newSpec: AnyObject): void {
    const strip = (s: AnyObject): AnyObject => {
      const c = clone(s);
      for (const l of ["containers", "initContainers"])
        for (const x of (c[l] as AnyObject[]) ?? []) x.image = "";
      delete c.activeDeadlineSeconds;
      delete c.tolerations;
      delete c.terminationGracePeriodSeconds;
      return c;
    };
    const oldTol = (oldSpec.tolerations as AnyObject[]) ?? [];
    const newTol = (newSpec.tolerations as AnyObject[]) ?? [];
    const tolOk = oldTol.every((t) => newTol.some((n) => deepEqual(n, t)));
    if (deepEqual(strip(oldSpec), strip(newSpec)) && tolOk) return;
    throw invalid(def, name, [
      {
        field: "spec",
        reason: "FieldValueForbidden",
        message:
          "Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
      },
    ]);
  }

  /** The `pods/binding` subresource: what the scheduler does. */
  bind(ns: string, name: string, nodeName: string): void {
    const def = resourceDef("pods");
    const current = this.get(def, ns, name);
    if (current.spec?.nodeName) {
      throw preconditionConflict(
        { ...def, kind: "pods/binding" },
        name,
        `pod ${name} is already assigned to node "${String(current.spec.nodeName)}"`,
      );
    }
    const next = clone(current);
    next.spec.nodeName = nodeName;
    const conditions = ((next.status ??= {}).conditions ??= []) as AnyObject[];
    const idx = conditions.findIndex((c) => c.type === "PodScheduled");
    const cond = {
      type: "PodScheduled",
      status: "True",
      lastProbeTime: null,
      lastTransitionTime: this.nowTime(),
    };
    if (idx >= 0) conditions[idx] = cond;
    else conditions.push(cond);
    this.commit(def, "MODIFIED", next, current);
  }

  // ---- delete ------------------------------------------------------------------------------------------------

  delete(def: ResourceDef, ns: string | undefined, name: string, opts: DeleteOptions = {}): AnyObject {
    const current = this.get(def, ns, name);
    const uid = current.metadata.uid as string;
    if (opts.preconditions?.uid && opts.preconditions.uid !== uid) {
      throw preconditionConflict(
        def,
        name,
        `the UID in the precondition (${opts.preconditions.uid}) does not match the UID in record (${uid}). The object might have been deleted and then recreated`,
      );
    }
    const rv = current.metadata.resourceVersion as string;
    if (opts.preconditions?.resourceVersion && opts.preconditions.resourceVersion !== rv) {
      throw preconditionConflict(
        def,
        name,
        `the ResourceVersion in the precondition (${opts.preconditions.resourceVersion}) does not match the ResourceVersion in record (${rv}). The object might have been modified`,
      );
    }
    const dryRun = (opts.dryRun ?? []).length > 0;
    if (def.key === "namespaces") return this.deleteNamespace(current, dryRun);
    const hasFinalizers = ((current.metadata.finalizers as string[] | undefined) ?? []).length > 0;
    const deleted = (obj: AnyObject): AnyObject =>
      def.returnDeletedObject ? obj : successStatus(def, name, uid);

    if (def.key === "pods") {
      const meta = current.metadata as AnyObject;
      let next: AnyObject | undefined;
      if (meta.deletionTimestamp) {
        const curGrace = meta.deletionGracePeriodSeconds as number | undefined;
        if (curGrace !== undefined && curGrace !== 0) {
          const g = opts.gracePeriodSeconds;
          if (g === undefined || g >= curGrace) return current; // graceful deletion already pending
          next = clone(current);
          const ts = new Date(meta.deletionTimestamp as string).getTime() - curGrace * 1000 + g * 1000;
          next.metadata.deletionTimestamp = formatTime(new Date(ts));
          next.metadata.deletionGracePeriodSeconds = g;
        }
      } else {
        let period =
          opts.gracePeriodSeconds ?? (current.spec?.terminationGracePeriodSeconds as number | undefined) ?? 0;
        if (!current.spec?.nodeName) period = 0;
        const phase = current.status?.phase as string | undefined;
        if (phase === "Failed" || phase === "Succeeded") period = 0;
        if (period < 0) period = 1;
        next = clone(current);
        next.metadata.deletionTimestamp = formatTime(new Date(this.opts.now().getTime() + period * 1000));
        next.metadata.deletionGracePeriodSeconds = period;
      }
      if (dryRun) return next ?? current;
      let latest = current;
      if (next) latest = this.commit(def, "MODIFIED", next, current);
      if (latest.metadata.deletionGracePeriodSeconds === 0 && !hasFinalizers) {
        return deleted(this.commit(def, "DELETED", clone(latest), latest));
      }
      return latest;
    }

    if (hasFinalizers) {
      if (current.metadata.deletionTimestamp) return current;
      const next = clone(current);
      next.metadata.deletionTimestamp = this.nowTime();
      next.metadata.deletionGracePeriodSeconds = 0;
      if (dryRun) return next;
      return this.commit(def, "MODIFIED", next, current);
    }
    if (dryRun) return deleted(current);
    return deleted(this.commit(def, "DELETED", clone(current), current));
  }

  /** Removes a pod at once, as `kubectl delete --grace-period=0 --force` does. */
  forceDelete(def: ResourceDef, ns: string | undefined, name: string): void {
    const current = this.peek(def, ns, name);
    if (current) this.commit(def, "DELETED", clone(current), current);
  }

  /** Namespace deletion: Terminating at once, contents and namespace removed by the "namespace controller". */
  private deleteNamespace(current: AnyObject, dryRun: boolean): AnyObject {
    if (current.metadata.deletionTimestamp) return current;
    const next = clone(current);
    next.metadata.deletionTimestamp = this.nowTime();
    next.status = { phase: "Terminating" };
    if (dryRun) return next;
    const out = this.commit(resourceDef("namespaces"), "MODIFIED", next, current);
    const ns = current.metadata.name as string;
    this.later(0, () => {
      for (const def of RESOURCES) {
        if (!def.namespaced) continue;
        for (const o of [...this.objects.get(def.key)!.values()]) {
          if (o.metadata.namespace === ns) this.forceDelete(def, ns, o.metadata.name as string);
        }
      }
      this.forceDelete(resourceDef("namespaces"), undefined, ns);
    });
    return out;
  }

  // ---- node lifecycle controller ----------------------------------------------------------------------------

  private scheduleNodeLifecycle(name: string): void {
    if (this.opts.nodeLifecycleDelayMs === false) return;
    this.later(this.opts.nodeLifecycleDelayMs, () => this.reconcileNode(name));
  }

  /**
   * In a real cluster the node lifecycle controller (kube-controller-manager), not the API server, keeps the
   * `not-ready` / `unreachable` NoSchedule taints in line with the Ready condition, and the TTL controller and
   * kubelet add the annotation/label below (recording `node.get.after.ready`).
   */
  private reconcileNode(name: string): void {
    const def = resourceDef("nodes");
    const current = this.peek(def, undefined, name);
    if (!current) return;
    const ready = ((current.status?.conditions as AnyObject[] | undefined) ?? []).find(
      (c) => c.type === "Ready",
    );
    const want =
      ready?.status === "True"
        ? undefined
        : ready?.status === "False"
          ? "node.kubernetes.io/not-ready"
          : "node.kubernetes.io/unreachable";
    const next = clone(current);
    next.spec ??= {};
    const managed = ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"];
    let taints = ((next.spec.taints as AnyObject[] | undefined) ?? []).filter(
      (t) => !(managed.includes(t.key as string) && t.effect === "NoSchedule" && t.key !== want),
    );
    if (want && !taints.some((t) => t.key === want && t.effect === "NoSchedule")) {
      taints = [...taints, { key: want, effect: "NoSchedule" }];
    }
    if (!ready && current.spec?.taints?.some((t: AnyObject) => t.key === "node.kubernetes.io/not-ready")) {
      return; // a node that never reported Ready keeps its admission taint
    }
    if (taints.length) next.spec.taints = taints;
    else delete next.spec.taints;
    const labels = (next.metadata.labels ??= {}) as Record<string, string>;
    if (labels["kubernetes.io/os"] && !labels["beta.kubernetes.io/os"])
      labels["beta.kubernetes.io/os"] = labels["kubernetes.io/os"];
    next.metadata.annotations = { "node.alpha.kubernetes.io/ttl": "0", ...(next.metadata.annotations ?? {}) };
    if (!deepEqual(next, current)) this.commit(def, "MODIFIED", next, current);
  }
}
