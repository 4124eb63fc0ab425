/**
 * `kubectl exec` and `kubectl attach` for pods on the virtual node: the Kubernetes remote-command protocol
 * on the client side — over SPDY/3.1 (spdyExec.ts; what API servers speak to kubelets) or WebSocket (here),
 * picked by the request's `Upgrade` — and ACI's exec/attach websockets on the other. The session talks to
 * a transport-neutral `RemoteCommandClient` (remoteCommand.ts).
 *
 * WebSocket (k8s.io/apimachinery wsstream, client-go's WebSocket executor): subprotocol
 * `v5.channel.k8s.io` or `v4.channel.k8s.io`; every binary message is one channel byte and data — 0 stdin,
 * 1 stdout, 2 stderr, 3 status (a metav1.Status JSON: `Success`, or `Failure` with reason
 * `NonZeroExitCode` and the exit code as the `ExitCode` cause), 4 resize (`{"Width":…,"Height":…}`), and in
 * v5 255 "close" (data = the channel closed: stdin's end of input).
 *
 * ACI side (azure-aci's provider `RunInContainer` and the SDK's docs): `Containers - Execute Command`
 * takes one command string and a terminal size and returns a websocket URI and a password, sent as the
 * first message; what follows is the terminal's input and output — one stream, a TTY, so stderr is not
 * separate and there is no resize after the start. The bridge therefore waits (up to `resizeWaitMs`) for
 * the client's first resize to start the command at the right size, ignores later resizes, turns the
 * client's end of stdin into Ctrl-D (the TTY's end of input), and reports the exit code only when the ACI
 * side closes with the reason `exit code <N>` — the simulator does; whether ACI does is not documented
 * (docs/kubelet-api.md), so without it the status is `Success`. `Containers - Attach` is output-only: the
 * password goes in the Authorization header, and attach with stdin is refused (400).
 */
import type { IncomingMessage } from "node:http";
import { WebSocket, WebSocketServer, type RawData } from "ws";
import { ensureError } from "../errors.js";
import type { Logger } from "../log.js";
import type { KubeletAciApi, TerminalSize } from "./aci.js";
import {
  errorStatus,
  exitStatus,
  RemoteCommandEvents,
  successStatus,
  type RemoteCommandClient,
  type RemoteStatus,
} from "./remoteCommand.js";
import { HttpError, rawReply, toHttpError, type PodTarget, type StreamHandler } from "./server.js";
import { acceptSpdy, isSpdyUpgrade, negotiateSpdy, type SpdyProtocol } from "./spdyExec.js";

export const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, status: 3, resize: 4, close: 255 } as const;
export const PROTOCOL_V4 = "v4.channel.k8s.io";
export const PROTOCOL_V5 = "v5.channel.k8s.io";
/** azure-aci's default terminal size when the client sends none. */
export const DEFAULT_TERMINAL: TerminalSize = { rows: 60, cols: 120 };

export interface StreamOptions {
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

const flag = (q: URLSearchParams, name: string): boolean => ["1", "true"].includes(q.get(name) ?? "");

/** remotecommand `NewOptions`: the query of an exec/attach request. */
export function streamOptions(kind: "exec" | "attach", q: URLSearchParams): StreamOptions {
  const o: StreamOptions = {
    command: q.getAll("command"),
    stdin: flag(q, "input"),
    stdout: flag(q, "output"),
    stderr: flag(q, "error"),
    tty: flag(q, "tty"),
  };
  // As the kubelet: with a TTY, stderr is merged into stdout.
  if (o.tty) o.stderr = false;
  if (!o.stdin && !o.stdout && !o.stderr) {
    throw new HttpError(400, "you must specify at least 1 of stdin, stdout, stderr");
  }
  if (kind === "exec" && o.command.length === 0)
    throw new HttpError(400, "you must specify at least 1 command");
  if (kind === "attach" && o.stdin) {
    throw new HttpError(
      400,
      "attach with stdin is not supported for pods on the virtual node: Azure Container Instances' attach is output-only (use kubectl exec)",
    );
  }
  return o;
}

/** One ACI command string from argv: words with anything a shell would split on are single-quoted. */
export function commandLine(argv: string[]): string {
  return argv
    .map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))
    .join(" ");
}

function frame(channel: number, data: Buffer | string): Buffer {
  const body = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  return Buffer.concat([Buffer.from([channel]), body]);
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** v4/v5.channel.k8s.io over WebSocket: one binary message per channel write. */
export class WebSocketClient extends RemoteCommandEvents implements RemoteCommandClient {
  get protocol(): string {
    return `WebSocket ${this.ws.protocol}`;
  }

  constructor(private readonly ws: WebSocket) {
    super();
    ws.on("message", (data) => this.fromClient(toBuffer(data)));
    ws.on("close", () => this.goneEvent.emit());
    ws.on("error", () => undefined);
  }

  isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }
  sendStdout(data: Buffer): void {
    if (this.isOpen()) this.ws.send(frame(CHANNEL.stdout, data));
  }
  sendStatus(status: RemoteStatus): void {
    if (this.isOpen()) this.ws.send(frame(CHANNEL.status, JSON.stringify(status)), () => this.ws.close(1000));
  }

  private fromClient(b: Buffer): void {
    const channel = b[0];
    const data = b.subarray(1);
    if (channel === CHANNEL.stdin) this.stdin.emit(data);
    else if (channel === CHANNEL.resize) {
      try {
        const r = JSON.parse(data.toString("utf8")) as { Width?: number; Height?: number };
        if (typeof r.Width === "number" && typeof r.Height === "number") {
          this.resize.emit({ rows: r.Height, cols: r.Width });
        }
      } catch {
        // A malformed resize is ignored, as the kubelet does.
      }
    } else if (channel === CHANNEL.close && this.ws.protocol === PROTOCOL_V5 && data[0] === CHANNEL.stdin) {
      this.stdinEnd.emit();
    }
  }
}

export interface StreamDeps {
  aci: KubeletAciApi;
  logger: Logger;
  /** How long a TTY session waits for the client's first resize before starting (ms). Default 1000. */
  resizeWaitMs?: number;
  /** SPDY: how long the client has to create its streams (ms). Default 30 000, the kubelet's. */
  streamCreationTimeoutMs?: number;
  /** SPDY: after GOAWAY, how long to wait for the client to close the connection (ms). Default 2000. */
  closeWaitMs?: number;
  now?: () => number;
}

/** Exec/attach upgrades: SPDY/3.1 (what API servers speak to kubelets) or WebSocket, by `Upgrade`. */
export function streamHandler(d: StreamDeps): StreamHandler {
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) =>
      offered.has(PROTOCOL_V5) ? PROTOCOL_V5 : offered.has(PROTOCOL_V4) ? PROTOCOL_V4 : false,
  });
  const now = d.now ?? Date.now;
  return (kind, target, req, socket, head, url) => {
    let opts: StreamOptions;
    let spdyProtocol: SpdyProtocol | undefined;
    try {
      opts = streamOptions(kind, url.searchParams);
      if (isSpdyUpgrade(req)) spdyProtocol = negotiateSpdy(req);
      else checkWebSocketUpgrade(req);
    } catch (error) {
      rawReply(socket, toHttpError(error));
      return;
    }
    const run = (client: RemoteCommandClient): void =>
      void new Session(kind, target, opts, client, d, now).run();
    if (spdyProtocol !== undefined) {
      void acceptSpdy(socket, head, spdyProtocol, opts, {
        streamCreationTimeoutMs: d.streamCreationTimeoutMs ?? 30_000,
        closeWaitMs: d.closeWaitMs ?? 2000,
      }).then((client) => {
        if (typeof client !== "string") run(client);
        else {
          d.logger.warn("kubelet.stream.failed", {
            pod: `${target.namespace}/${target.pod}`,
            container: target.container,
            kind,
            error: client,
          });
        }
      });
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => run(new WebSocketClient(ws)));
  };
}

function checkWebSocketUpgrade(req: IncomingMessage): void {
  const upgrade = (req.headers.upgrade ?? "").toLowerCase();
  if (upgrade !== "websocket") {
    throw new HttpError(
      400,
      `unable to upgrade: expected SPDY/3.1 or a WebSocket upgrade, not ${JSON.stringify(upgrade)}`,
    );
  }
  const offered = String(req.headers["sec-websocket-protocol"] ?? "")
    .split(",")
    .map((s) => s.trim());
  if (!offered.includes(PROTOCOL_V5) && !offered.includes(PROTOCOL_V4)) {
    throw new HttpError(
      400,
      `unsupported streaming protocol ${JSON.stringify(offered.join(", "))}: use ${PROTOCOL_V5} or ${PROTOCOL_V4}`,
    );
  }
}

class Session {
  private aciSocket: WebSocket | undefined;
  private readonly pendingStdin: Buffer[] = [];
  private size: TerminalSize | undefined;
  private gotSize: (() => void) | undefined;
  private finished = false;
  private readonly started: number;

  constructor(
    private readonly kind: "exec" | "attach",
    private readonly target: PodTarget,
    private readonly opts: StreamOptions,
    private readonly client: RemoteCommandClient,
    private readonly d: StreamDeps,
    private readonly now: () => number,
  ) {
    this.started = now();
  }

  async run(): Promise<void> {
    this.client.onStdin((data) => {
      if (this.opts.stdin) this.toAci(data);
    });
    this.client.onStdinEnd(() => {
      if (this.opts.stdin) this.toAci(Buffer.from("\u0004"));
    });
    this.client.onResize((size) => {
      // Later resizes: ACI's exec has no resize message; the terminal keeps its first size.
      if (this.size) return;
      this.size = size;
      this.gotSize?.();
    });
    this.client.onGone(() => this.aciSocket?.close());
    try {
      if (this.kind === "exec" && this.opts.tty && !this.size) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.d.resizeWaitMs ?? 1000);
          this.gotSize = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
      if (!this.client.isOpen()) return;
      const { group, container } = this.target;
      const endpoint =
        this.kind === "exec"
          ? await this.d.aci.executeCommand(
              group,
              container,
              commandLine(this.opts.command),
              this.size ?? DEFAULT_TERMINAL,
            )
          : await this.d.aci.attach(group, container);
      // The client may have left while ARM answered: do not open an ACI session nobody reads.
      if (!this.client.isOpen()) return this.finish(undefined);
      const aci =
        this.kind === "exec"
          ? new WebSocket(endpoint.webSocketUri)
          : new WebSocket(endpoint.webSocketUri, [], { headers: { Authorization: endpoint.password } });
      this.aciSocket = aci;
      aci.on("error", (e) => this.finish(undefined, e.message));
      aci.on("unexpected-response", (_req, res) =>
        this.finish(undefined, `ACI ${this.kind} websocket answered ${res.statusCode ?? 0}`),
      );
      aci.once("open", () => {
        if (this.kind === "exec") aci.send(endpoint.password);
        for (const b of this.pendingStdin.splice(0)) aci.send(b.toString("utf8"));
      });
      aci.on("message", (data) => {
        if (this.opts.stdout) this.client.sendStdout(toBuffer(data));
      });
      aci.on("close", (code, reason) => {
        const m = /exit code (\d+)/.exec(reason.toString("utf8"));
        if (code === 1008) this.finish(undefined, "ACI refused the exec session's password");
        else this.finish(m ? Number(m[1]) : undefined);
      });
    } catch (error) {
      this.finish(undefined, toHttpError(error).message);
    }
  }

  private toAci(data: Buffer): void {
    const aci = this.aciSocket;
    if (aci && aci.readyState === WebSocket.OPEN) aci.send(data.toString("utf8"));
    else this.pendingStdin.push(Buffer.from(data));
  }

  private finish(exitCode: number | undefined, error?: string): void {
    if (this.finished) return;
    this.finished = true;
    const pod = `${this.target.namespace}/${this.target.pod}`;
    const status =
      error !== undefined
        ? errorStatus(error)
        : exitCode !== undefined && exitCode !== 0
          ? exitStatus(this.opts.command, exitCode)
          : successStatus();
    if (error !== undefined) {
      this.d.logger.warn("kubelet.stream.failed", {
        pod,
        container: this.target.container,
        kind: this.kind,
        error: ensureError(error).message,
      });
    }
    this.d.logger.info("kubelet.stream.ended", {
      pod,
      container: this.target.container,
      kind: this.kind,
      protocol: this.client.protocol,
      ...(exitCode !== undefined ? { exitCode } : {}),
      ms: this.now() - this.started,
    });
    if (this.client.isOpen()) this.client.sendStatus(status);
    this.aciSocket?.close();
  }
}
