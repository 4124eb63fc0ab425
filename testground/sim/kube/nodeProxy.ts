/**
 * The API server's proxy to kubelets, for the Kubernetes API fake: `pods/{pod}/log`, `pods/{pod}/exec` and
 * `pods/{pod}/attach` go to the pod's node — its `InternalIP` (else `ExternalIP`) and
 * `status.daemonEndpoints.kubeletEndpoint.Port` — over HTTPS with the fake's kubelet-client certificate
 * (what kube-apiserver presents with `--kubelet-client-certificate`). The query is mapped as
 * kubernetes pkg/registry/core/pod/strategy.go does (`LogLocation`, `streamLocation`):
 * - log: `container` (default: the pod's only container) goes into the path
 *   `/containerLogs/{ns}/{pod}/{container}`; `follow`, `previous`, `timestamps` become `=true` when set;
 *   `sinceSeconds`, `sinceTime`, `tailLines`, `limitBytes` are passed on;
 * - exec/attach: `/exec|attach/{ns}/{pod}/{container}` with `input`, `output`, `error`, `tty` = `1` for
 *   `stdin`, `stdout`, `stderr`, `tty`, and every `command`.
 * Upgrades (SPDY/3.1 or WebSocket) are piped byte for byte both ways, the kubelet's 101 included — what the
 * real API server's UpgradeAwareHandler does for SPDY clients (1.30+ servers translate WebSocket clients to
 * SPDY instead; the fake passes WebSocket through as well).
 * A log request the kubelet refuses (non-2xx) is answered with a `Status` carrying the kubelet's text, as
 * the API server's `GenericHttpResponseChecker` does (400 → BadRequest with the text as message, 500 →
 * InternalError; other codes keep their reason with the text as message — the real server words those
 * generically), so kubectl prints `Error from server (BadRequest): <the kubelet's text>`.
 * Simplified: the address is InternalIP, not the `--kubelet-preferred-address-types` order (Hostname
 * first); a pod without a node is a 400 for logs too; without `ca` the kubelet's certificate is not
 * verified (the API server's default without `--kubelet-certificate-authority`).
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access -- pods and nodes are untyped JSON documents in the store */
import type { IncomingMessage, ServerResponse } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Duplex } from "node:stream";
import { connect as tlsConnect } from "node:tls";
import { KubeStatusError, badRequest } from "./errors";
import type { AnyObject } from "./resources";

export interface KubeletClientOptions {
  /** PEM client certificate and key presented to kubelets (CN kube-apiserver-kubelet-client, O system:masters). */
  cert: string | Buffer;
  key: string | Buffer;
  /** PEM CA that signed the kubelets' serving certificates; without it they are not verified. */
  ca?: string | Buffer;
}

export type ProxiedSub = "log" | "exec" | "attach";

export interface KubeletLocation {
  host: string;
  port: number;
  /** Path and query on the kubelet. */
  path: string;
}

const TRUE = new Set(["1", "t", "T", "true", "TRUE", "True"]);
const truthy = (q: URLSearchParams, name: string): boolean => TRUE.has(q.get(name) ?? "");

function containerNames(list: unknown): string[] {
  return Array.isArray(list) ? list.map((c: AnyObject) => String(c.name)) : [];
}

/** Which container, as the API server picks it: the given one (must exist) or the only one. */
export function pickContainer(pod: AnyObject, given: string | null): string {
  const name = String(pod.metadata?.name ?? "");
  const containers = containerNames(pod.spec?.containers);
  const init = containerNames(pod.spec?.initContainers);
  if (given) {
    const ephemeral = containerNames(pod.spec?.ephemeralContainers);
    if (![...containers, ...init, ...ephemeral].includes(given)) {
      throw badRequest(`container ${given} is not valid for pod ${name}`);
    }
    return given;
  }
  if (containers.length === 1) return containers[0]!;
  if (containers.length === 0) throw badRequest(`a container name must be specified for pod ${name}`);
  let msg = `a container name must be specified for pod ${name}, choose one of: [${containers.join(" ")}]`;
  if (init.length) msg += ` or one of the init containers: [${init.join(" ")}]`;
  throw badRequest(msg);
}

/** Where the API server would send this request on the pod's kubelet. */
export function kubeletLocation(
  sub: ProxiedSub,
  pod: AnyObject,
  node: AnyObject | undefined,
  q: URLSearchParams,
): KubeletLocation {
  const name = String(pod.metadata?.name ?? "");
  const ns = String(pod.metadata?.namespace ?? "");
  const container = pickContainer(pod, q.get("container"));
  const nodeName = String(pod.spec?.nodeName ?? "");
  if (!nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
  if (!node) throw new KubeStatusError(404, "NotFound", `nodes "${nodeName}" not found`);
  const addresses = (node.status?.addresses ?? []) as Array<{ type: string; address: string }>;
  const host =
    addresses.find((a) => a.type === "InternalIP")?.address ??
    addresses.find((a) => a.type === "ExternalIP")?.address;
  const port = Number(node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0);
  if (!host || !port) {
    throw new KubeStatusError(500, "InternalError", `node ${nodeName} has no InternalIP or kubelet port`);
  }
  const params = new URLSearchParams();
  const seg = (s: string): string => encodeURIComponent(s);
  if (sub === "log") {
    if (truthy(q, "follow")) params.append("follow", "true");
    if (truthy(q, "previous")) params.append("previous", "true");
    if (truthy(q, "timestamps")) params.append("timestamps", "true");
    for (const k of ["sinceSeconds", "sinceTime", "tailLines", "limitBytes"]) {
      const v = q.get(k);
      if (v !== null) params.append(k, v);
    }
    return { host, port, path: `/containerLogs/${seg(ns)}/${seg(name)}/${seg(container)}${query(params)}` };
  }
  // url.Values.Encode sorts by key: command, error, input, output, tty.
  if (sub === "exec") for (const c of q.getAll("command")) params.append("command", c);
  if (truthy(q, "stderr")) params.append("error", "1");
  if (truthy(q, "stdin")) params.append("input", "1");
  if (truthy(q, "stdout")) params.append("output", "1");
  if (truthy(q, "tty")) params.append("tty", "1");
  return { host, port, path: `/${sub}/${seg(ns)}/${seg(name)}/${seg(container)}${query(params)}` };
}

function query(p: URLSearchParams): string {
  const s = p.toString().replace(/\+/g, "%20");
  return s ? `?${s}` : "";
}

/** Request headers passed on to the kubelet: not the user's credentials, not hop-by-hop framing. */
function forwardedHeaders(req: IncomingMessage): Array<[string, string]> {
  const drop = new Set(["authorization", "host", "content-length", "transfer-encoding"]);
  const out: Array<[string, string]> = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    if (!drop.has(name.toLowerCase())) out.push([name, req.rawHeaders[i + 1]!]);
  }
  return out;
}

/** How much of a refusal's body is kept (the API server's checker reads at most this much). */
const MAX_READ = 50_000;

const REASONS: Record<number, string> = {
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  409: "Conflict",
  422: "Invalid",
  429: "TooManyRequests",
  503: "ServiceUnavailable",
  504: "Timeout",
};

/** A kubelet's refusal of a log request as the API server's response checker returns it. */
export function refusal(code: number, text: string): KubeStatusError {
  if (code === 400) return badRequest(text);
  if (code === 500) return new KubeStatusError(500, "InternalError", `Internal error occurred: ${text}`);
  return new KubeStatusError(code, REASONS[code] ?? "", text);
}

export class NodeProxy {
  constructor(private readonly client: KubeletClientOptions) {}

  private tls(host: string): {
    cert: string | Buffer;
    key: string | Buffer;
    ca?: string | Buffer;
    rejectUnauthorized: boolean;
    servername?: string;
  } {
    return {
      cert: this.client.cert,
      key: this.client.key,
      ...(this.client.ca ? { ca: this.client.ca } : {}),
      rejectUnauthorized: this.client.ca !== undefined,
      ...(/^[\d.]+$/.test(host) || host.includes(":") ? {} : { servername: host }),
    };
  }

  /**
   * A plain request (logs, or exec without upgrade): the kubelet's answer is streamed back as is — with
   * `asStatus` (logs), a refusal becomes a `Status` (see above).
   */
  request(
    req: IncomingMessage,
    res: ServerResponse,
    loc: KubeletLocation,
    onStatus: (s: number) => void,
    asStatus = false,
  ): void {
    const up = httpsRequest(
      {
        host: loc.host,
        port: loc.port,
        path: loc.path,
        method: req.method ?? "GET",
        headers: Object.fromEntries(forwardedHeaders(req)),
        agent: false,
        ...this.tls(loc.host),
      },
      (upRes) => {
        const code = upRes.statusCode ?? 502;
        onStatus(code);
        if (asStatus && (code < 200 || code > 206)) {
          let text = "";
          upRes.setEncoding("utf8");
          upRes.on("data", (c: string) => (text = (text + c).slice(0, MAX_READ)));
          upRes.on("end", () => {
            const st = refusal(code, text);
            res.writeHead(code, { "Content-Type": "application/json" }).end(JSON.stringify(st.status));
          });
          return;
        }
        res.writeHead(code, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on("error", (e) => {
      onStatus(503);
      if (!res.headersSent) {
        const st = new KubeStatusError(503, "ServiceUnavailable", `error dialing backend: ${e.message}`);
        res.writeHead(503, { "Content-Type": "application/json" }).end(JSON.stringify(st.status));
      } else res.destroy();
    });
    res.on("close", () => up.destroy());
    up.end();
  }

  /** An upgrade: the request is re-sent to the kubelet and the two connections are spliced. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, loc: KubeletLocation): void {
    const up = tlsConnect({ host: loc.host, port: loc.port, ...this.tls(loc.host) }, () => {
      const lines = [`${req.method ?? "GET"} ${loc.path} HTTP/1.1`, `Host: ${loc.host}:${loc.port}`];
      for (const [k, v] of forwardedHeaders(req)) lines.push(`${k}: ${v}`);
      up.write(`${lines.join("\r\n")}\r\n\r\n`);
      if (head.length) up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    const close = (): void => {
      up.destroy();
      socket.destroy();
    };
    up.on("error", (e) => {
      if (!socket.writableEnded) {
        const st = new KubeStatusError(503, "ServiceUnavailable", `error dialing backend: ${e.message}`);
        const body = JSON.stringify(st.status);
        socket.end(
          `HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        );
      }
      close();
    });
    up.on("close", () => socket.end());
    socket.on("error", close);
    socket.on("close", () => up.end());
  }
}
