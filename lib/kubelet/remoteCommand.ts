/**
 * What an exec/attach session needs from its client, whatever the transport: the transport-neutral
 * interface the session (exec.ts) talks to, the final metav1.Status it reports, and a small buffer for
 * events that arrive before the session listens. Adapters: WebSocket (exec.ts), SPDY/3.1 (spdyExec.ts).
 */
import type { TerminalSize } from "./aci.js";

/** The metav1.Status a remote-command session ends with (JSON on the error channel in v4/v5). */
export interface RemoteStatus {
  metadata: Record<string, never>;
  status: "Success" | "Failure";
  message?: string;
  reason?: string;
  details?: { causes: Array<{ reason?: string; message: string }> };
  code?: number;
}

export function successStatus(): RemoteStatus {
  return { metadata: {}, status: "Success" };
}

export function exitStatus(command: string[], code: number): RemoteStatus {
  return {
    metadata: {},
    status: "Failure",
    message: `command terminated with non-zero exit code: error executing command [${command.join(" ")}], exit code ${code}`,
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: String(code) }] },
  };
}

export function errorStatus(message: string): RemoteStatus {
  return {
    metadata: {},
    status: "Failure",
    message: `Internal error occurred: ${message}`,
    reason: "InternalError",
    details: { causes: [{ message }] },
    code: 500,
  };
}

/**
 * The client side of one exec/attach session, whatever the transport (WebSocket here, SPDY in
 * spdyExec.ts). Events that arrive before their handler is set are kept and delivered when it is.
 */
export interface RemoteCommandClient {
  /** Transport and subprotocol, for the logs: `SPDY/3.1 v4.channel.k8s.io`, `WebSocket v5.channel.k8s.io`. */
  readonly protocol: string;
  onStdin(fn: (data: Buffer) => void): void;
  /** The client's end of input (v5 close of channel 0; FIN of the SPDY stdin stream). */
  onStdinEnd(fn: () => void): void;
  onResize(fn: (size: TerminalSize) => void): void;
  /** The client went away (connection closed or reset). */
  onGone(fn: () => void): void;
  isOpen(): boolean;
  sendStdout(data: Buffer): void;
  /** Writes the final status and closes the session's transport. */
  sendStatus(status: RemoteStatus): void;
}

/** Keeps events until a handler is set (a transport may deliver before the session listens). */
export class Replay<T> {
  private readonly kept: T[] = [];
  private fn: ((v: T) => void) | undefined;

  emit(v: T): void {
    if (this.fn) this.fn(v);
    else this.kept.push(v);
  }

  set(fn: (v: T) => void): void {
    this.fn = fn;
    for (const v of this.kept.splice(0)) fn(v);
  }
}

/**
 * What both transports share: the four client events, each kept until the session sets its handler. An
 * adapter emits them as its transport delivers (`stdin.emit(data)`, `gone.emit()`).
 */
export abstract class RemoteCommandEvents implements Pick<
  RemoteCommandClient,
  "onStdin" | "onStdinEnd" | "onResize" | "onGone"
> {
  protected readonly stdin = new Replay<Buffer>();
  protected readonly stdinEnd = new Replay<void>();
  protected readonly resize = new Replay<TerminalSize>();
  protected readonly goneEvent = new Replay<void>();

  onStdin(fn: (data: Buffer) => void): void {
    this.stdin.set(fn);
  }
  onStdinEnd(fn: () => void): void {
    this.stdinEnd.set(fn);
  }
  onResize(fn: (size: TerminalSize) => void): void {
    this.resize.set(fn);
  }
  onGone(fn: () => void): void {
    this.goneEvent.set(fn);
  }
}
