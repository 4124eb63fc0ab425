/**
 * `kubectl exec` and `kubectl attach` for pods on the virtual node: the Kubernetes remote-command protocol
 * over WebSocket on the client side, ACI's exec/attach websockets on the other.
 *
 * Client side (k8s.io/apimachinery wsstream, client-go's WebSocket executor): subprotocol
 * `v5.channel.k8s.io` or `v4.channel.k8s.io`; every binary message is one channel byte and data — 0 stdin,
 * 1 stdout, 2 stderr, 3 status (a metav1.Status JSON: `Success`, or `Failure` with reason
 * `NonZeroExitCode` and the exit code as the `ExitCode` cause), 4 resize (`{"Width":…,"Height":…}`), and in
 * v5 255 "close" (data = the channel closed: stdin's end of input). SPDY/3.1 (what API servers before
 * the WebSocket streaming translation speak to kubelets) is refused with a clear 400: not implemented.
 *
 * ACI side (azure-aci's provider `RunInContainer` and the SDK's docs): `Containers - Execute Command`
 * takes one command string and a terminal size and returns a websocket URI and a password, sent as the
 * first message; what follows is the terminal's input and output — one stream, a TTY, so stderr is not
 * separate and there is no resize after the start. The bridge therefore waits (up to `resizeWaitMs`) for
 * the client's first resize to start the command at the right size, ignores later resizes, turns the v5
 * stdin close into Ctrl-D (the TTY's end of input), and reports the exit code only when the ACI side
 * closes with the reason `exit code <N>` — the simulator does; whether ACI does is not documented
 * (docs/kubelet-api.md), so without it the status is `Success`. `Containers - Attach` is output-only: the
 * password goes in the Authorization header, and attach with stdin is refused (400).
 */
import type { IncomingMessage } from "node:http";
import { WebSocket, WebSocketServer, type RawData } from "ws";
import { ensureError } from "../errors.js";
import type { Logger } from "../log.js";
import type { KubeletAciApi, TerminalSize } from "./aci.js";
import { HttpError, rawReply, toHttpError, type PodTarget, type StreamHandler } from "./server.js";

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

export function successStatus(): string {
  return JSON.stringify({ metadata: {}, status: "Success" });
}

export function exitStatus(command: string[], code: number): string {
  return JSON.stringify({
    metadata: {},
    status: "Failure",
    message: `command terminated with non-zero exit code: error executing command [${command.join(" ")}], exit code ${code}`,
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: String(code) }] },
  });
}

export function errorStatus(message: string): string {
  return JSON.stringify({
    metadata: {},
    status: "Failure",
    message: `Internal error occurred: ${message}`,
    reason: "InternalError",
    details: { causes: [{ message }] },
    code: 500,
  });
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

export interface StreamDeps {
  aci: KubeletAciApi;
  logger: Logger;
  /** How long a TTY session waits for the client's first resize before starting (ms). Default 1000. */
  resizeWaitMs?: number;
  now?: () => number;
}

export function streamHandler(d: StreamDeps): StreamHandler {
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) =>
      offered.has(PROTOCOL_V5) ? PROTOCOL_V5 : offered.has(PROTOCOL_V4) ? PROTOCOL_V4 : false,
  });
  const now = d.now ?? Date.now;
  return (kind, target, req, socket, head, url) => {
    let opts: StreamOptions;
    try {
      opts = streamOptions(kind, url.searchParams);
      checkUpgrade(req);
    } catch (error) {
      rawReply(socket, toHttpError(error));
      return;
    }
    wss.handleUpgrade(req, socket, head, (client) => {
      void new Session(kind, target, opts, client, d, now).run();
    });
  };
}

function checkUpgrade(req: IncomingMessage): void {
  const upgrade = (req.headers.upgrade ?? "").toLowerCase();
  if (upgrade.startsWith("spdy")) {
    throw new HttpError(
      400,
      "SPDY/3.1 streaming is not implemented by the virtual node's kubelet endpoint; it speaks v5.channel.k8s.io / v4.channel.k8s.io over WebSocket (API servers 1.31+ translate kubectl's streams to WebSocket)",
    );
  }
  if (upgrade !== "websocket") throw new HttpError(400, "expected a WebSocket upgrade");
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
    private readonly client: WebSocket,
    private readonly d: StreamDeps,
    private readonly now: () => number,
  ) {
    this.started = now();
  }

  async run(): Promise<void> {
    this.client.on("message", (data) => this.fromClient(toBuffer(data)));
    this.client.on("close", () => this.aciSocket?.close());
    this.client.on("error", () => undefined);
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
      if (this.client.readyState !== WebSocket.OPEN) return;
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
      if (this.client.readyState !== WebSocket.OPEN) return this.finish(undefined);
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
        if (this.opts.stdout && this.client.readyState === WebSocket.OPEN) {
          this.client.send(frame(CHANNEL.stdout, toBuffer(data)));
        }
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

  private fromClient(b: Buffer): void {
    const channel = b[0];
    const data = b.subarray(1);
    if (channel === CHANNEL.stdin) {
      if (!this.opts.stdin) return;
      this.toAci(data);
    } else if (channel === CHANNEL.resize) {
      try {
        const r = JSON.parse(data.toString("utf8")) as { Width?: number; Height?: number };
        if (typeof r.Width === "number" && typeof r.Height === "number" && !this.size) {
          this.size = { rows: r.Height, cols: r.Width };
          this.gotSize?.();
        }
        // Later resizes: ACI's exec has no resize message; the terminal keeps its first size.
      } catch {
        // A malformed resize is ignored, as the kubelet does.
      }
    } else if (channel === CHANNEL.close && this.client.protocol === PROTOCOL_V5) {
      if (data[0] === CHANNEL.stdin && this.opts.stdin) this.toAci(Buffer.from("\u0004"));
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
      ...(exitCode !== undefined ? { exitCode } : {}),
      ms: this.now() - this.started,
    });
    if (this.client.readyState === WebSocket.OPEN) {
      this.client.send(frame(CHANNEL.status, status), () => this.client.close(1000));
    }
    this.aciSocket?.close();
  }
}
