/**
 * Kubernetes remote command (exec/attach) over SPDY/3.1, as the kubelet serves it: what a real API server
 * speaks to a kubelet (1.30+ translates kubectl's WebSocket into SPDY upstream) and what older kubectl
 * speaks directly (proxied byte for byte by the API server).
 *
 * Upgrade (k8s.io/apimachinery httpstream.Handshake + spdy.responseUpgrader): the request carries
 * `Connection: Upgrade`, `Upgrade: SPDY/3.1` and one or more `X-Stream-Protocol-Version` (comma-separated
 * allowed); the first one the client lists that this endpoint serves wins. None given: 400
 * `unable to upgrade: X-Stream-Protocol-Version is required`; none in common: 403 with
 * `X-Accepted-Stream-Protocol-Versions`. Served: v4 (status as a metav1.Status JSON on the error stream),
 * v3 and v2 (error stream = the failure message only; v2 has no resize stream), and v5 — client-go's SPDY
 * executor offers it first, and its v5 streamer over SPDY is exactly v4 (the v5 CLOSE signal exists on
 * WebSocket only; a SPDY client ends stdin with FIN) — so v5 is answered and served as v4.
 * The answer is `101 Switching Protocols` with `Connection: Upgrade`, `Upgrade: SPDY/3.1` and the chosen
 * `X-Stream-Protocol-Version`.
 *
 * Streams (kubelet pkg/kubelet/cri/streaming/remotecommand/httpstream.go): the client opens one stream per
 * channel, header `streamtype` = `error`, `stdin`, `stdout`, `stderr`, `resize`, each waiting for its
 * SYN_REPLY before opening the next; every stream is answered at once with an empty SYN_REPLY. The session
 * starts when the expected count is there — 1 (error) + stdin + stdout + stderr + resize (TTY, v3+) — or,
 * after `streamCreationTimeoutMs`, the connection is closed (the kubelet leaves it open until idle).
 * stdin data → the session, its FIN = end of input; resize data = concatenated `{"Width":…,"Height":…}`
 * objects (a json.Decoder; a malformed one ends resize handling, as the kubelet's loop does).
 *
 * End: the status is written on the error stream, every stream gets FIN, then GOAWAY; the endpoint waits
 * (`closeWaitMs`) for the client — client-go closes once it has read stdout, stderr and the error stream to
 * their ends — before closing the socket, so no frame is lost to a close racing the client's frame queues.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { StreamOptions } from "./exec.js";
import { RemoteCommandEvents, type RemoteCommandClient, type RemoteStatus } from "./remoteCommand.js";
import { HttpError } from "./server.js";
import { SpdyConnection, type SpdyStream } from "./spdy.js";

export const SPDY_PROTOCOLS = [
  "v5.channel.k8s.io",
  "v4.channel.k8s.io",
  "v3.channel.k8s.io",
  "v2.channel.k8s.io",
] as const;
export type SpdyProtocol = (typeof SPDY_PROTOCOLS)[number];

export function isSpdyUpgrade(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? "").toLowerCase().includes("spdy/3.1");
}

/** httpstream.Handshake: the negotiated protocol, or the kubelet's refusal as an HttpError. */
export function negotiateSpdy(req: IncomingMessage): SpdyProtocol {
  const connection = String(req.headers.connection ?? "").toLowerCase();
  if (!connection.includes("upgrade") || !isSpdyUpgrade(req)) {
    throw new HttpError(400, "unable to upgrade: missing upgrade headers in request");
  }
  const raw = req.headersDistinct["x-stream-protocol-version"] ?? [];
  const offered = raw.flatMap((h) => h.split(",").map((p) => p.trim())).filter(Boolean);
  if (offered.length === 0) {
    throw new HttpError(400, "unable to upgrade: X-Stream-Protocol-Version is required");
  }
  const chosen = offered.find((p): p is SpdyProtocol => (SPDY_PROTOCOLS as readonly string[]).includes(p));
  if (!chosen) {
    throw new HttpError(
      403,
      `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(" ")}], server accepts [${SPDY_PROTOCOLS.join(" ")}]`,
      { "X-Accepted-Stream-Protocol-Versions": SPDY_PROTOCOLS.join(", ") },
    );
  }
  return chosen;
}

/** How many streams the client opens (the kubelet's `expectedStreams`). */
export function expectedStreams(protocol: SpdyProtocol, o: StreamOptions): number {
  const resize = o.tty && protocol !== "v2.channel.k8s.io";
  return 1 + Number(o.stdin) + Number(o.stdout) + Number(o.stderr) + Number(resize);
}

/** json.Decoder over a byte stream: complete top-level JSON values, as they arrive. */
export class JsonValues {
  private text = "";
  private failed = false;

  push(chunk: Buffer): unknown[] {
    if (this.failed) return [];
    this.text += chunk.toString("utf8");
    const out: unknown[] = [];
    for (;;) {
      this.text = this.text.replace(/^\s+/, "");
      const end = valueEnd(this.text);
      if (end === undefined) return out;
      try {
        out.push(JSON.parse(this.text.slice(0, end)));
      } catch {
        this.failed = true;
        return out;
      }
      this.text = this.text.slice(end);
    }
  }
}

/** End index of the first complete object/array at the start of `s`, or undefined while incomplete. */
function valueEnd(s: string): number | undefined {
  if (s[0] !== "{" && s[0] !== "[") return s.length > 0 ? s.length : undefined;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return undefined;
}

export interface SpdyTiming {
  streamCreationTimeoutMs: number;
  closeWaitMs: number;
}

/**
 * Answers 101, serves the SPDY connection and resolves with the session's client once the expected
 * streams are there — or with why not (timeout, client gone).
 */
export function acceptSpdy(
  socket: Duplex,
  head: Buffer,
  protocol: SpdyProtocol,
  opts: StreamOptions,
  timing: SpdyTiming,
): Promise<RemoteCommandClient | string> {
  socket.write(
    "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n" +
      `X-Stream-Protocol-Version: ${protocol}\r\nDate: ${new Date().toUTCString()}\r\n\r\n`,
  );
  return new Promise((resolve) => {
    const client = new SpdyClient(protocol, timing.closeWaitMs);
    const expected = expectedStreams(protocol, opts);
    let replied = 0;
    let settled = false;
    const settle = (v: RemoteCommandClient | string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(v);
    };
    const timer = setTimeout(() => {
      settle("timed out waiting for client to create streams");
      client.close();
    }, timing.streamCreationTimeoutMs);
    const conn = new SpdyConnection(
      socket,
      {
        stream: (s) => {
          const known = client.add(s);
          void s.reply().then(() => {
            if (known && ++replied === expected) settle(client);
          });
        },
        gone: () => {
          client.gone();
          settle("the client left before creating its streams");
        },
      },
      head,
    );
    client.conn = conn;
  });
}

type StreamType = "error" | "stdin" | "stdout" | "stderr" | "resize";
const STREAM_TYPES: readonly string[] = ["error", "stdin", "stdout", "stderr", "resize"];

class SpdyClient extends RemoteCommandEvents implements RemoteCommandClient {
  conn: SpdyConnection | undefined;
  private readonly streams = new Map<StreamType, SpdyStream>();
  private readonly resizes = new JsonValues();
  private ended = false;
  private isGone = false;
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly version: SpdyProtocol,
    private readonly closeWaitMs: number,
  ) {
    super();
  }

  get protocol(): string {
    return `SPDY/3.1 ${this.version}`;
  }

  /** Takes a new stream; false for a type the kubelet does not count (it still gets its reply). */
  add(s: SpdyStream): boolean {
    const type = s.header("streamtype") ?? "";
    if (!STREAM_TYPES.includes(type)) return false;
    this.streams.set(type as StreamType, s);
    if (type === "stdin") {
      s.onData = (d) => this.stdin.emit(d);
      s.onEnd = () => this.stdinEnd.emit();
    } else if (type === "resize") {
      s.onData = (d) => {
        for (const v of this.resizes.push(d)) {
          const r = v as { Width?: unknown; Height?: unknown } | null;
          if (typeof r?.Width === "number" && typeof r.Height === "number") {
            this.resize.emit({ rows: r.Height, cols: r.Width });
          }
        }
      };
    }
    return true;
  }

  /** The client sent GOAWAY or the socket closed: the session is over; our queued frames still go out. */
  gone(): void {
    this.isGone = true;
    for (const t of this.timers) clearTimeout(t);
    if (this.conn && !this.conn.closed) void this.conn.end();
    this.goneEvent.emit();
  }

  isOpen(): boolean {
    return !this.ended && !this.isGone;
  }

  sendStdout(data: Buffer): void {
    if (this.isOpen()) this.streams.get("stdout")?.write(data);
  }

  sendStatus(status: RemoteStatus): void {
    if (!this.isOpen()) return;
    const error = this.streams.get("error");
    if (this.version === "v5.channel.k8s.io" || this.version === "v4.channel.k8s.io") {
      error?.write(Buffer.from(JSON.stringify(status), "utf8"));
    } else if (status.status !== "Success") {
      // v2/v3: the error stream carries the failure's message only (the kubelet's v1WriteStatusFunc).
      error?.write(Buffer.from(status.message ?? "", "utf8"));
    }
    this.close();
  }

  /** FIN on every stream, GOAWAY, then the socket once the client has closed or `closeWaitMs` passed. */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    const conn = this.conn;
    if (!conn) return;
    for (const s of this.streams.values()) void s.end();
    void conn.goAway();
    this.timers = [
      setTimeout(() => void conn.end(), this.closeWaitMs),
      setTimeout(() => conn.destroy(), this.closeWaitMs * 2),
    ];
    for (const t of this.timers) t.unref();
  }
}
