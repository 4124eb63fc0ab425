/**
 * The virtual node's kubelet endpoint: an HTTPS server (Node `https`) that the API server calls for
 * `kubectl logs`, `exec`, `attach`, `port-forward` and `top` of pods on the node, at the Node's InternalIP
 * and `daemonEndpoints.kubeletEndpoint.Port` (docs/kubelet-api.md). Every request — WebSocket upgrades
 * included — is authenticated and authorized first (auth.ts), before anything touches ARM, so an
 * unauthorized caller learns nothing about which pods exist.
 *
 * Paths, as the kubelet's (kubernetes pkg/kubelet/server/server.go):
 * - `GET /healthz`;
 * - `GET /containerLogs/{ns}/{pod}/{container}` with the PodLogOptions query (logOptions.ts, logs.ts);
 * - `GET|POST /exec|attach/{ns}/{pod}[/{uid}]/{container}` (SPDY/3.1 or WebSocket upgrade, exec.ts);
 * - `/portForward/…`: 501, ACI has no port forwarding;
 * - `GET /stats/summary`, `GET /metrics/resource` (stats.ts), when a stats source is given.
 *
 * Pod → container group: `containerGroupName(ns, pod)` from lib/translate/names.ts, and the group must carry
 * this cluster's and one of this deployment's nodes' tags for that namespace and pod (docs/architecture.md#ownership):
 * a same-named group that is not ours is answered as a missing pod. ACI containers carry the pod's container
 * names (lib/translate/podToContainerGroup.ts), init containers included.
 */
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { ensureError } from "../errors.js";
import type { Logger } from "../log.js";
import { containerGroupName } from "../translate/names.js";
import type { ContainerInfo, GroupInfo, KubeletAciApi } from "./aci.js";
import type { KubeletAuth } from "./auth.js";
import { isLogOptionsError, parseLogOptions } from "./logOptions.js";
import { abortableSleep, HttpError, portForwardError, rawReply, toHttpError } from "./reply.js";
import { route } from "./routes.js";
import {
  ByteLimiter,
  DEFAULT_FOLLOW_TIMING,
  follow,
  LogCursor,
  parseTimestampedLog,
  render,
  sinceFilter,
  sinceOf,
  type FollowTiming,
} from "./logs.js";

// Moved out of this file, still exported from it (exec.ts and the tests import them from here).
export { abortableSleep, HttpError, rawReply, toHttpError } from "./reply.js";
export { route } from "./routes.js";

export interface TlsMaterial {
  /** PEM serving certificate (chain) and key. */
  cert: string | Buffer;
  key: string | Buffer;
  /** PEM bundle of the cluster's client CA; without it only bearer tokens authenticate. */
  clientCa?: string | Buffer;
}

/** Upgrade handler for exec/attach (exec.ts); the server has authenticated and resolved the pod. */
export type StreamHandler = (
  kind: "exec" | "attach",
  target: PodTarget,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  url: URL,
) => void;

/** `/stats/summary` and `/metrics/resource` (stats.ts). */
export interface StatsSource {
  summary(): Promise<unknown>;
  resourceMetrics(): Promise<string>;
}

/**
 * A pod as the API server knows it (lib/kube/http/pod.ts): lets the endpoint answer like a kubelet for a pod
 * bound to this node whose container group does not exist yet (still being created, or refused).
 */
export type PodLookup = (
  namespace: string,
  name: string,
) => Promise<
  { uid: string; nodeName: string; containers: string[]; waiting: Record<string, string> } | undefined
>;

export interface KubeletServerDeps {
  /** Nodes whose pods this endpoint serves, and the cluster name in the tags. */
  clusterName: string;
  nodeNames: readonly string[];
  aci: KubeletAciApi;
  auth: KubeletAuth;
  logger: Logger;
  streams?: StreamHandler;
  stats?: StatsSource;
  /** Without it, a pod without a container group is 404 "does not exist". */
  pods?: PodLookup;
  followTiming?: FollowTiming;
  now?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface PodTarget {
  namespace: string;
  pod: string;
  container: string;
  group: string;
  info: ContainerInfo;
}

export interface RunningKubelet {
  port: number;
  server: Server;
  /** Serves new TLS material (a rotated certificate) to new connections, without a restart. */
  setTls(tls: TlsMaterial): void;
  close(): Promise<void>;
}

export class KubeletHandler {
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly timing: FollowTiming;

  constructor(private readonly d: KubeletServerDeps) {
    this.now = d.now ?? Date.now;
    this.sleep = d.sleep ?? abortableSleep;
    this.timing = d.followTiming ?? DEFAULT_FOLLOW_TIMING;
  }

  async request(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", "https://kubelet");
    const decision = await this.d.auth.check(req, url.pathname);
    if (!decision.ok) return this.fail(res, new HttpError(decision.status, decision.message), url, method);
    const r = route(method, url.pathname);
    try {
      switch (r.kind) {
        case "healthz":
          res.writeHead(200, { "content-type": "text/plain; charset=utf-8" }).end("ok");
          return;
        case "containerLogs":
          return await this.containerLogs(r, url, req, res);
        case "exec":
        case "attach":
          throw new HttpError(400, `${r.kind} needs a SPDY/3.1 or WebSocket upgrade`);
        case "portForward":
          throw portForwardError();
        case "statsSummary": {
          if (!this.d.stats) throw new HttpError(404, "stats are not enabled on this node");
          const body = JSON.stringify(await this.d.stats.summary());
          res.writeHead(200, { "content-type": "application/json" }).end(body);
          return;
        }
        case "metricsResource": {
          if (!this.d.stats) throw new HttpError(404, "metrics are not enabled on this node");
          const text = await this.d.stats.resourceMetrics();
          res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }).end(text);
          return;
        }
        case "methodNotAllowed":
          throw new HttpError(405, "Method Not Allowed", { allow: r.allow });
        case "notFound":
          throw new HttpError(404, "404 page not found");
      }
    } catch (error) {
      this.fail(res, toHttpError(error), url, method);
    }
  }

  /** SPDY/WebSocket upgrades (exec, attach, and port-forward's refusal). */
  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", "https://kubelet");
    const decision = await this.d.auth.check(req, url.pathname);
    const refuse = (e: HttpError): void => {
      this.log(e, url, method);
      rawReply(socket, e);
    };
    if (!decision.ok) return refuse(new HttpError(decision.status, decision.message));
    const r = route(method, url.pathname);
    try {
      if (r.kind === "portForward") throw portForwardError();
      if (r.kind !== "exec" && r.kind !== "attach") throw new HttpError(404, "404 page not found");
      if (!this.d.streams) throw new HttpError(501, `${r.kind} is not enabled on this node`);
      const target = await this.resolve(r.namespace, r.pod, r.container, r.uid, "stream");
      this.d.logger.info("kubelet.stream.started", {
        pod: `${r.namespace}/${r.pod}`,
        container: r.container,
        kind: r.kind,
        user: decision.user.name,
      });
      this.d.streams(r.kind, target, req, socket, head, url);
    } catch (error) {
      refuse(toHttpError(error));
    }
  }

  /** Finds the pod's group and container, refusing groups that are not this deployment's. */
  async resolve(
    namespace: string,
    pod: string,
    container: string,
    uid?: string,
    kind: "logs" | "stream" = "logs",
  ): Promise<PodTarget> {
    if (!namespace) throw new HttpError(400, '{"message": "Missing podNamespace."}');
    if (!pod) throw new HttpError(400, '{"message": "Missing podID."}');
    if (!container) throw new HttpError(400, '{"message": "Missing container name."}');
    const group = containerGroupName(namespace, pod);
    const g: GroupInfo | undefined = await this.d.aci.getGroup(group);
    const o = g?.owner;
    if (
      !g ||
      !o ||
      o.cluster !== this.d.clusterName ||
      !this.d.nodeNames.includes(o.node) ||
      o.namespace !== namespace ||
      o.pod !== pod ||
      (uid !== undefined && uid !== "" && o.uid !== uid)
    ) {
      if (!g) await this.notCreatedYet(namespace, pod, container, uid, kind);
      throw new HttpError(404, `pod "${pod}" does not exist`);
    }
    const info = g.containers.find((c) => c.name === container);
    if (!info) throw new HttpError(404, `container "${container}" not found in pod "${pod}"`);
    return { namespace, pod, container, group, info };
  }

  /**
   * No container group: if the API server has the pod bound to one of these nodes, its containers have not
   * started (the group is being created, or creating it was refused) — answer as a kubelet does for a
   * container that is waiting: logs 400 "is waiting to start: <reason>", exec/attach 404 "container not
   * found". Returns when the pod is not ours (the caller answers 404 "does not exist").
   */
  private async notCreatedYet(
    namespace: string,
    pod: string,
    container: string,
    uid: string | undefined,
    kind: "logs" | "stream",
  ): Promise<void> {
    if (!this.d.pods) return;
    const bound = await this.d.pods(namespace, pod);
    if (!bound || !this.d.nodeNames.includes(bound.nodeName)) return;
    if (uid !== undefined && uid !== "" && bound.uid !== uid) return;
    if (!bound.containers.includes(container)) {
      throw new HttpError(404, `container "${container}" not found in pod "${pod}"`);
    }
    if (kind === "stream") throw new HttpError(404, `container not found ("${container}")`);
    const reason = bound.waiting[container] ?? "ContainerCreating";
    throw new HttpError(400, `container "${container}" in pod "${pod}" is waiting to start: ${reason}`);
  }

  private async containerLogs(
    r: { namespace: string; pod: string; container: string },
    url: URL,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const opts = parseLogOptions(url.searchParams);
    if (isLogOptionsError(opts)) throw new HttpError(opts.status, opts.message);
    const target = await this.resolve(r.namespace, r.pod, r.container);
    if (opts.previous) {
      throw new HttpError(
        400,
        `previous terminated container "${r.container}" in pod "${r.pod}" not found: Azure Container Instances keeps only the current instance's log`,
      );
    }
    if (target.info.state === "Waiting" && !target.info.startTime) {
      throw new HttpError(
        400,
        `container "${r.container}" in pod "${r.pod}" is waiting to start: ${target.info.detail || "ContainerCreating"}`,
      );
    }
    const since = sinceOf(opts, this.now());
    // tailLines=0 (`--tail=0`): nothing now, but the cursor must know the last line to follow from.
    const tail = opts.tailLines === 0 ? 1 : opts.tailLines;
    const lines = parseTimestampedLog(
      await this.d.aci.listLogs(target.group, r.container, {
        timestamps: true,
        ...(tail !== undefined ? { tail } : {}),
      }),
    );
    const limiter = new ByteLimiter(opts.limitBytes);
    const cursor = new LogCursor();
    // The cursor remembers everything read (tail and since included) so following never repeats a line.
    const read = cursor.take(lines);
    const initial = opts.tailLines === 0 ? [] : sinceFilter(read, since);
    const controller = new AbortController();
    const onClose = (): void => controller.abort();
    res.on("close", onClose);
    req.on("aborted", onClose);
    res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-cache" });
    const write = (batch: typeof lines): void => {
      if (limiter.exhausted) return;
      const text = limiter.cut(batch.map((l) => render(l, opts.timestamps)).join(""));
      if (text) res.write(text);
    };
    write(initial);
    const pod = `${r.namespace}/${r.pod}`;
    if (!opts.follow || limiter.exhausted || target.info.state !== "Running") {
      res.end();
      return;
    }
    const started = this.now();
    this.d.logger.info("kubelet.logs.follow.started", { pod, container: r.container });
    const gen = follow({
      aci: this.d.aci,
      group: target.group,
      container: r.container,
      instance: target.info,
      timing: this.timing,
      now: this.now,
      sleep: this.sleep,
      signal: controller.signal,
      cursor,
    });
    let end: string = "client";
    try {
      for (;;) {
        const next = await gen.next();
        if (next.done) {
          end = next.value;
          break;
        }
        write(sinceFilter(next.value, since));
        if (limiter.exhausted) {
          end = "limitBytes";
          break;
        }
      }
    } catch (error) {
      end = "error";
      this.d.logger.warn("kubelet.logs.follow.failed", {
        pod,
        container: r.container,
        error: ensureError(error).message,
      });
    } finally {
      res.off("close", onClose);
      if (!res.writableEnded) res.end();
      this.d.logger.info("kubelet.logs.follow.ended", {
        pod,
        container: r.container,
        reason: end,
        ms: this.now() - started,
      });
    }
  }

  private fail(res: ServerResponse, e: HttpError, url: URL, method: string): void {
    this.log(e, url, method);
    if (res.headersSent) {
      res.end();
      return;
    }
    res.writeHead(e.status, { "content-type": "text/plain; charset=utf-8", ...e.headers }).end(e.message);
  }

  private log(e: HttpError, url: URL, method: string): void {
    if (e.status === 401 || e.status === 403) {
      this.d.logger.warn("kubelet.request.denied", { method, path: url.pathname, status: e.status });
    } else if (e.status >= 500) {
      this.d.logger.warn("kubelet.request.failed", {
        method,
        path: url.pathname,
        status: e.status,
        error: e.message,
      });
    }
  }
}

export async function startKubeletServer(
  opts: { port: number; host?: string; tls: TlsMaterial },
  deps: KubeletServerDeps,
): Promise<RunningKubelet> {
  const handler = new KubeletHandler(deps);
  const context = (tls: TlsMaterial) => ({
    cert: tls.cert,
    key: tls.key,
    ...(tls.clientCa ? { ca: tls.clientCa } : {}),
    minVersion: "TLSv1.2" as const,
  });
  const server = createServer({
    ...context(opts.tls),
    // Ask for a certificate but let the request through without one: a bearer token may authenticate it.
    requestCert: true,
    rejectUnauthorized: false,
  });
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    handler.request(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(ensureError(error).message);
      else res.end();
    });
  });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => undefined);
    handler.upgrade(req, socket, head).catch((error: unknown) => {
      rawReply(socket, new HttpError(500, ensureError(error).message));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host ?? "0.0.0.0", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    server,
    setTls: (tls) => server.setSecureContext(context(tls)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
