/**
 * HTTP front of the Kubernetes API fake: routes kube-apiserver URLs (`/api/v1/...`, `/apis/<group>/<version>/...`,
 * legacy `/watch/` paths, discovery) onto the store, streams watches as newline-delimited JSON, injects faults,
 * records every call, and answers 501 for anything it does not implement.
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment -- the fake edits untyped JSON documents, like the API server's unstructured objects */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { createLatencySampler, kubeOperation, type LatencyProfile, type LatencySampler } from "../latency";
import { formatTime } from "./admission";
import { fieldValidationMode, strictDecode } from "./decode";
import { KubeStatusError, badRequest, notImplemented } from "./errors";
import {
  RESOURCES,
  type AnyObject,
  type ResourceDef,
  apiVersionOf,
  findResource,
  resourceDef,
} from "./resources";
import { kubeletLocation, type NodeProxy, type ProxiedSub } from "./nodeProxy";
import type { FakeReviews } from "./reviews";
import type { FakeCsrController } from "./certificates";
import type { DeleteOptions, KubeStore, PatchType, WatchEventType } from "./store";

export interface FaultRule {
  method?: string;
  path?: RegExp;
  status: number;
  reason?: string;
  message?: string;
  times?: number;
  probability?: number;
  /** Delay before answering (or before the fault), in ms. */
  delayMs?: number;
  /** Destroy the connection instead of answering. */
  reset?: boolean;
}

export interface CallRecord {
  method: string;
  path: string;
  status: number;
  at: number;
  user: string;
  /** Set on watches answered with an ERROR event (e.g. 410 Expired inside a 200 stream). */
  watchError?: number;
}

export interface ServerOptions {
  /** Per-request delay by operation class (GET, LIST, write), seeded; none when undefined. */
  latency?: LatencyProfile;
  watchTimeoutSeconds: number;
  bookmarkIntervalMs: number;
  tooOldWatch: "event" | "http";
  now: () => Date;
  /** TokenReview / SubjectAccessReview answers (reviews.ts). */
  reviews?: FakeReviews;
  /** pods/log, pods/exec, pods/attach to the pod's kubelet (nodeProxy.ts); 501 without it. */
  nodeProxy?: NodeProxy;
  /** CertificateSigningRequest approval and signing (certificates.ts). */
  certificates?: FakeCsrController;
}

const REASONS: Record<number, string> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  409: "Conflict",
  410: "Expired",
  422: "Invalid",
  429: "TooManyRequests",
  500: "InternalError",
  503: "ServiceUnavailable",
  504: "Timeout",
};

export class KubeHttp {
  readonly calls: CallRecord[] = [];
  readonly faults: FaultRule[] = [];
  private readonly openWatches = new Set<{ end(): void }>();
  private readonly latency: LatencySampler | undefined;

  constructor(
    private readonly store: KubeStore,
    private readonly opts: ServerOptions,
  ) {
    this.latency = opts.latency ? createLatencySampler(opts.latency, "kube") : undefined;
  }

  cutWatches(): void {
    for (const w of [...this.openWatches]) w.end();
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void this.dispatch(req, res, Buffer.concat(chunks).toString("utf8"));
    });
  }

  private record(req: IncomingMessage, status: number, extra: Partial<CallRecord> = {}): void {
    const auth = req.headers.authorization ?? "";
    const user = auth.startsWith("Bearer ")
      ? auth.slice(7).replace(/^kube-fake-token-/, "")
      : "system:anonymous";
    this.calls.push({
      method: req.method ?? "",
      path: req.url ?? "",
      status,
      at: Date.now(),
      user,
      ...extra,
    });
  }

  private send(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    this.record(req, status);
    const text = JSON.stringify(body);
    res.writeHead(status, {
      "Content-Type": "application/json",
      "Audit-Id": randomUUID(),
      "Content-Length": String(Buffer.byteLength(text)),
      ...headers,
    });
    res.end(text);
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", "http://kube-fake");
    // Before faults: a refused or failed request still took its round trip.
    if (this.latency) await this.latency.wait(kubeOperation(method, url.pathname, url.search));
    const fault = this.matchFault(method, `${url.pathname}${url.search}`);
    if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault) {
      if (fault.reset) {
        this.record(req, 0);
        req.socket.destroy();
        return;
      }
      const reason = fault.reason ?? REASONS[fault.status] ?? "";
      const err = new KubeStatusError(
        fault.status,
        reason,
        fault.message ?? `kube fake: injected fault (${fault.status})`,
      );
      if (fault.status === 429) {
        err.status.details = { retryAfterSeconds: 1 };
        this.send(req, res, 429, err.status, { "Retry-After": "1" });
      } else this.send(req, res, fault.status, err.status);
      return;
    }
    try {
      this.route(req, res, method, url, body);
    } catch (e) {
      if (e instanceof KubeStatusError) this.send(req, res, e.code, e.status);
      else {
        const msg = e instanceof Error ? e.message : String(e);
        this.send(
          req,
          res,
          500,
          new KubeStatusError(500, "InternalError", `Internal error occurred: ${msg}`).status,
        );
      }
    }
  }

  private matchFault(method: string, path: string): FaultRule | undefined {
    for (const rule of this.faults) {
      if (rule.method && rule.method.toUpperCase() !== method) continue;
      if (rule.path && !rule.path.test(path)) continue;
      if (rule.probability !== undefined && Math.random() >= rule.probability) continue;
      if (rule.times !== undefined) {
        if (rule.times <= 0) continue;
        rule.times--;
      }
      return rule;
    }
    return undefined;
  }

  // ---- routing -----------------------------------------------------------------------------------------------

  private route(req: IncomingMessage, res: ServerResponse, method: string, url: URL, body: string): void {
    const parts = url.pathname
      .split("/")
      .filter((p) => p.length > 0)
      .map(decodeURIComponent);
    const q = url.searchParams;
    if (method === "GET" && this.discovery(req, res, parts)) return;
    let group: string;
    let version: string;
    let rest: string[];
    if (parts[0] === "api" && parts[1] === "v1") {
      group = "";
      version = "v1";
      rest = parts.slice(2);
    } else if (parts[0] === "apis" && parts.length >= 3) {
      group = parts[1]!;
      version = parts[2]!;
      rest = parts.slice(3);
    } else throw notImplemented(method, url.pathname);
    let watch = q.get("watch") === "true" || q.get("watch") === "1";
    if (rest[0] === "watch") {
      watch = true;
      rest = rest.slice(1);
    }
    // /namespaces/{ns}/{plural}/... vs /namespaces/{name}[/status]
    let ns: string | undefined;
    let plural: string;
    let name: string | undefined;
    let sub: string | undefined;
    if (
      rest[0] === "namespaces" &&
      rest.length >= 3 &&
      !(rest.length === 3 && ["status", "finalize"].includes(rest[2]!))
    ) {
      ns = rest[1];
      plural = rest[2]!;
      name = rest[3];
      sub = rest[4];
      if (rest.length > 5) throw notImplemented(method, url.pathname);
    } else {
      plural = rest[0] ?? "";
      name = rest[1];
      sub = rest[2];
      if (rest.length > 3) throw notImplemented(method, url.pathname);
    }
    if (
      group === "" &&
      plural === "bindings" &&
      ns !== undefined &&
      name === undefined &&
      method === "POST"
    ) {
      // the legacy `bindings` resource (CoreV1Api.createNamespacedBinding): the pod is named by the body
      const b = parseJson(body);
      return this.bindFromBody(req, res, ns, String(b.metadata?.name ?? ""), b);
    }
    if (method === "POST" && ns === undefined && name === undefined && version === "v1") {
      const review = this.opts.reviews?.review(group, plural, parseJson(body));
      if (review) return this.send(req, res, 201, review);
    }
    const def = findResource(group, version, plural);
    if (!def) throw notImplemented(method, url.pathname);
    if (def.namespaced && name !== undefined && ns === undefined) throw notImplemented(method, url.pathname);
    if (!def.namespaced && ns !== undefined) throw notImplemented(method, url.pathname);
    if (q.get("sendInitialEvents") === "true")
      throw notImplemented(method, `${url.pathname} (sendInitialEvents)`);
    const dryRun = q.getAll("dryRun").length > 0;
    const validation = fieldValidationMode(q.get("fieldValidation"));

    if (name === undefined) {
      if (method === "GET" && watch) return this.watch(req, res, def, ns, q);
      if (method === "GET") {
        const limit = q.get("limit");
        return this.send(
          req,
          res,
          200,
          this.store.list(def, {
            namespace: ns,
            labelSelector: q.get("labelSelector") ?? undefined,
            fieldSelector: q.get("fieldSelector") ?? undefined,
            limit: limit ? Number(limit) : undefined,
            continue: q.get("continue") ?? undefined,
          }),
        );
      }
      if (method === "POST") {
        const obj = parseJson(body);
        const warnings = strictDecode(def, body, obj, validation);
        return this.send(req, res, 201, this.store.create(def, ns, obj, dryRun), warningHeaders(warnings));
      }
      throw notImplemented(method, url.pathname);
    }

    if (sub === undefined) {
      if (method === "GET" && watch) {
        q.set("fieldSelector", [`metadata.name=${name}`, q.get("fieldSelector")].filter(Boolean).join(","));
        return this.watch(req, res, def, ns, q);
      }
      switch (method) {
        case "GET":
          return this.send(req, res, 200, this.store.get(def, ns, name));
        case "PUT": {
          const obj = parseJson(body);
          const warnings = strictDecode(def, body, obj, validation);
          return this.send(
            req,
            res,
            200,
            this.store.update(def, ns, name, obj, undefined, dryRun),
            warningHeaders(warnings),
          );
        }
        case "PATCH":
          return this.send(
            req,
            res,
            200,
            this.store.patch(def, ns, name, patchType(req, method, url), parseJson(body), undefined, dryRun),
          );
        case "DELETE":
          return this.send(req, res, 200, this.store.delete(def, ns, name, deleteOptions(body, q)));
        default:
          throw notImplemented(method, url.pathname);
      }
    }

    if (sub === "status" && def.statusSubresource) {
      switch (method) {
        case "GET":
          return this.send(req, res, 200, this.store.get(def, ns, name));
        case "PUT":
          return this.send(
            req,
            res,
            200,
            this.store.update(def, ns, name, parseJson(body), "status", dryRun),
          );
        case "PATCH":
          return this.send(
            req,
            res,
            200,
            this.store.patch(def, ns, name, patchType(req, method, url), parseJson(body), "status", dryRun),
          );
        default:
          throw notImplemented(method, url.pathname);
      }
    }
    if (def.key === "pods" && sub === "binding" && method === "POST") {
      const b = parseJson(body);
      if (b.metadata?.name && b.metadata.name !== name) {
        throw badRequest(
          `the name of the object (${String(b.metadata.name)}) does not match the name on the URL (${name})`,
        );
      }
      return this.bindFromBody(req, res, ns!, name, b);
    }
    if (def.key === "certificatesigningrequests" && sub === "approval" && this.opts.certificates) {
      if (method === "GET") return this.send(req, res, 200, this.store.get(def, ns, name));
      if (method === "PUT")
        return this.send(req, res, 200, this.opts.certificates.putApproval(name, parseJson(body)));
    }
    if (def.key === "serviceaccounts" && sub === "token" && method === "POST") {
      return this.send(req, res, 201, this.tokenRequest(ns!, name, parseJson(body)));
    }
    if (
      def.key === "pods" &&
      (sub === "log" || ((sub === "exec" || sub === "attach") && method === "POST"))
    ) {
      const proxy = this.opts.nodeProxy;
      if (!proxy || (sub === "log" && method !== "GET")) throw notImplemented(method, url.pathname);
      const loc = this.kubeletLocation(sub, ns!, name, q);
      return proxy.request(req, res, loc, (status) => this.record(req, status), sub === "log");
    }
    throw notImplemented(method, url.pathname);
  }

  private kubeletLocation(sub: ProxiedSub, ns: string, name: string, q: URLSearchParams) {
    const pod = this.store.get(resourceDef("pods"), ns, name);
    const nodeName = String(pod.spec?.nodeName ?? "");
    const node = nodeName ? this.store.peek(resourceDef("nodes"), undefined, nodeName) : undefined;
    return kubeletLocation(sub, pod, node, q);
  }

  /**
   * Upgrade requests: `pods/{pod}/exec|attach` (GET or POST, SPDY/3.1 or WebSocket) are spliced to the
   * pod's kubelet; anything else is refused on the raw socket.
   */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on("error", () => undefined);
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", "http://kube-fake");
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|attach)$/.exec(url.pathname);
    const refuse = (e: KubeStatusError): void => {
      this.record(req, e.code);
      const text = JSON.stringify(e.status);
      socket.end(
        `HTTP/1.1 ${e.code} ${e.status.reason ?? ""}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
      );
    };
    if (!m || (method !== "GET" && method !== "POST") || !this.opts.nodeProxy) {
      return refuse(notImplemented(method, url.pathname));
    }
    try {
      const loc = this.kubeletLocation(
        m[3] as ProxiedSub,
        decodeURIComponent(m[1]!),
        decodeURIComponent(m[2]!),
        url.searchParams,
      );
      this.record(req, 101);
      this.opts.nodeProxy.upgrade(req, socket, head, loc);
    } catch (e) {
      if (e instanceof KubeStatusError) refuse(e);
      else refuse(new KubeStatusError(500, "InternalError", e instanceof Error ? e.message : String(e)));
    }
  }

  private bindFromBody(
    req: IncomingMessage,
    res: ServerResponse,
    ns: string,
    name: string,
    b: AnyObject,
  ): void {
    const target = b.target as AnyObject | undefined;
    if (!name) throw badRequest("metadata.name: Required value");
    if (!target?.name) throw badRequest("target.name: Required value");
    this.store.bind(ns, name, String(target.name));
    this.send(req, res, 201, {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Success",
      code: 201,
    });
  }

  private tokenRequest(ns: string, name: string, body: AnyObject): AnyObject {
    this.store.get(resourceDef("serviceaccounts"), ns, name);
    const spec = (body.spec ?? {}) as AnyObject;
    const expirationSeconds = (spec.expirationSeconds as number | undefined) ?? 3600;
    if (expirationSeconds < 600) {
      throw new KubeStatusError(
        422,
        "Invalid",
        `TokenRequest.authentication.k8s.io "${name}" is invalid: spec.expirationSeconds: Invalid value: ${expirationSeconds}: may not specify a duration less than 10 minutes`,
        { name, group: "authentication.k8s.io", kind: "TokenRequest" },
      );
    }
    const audiences = (spec.audiences as string[] | undefined)?.length
      ? (spec.audiences as string[])
      : ["https://kubernetes.default.svc.cluster.local"];
    const now = this.opts.now();
    const exp = new Date(now.getTime() + expirationSeconds * 1000);
    const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString("base64url");
    const token = [
      b64({ alg: "RS256", kid: "kube-fake" }),
      b64({
        aud: audiences,
        exp: Math.floor(exp.getTime() / 1000),
        iat: Math.floor(now.getTime() / 1000),
        iss: "https://kubernetes.default.svc.cluster.local",
        sub: `system:serviceaccount:${ns}:${name}`,
        "kubernetes.io": { namespace: ns, serviceaccount: { name } },
      }),
      b64("kube-fake-signature"),
    ].join(".");
    return {
      kind: "TokenRequest",
      apiVersion: "authentication.k8s.io/v1",
      metadata: { name, namespace: ns, creationTimestamp: null },
      spec: { audiences, expirationSeconds, boundObjectRef: spec.boundObjectRef ?? null },
      status: { token, expirationTimestamp: formatTime(exp) },
    };
  }

  // ---- watch -------------------------------------------------------------------------------------------------

  private watch(
    req: IncomingMessage,
    res: ServerResponse,
    def: ResourceDef,
    ns: string | undefined,
    q: URLSearchParams,
  ): void {
    const bookmarks = q.get("allowWatchBookmarks") === "true";
    const timeoutParam = q.get("timeoutSeconds");
    const timeoutSeconds = timeoutParam ? Number(timeoutParam) : this.opts.watchTimeoutSeconds;
    let started = false;
    let ended = false;
    const buffered: string[] = [];
    const write = (type: WatchEventType | "BOOKMARK" | "ERROR", object: AnyObject): void => {
      if (ended) return;
      const line = `${JSON.stringify({ type, object })}\n`;
      if (started) res.write(line);
      else buffered.push(line);
    };
    const result = this.store.watch(
      def,
      {
        namespace: ns,
        labelSelector: q.get("labelSelector") ?? undefined,
        fieldSelector: q.get("fieldSelector") ?? undefined,
        resourceVersion: q.get("resourceVersion") ?? undefined,
      },
      { send: write },
    );
    if (typeof result !== "function") {
      const status = new KubeStatusError(410, "Expired", result.expired).status;
      if (this.opts.tooOldWatch === "http") return this.send(req, res, 410, status);
      this.record(req, 200, { watchError: 410 });
      res.writeHead(200, { "Content-Type": "application/json", "Audit-Id": randomUUID() });
      res.end(`${JSON.stringify({ type: "ERROR", object: status })}\n`);
      return;
    }
    const unsubscribe = result;
    this.record(req, 200);
    res.writeHead(200, {
      "Content-Type": "application/json",
      "Audit-Id": randomUUID(),
      "Transfer-Encoding": "chunked",
    });
    res.flushHeaders();
    started = true;
    for (const line of buffered) res.write(line);
    const timers: NodeJS.Timeout[] = [];
    const handle = {
      end: () => {
        if (ended) return;
        ended = true;
        unsubscribe();
        for (const t of timers) clearTimeout(t);
        this.openWatches.delete(handle);
        res.end();
      },
    };
    this.openWatches.add(handle);
    if (bookmarks && this.opts.bookmarkIntervalMs > 0) {
      const tick = (): void => {
        write("BOOKMARK", this.store.bookmark(def));
        timers.push(setTimeout(tick, this.opts.bookmarkIntervalMs));
      };
      timers.push(setTimeout(tick, this.opts.bookmarkIntervalMs));
    }
    timers.push(
      setTimeout(() => {
        if (bookmarks) write("BOOKMARK", this.store.bookmark(def));
        handle.end();
      }, timeoutSeconds * 1000),
    );
    res.on("close", handle.end);
  }

  // ---- discovery ---------------------------------------------------------------------------------------------

  private discovery(req: IncomingMessage, res: ServerResponse, parts: string[]): boolean {
    const path = `/${parts.join("/")}`;
    if (path === "/version") {
      this.send(req, res, 200, {
        major: "1",
        minor: "32",
        gitVersion: "v1.32.6-kube-fake",
        gitCommit: "0000000000000000000000000000000000000000",
        gitTreeState: "clean",
        buildDate: "2026-01-01T00:00:00Z",
        goVersion: "go1.23.10",
        compiler: "gc",
        platform: "linux/amd64",
      });
      return true;
    }
    if (path === "/healthz" || path === "/readyz" || path === "/livez") {
      this.record(req, 200);
      res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" });
      res.end("ok");
      return true;
    }
    if (path === "/api") {
      this.send(req, res, 200, {
        kind: "APIVersions",
        versions: ["v1"],
        serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: req.headers.host ?? "" }],
      });
      return true;
    }
    if (path === "/apis") {
      const groups = [...new Set(RESOURCES.filter((r) => r.group).map((r) => r.group))].map((g) => {
        const gv = { groupVersion: `${g}/v1`, version: "v1" };
        return { name: g, versions: [gv], preferredVersion: gv };
      });
      this.send(req, res, 200, { kind: "APIGroupList", apiVersion: "v1", groups });
      return true;
    }
    const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/(v1))$/.exec(path);
    if (m) {
      const group = m[2] ?? "";
      const defs = RESOURCES.filter((r) => r.group === group);
      if (defs.length === 0) return false;
      const resources: AnyObject[] = [];
      for (const d of defs) {
        resources.push({
          name: d.plural,
          singularName: d.kind.toLowerCase(),
          namespaced: d.namespaced,
          kind: d.kind,
          verbs: d.verbs,
          ...(d.shortNames ? { shortNames: d.shortNames } : {}),
        });
        if (d.statusSubresource) {
          resources.push({
            name: `${d.plural}/status`,
            singularName: "",
            namespaced: d.namespaced,
            kind: d.kind,
            verbs: ["get", "patch", "update"],
          });
        }
        if (d.key === "pods") {
          resources.push({
            name: "pods/binding",
            singularName: "",
            namespaced: true,
            kind: "Binding",
            verbs: ["create"],
          });
        }
        if (d.key === "certificatesigningrequests") {
          resources.push({
            name: "certificatesigningrequests/approval",
            singularName: "",
            namespaced: false,
            kind: "CertificateSigningRequest",
            verbs: ["get", "patch", "update"],
          });
        }
        if (d.key === "serviceaccounts") {
          resources.push({
            name: "serviceaccounts/token",
            singularName: "",
            namespaced: true,
            group: "authentication.k8s.io",
            version: "v1",
            kind: "TokenRequest",
            verbs: ["create"],
          });
        }
      }
      this.send(req, res, 200, { kind: "APIResourceList", groupVersion: apiVersionOf(defs[0]!), resources });
      return true;
    }
    return false;
  }
}

/** Decoding problems under `fieldValidation=Warn` come back as `Warning` headers, as the API server sends them. */
function warningHeaders(warnings: string[]): Record<string, string> {
  if (warnings.length === 0) return {};
  return { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(", ") };
}

function parseJson(body: string): AnyObject {
  if (body.trim() === "") throw badRequest("the body of the request was empty");
  try {
    return JSON.parse(body) as AnyObject;
  } catch (e) {
    throw badRequest(
      `couldn't get version/kind; json parse error: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

function patchType(req: IncomingMessage, method: string, url: URL): PatchType {
  const ct = (req.headers["content-type"] ?? "").split(";")[0]!.trim();
  switch (ct) {
    case "application/merge-patch+json":
      return "merge";
    case "application/strategic-merge-patch+json":
      return "strategic";
    case "application/json-patch+json":
      return "json";
    case "application/apply-patch+yaml":
    case "application/apply-patch+cbor":
      throw notImplemented(method, `${url.pathname} (server-side apply)`);
    default:
      throw new KubeStatusError(
        415,
        "UnsupportedMediaType",
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
      );
  }
}

/** Like the real handler: a non-empty body is the DeleteOptions; query parameters count only without one. */
function deleteOptions(body: string, q: URLSearchParams): DeleteOptions {
  if (body.trim() !== "") {
    const o = parseJson(body);
    return {
      gracePeriodSeconds: typeof o.gracePeriodSeconds === "number" ? o.gracePeriodSeconds : undefined,
      preconditions: o.preconditions as DeleteOptions["preconditions"],
      dryRun: o.dryRun as string[] | undefined,
    };
  }
  const g = q.get("gracePeriodSeconds");
  return { gracePeriodSeconds: g === null ? undefined : Number(g), dryRun: q.getAll("dryRun") };
}
