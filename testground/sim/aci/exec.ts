/**
 * The simulator's `Containers - Execute Command` and `Containers - Attach` (docs/aci-simulator.md, "Logs,
 * exec and attach"). Both answer `{webSocketUri, password}` like ACI; the websocket is served by the
 * simulator's own HTTP server (`ws://127.0.0.1:<port>/aci-sim/streams/<id>`, ACI's is `wss://…`).
 *
 * Exec: the first message must be the password (what azure-aci's provider sends); any other first
 * message closes the socket with 1008. Every later message is the command's stdin. Output is sent as text
 * messages (a TTY: stdout and stderr are one stream). A small command set runs against the group's body:
 * `echo …`, `env` (the container's environment variables), `cat <file>` (files of secret volumes under
 * their mount path), `cat` (copies stdin until Ctrl-D, `\u0004`, the TTY's end of input), `stty size`
 * (the terminal size given in the request), `exit N`, `sh -c '<cmd>; <cmd>…'` of those; anything else
 * prints `sh: <cmd>: not found` and exits 127. The socket is closed with 1000 and the reason
 * `exit code <N>` — a simulator convention: whether ACI reports exit codes at all is not documented.
 *
 * Attach: the password goes in the `Authorization` header (the SDK documents this); a wrong one is
 * refused with 401 before the upgrade. The socket then carries the container's log lines written from
 * now on (logs.ts), and closes with 1000 when the instance ends or the group is deleted.
 *
 * Sessions are single-use and expire after 5 minutes unused.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import type { StoredGroup } from "./group.js";
import { currentInstance, instanceLines } from "./logs.js";
import type { AciSimulatorTiming, Json, Operation } from "./types.js";

const SEG = "([^/]+)";
const GROUP = `^/subscriptions/${SEG}/resourceGroups/${SEG}/providers/Microsoft\\.ContainerInstance/containerGroups/${SEG}/containers/${SEG}`;
export const STREAM_ROUTES: Array<{ method: string; re: RegExp; operation: Operation; names: string[] }> = [
  {
    method: "POST",
    re: new RegExp(`${GROUP}/exec$`, "i"),
    operation: "containers.executeCommand",
    names: ["sub", "rg", "name", "container"],
  },
  {
    method: "POST",
    re: new RegExp(`${GROUP}/attach$`, "i"),
    operation: "containers.attach",
    names: ["sub", "rg", "name", "container"],
  },
];

const SESSION_TTL_MS = 5 * 60_000;
const ATTACH_POLL_MS = 50;

export function containerNotFound(container: string, group: string): { status: number; body: unknown } {
  return {
    status: 404,
    body: {
      error: {
        code: "ContainerNotFound",
        message: `The container '${container}' could not be found in container group '${group}'.`,
      },
    },
  };
}

export interface StreamCore {
  readonly endpoint: string;
  readonly timing: AciSimulatorTiming;
  now(): number;
  findStoredGroup(resourceGroup: string, name: string): StoredGroup | undefined;
}

export interface ExecRecord {
  command: string;
  terminalSize?: { rows: number; cols: number };
  group: string;
  container: string;
}

interface Session extends ExecRecord {
  id: string;
  kind: "exec" | "attach";
  resourceGroup: string;
  password: string;
  createdAt: number;
}

/** Splits a command line like a POSIX shell would for simple words and quotes. */
export function shellWords(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else cur += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) out.push(cur);
      cur = "";
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

interface Io {
  write(text: string): void;
  /** Resolves with all stdin up to Ctrl-D (or the socket closing). */
  readToEof(): Promise<string>;
}

function containerJson(g: StoredGroup, container: string): Json | undefined {
  const list = ((g.body.properties as Json | undefined)?.containers as Json[] | undefined) ?? [];
  return list.find((c) => c.name === container);
}

function readFile(g: StoredGroup, container: string, path: string): string | undefined {
  const props = (containerJson(g, container)?.properties as Json | undefined) ?? {};
  const mounts = (props.volumeMounts as Json[] | undefined) ?? [];
  const volumes = ((g.body.properties as Json | undefined)?.volumes as Json[] | undefined) ?? [];
  for (const m of mounts) {
    const dir = (typeof m.mountPath === "string" ? m.mountPath : "").replace(/\/+$/, "");
    if (!path.startsWith(`${dir}/`)) continue;
    const file = path.slice(dir.length + 1);
    const v = volumes.find((x) => x.name === m.name);
    const secret = v?.secret as Record<string, string> | undefined;
    const b64 = secret?.[file];
    if (typeof b64 === "string") return Buffer.from(b64, "base64").toString("utf8");
  }
  return undefined;
}

async function run(words: string[], s: Session, g: StoredGroup, io: Io): Promise<number> {
  const [cmd, ...args] = words;
  switch (cmd) {
    case undefined:
      return 0;
    case "echo":
      io.write(`${args.join(" ")}\n`);
      return 0;
    case "env": {
      const env = ((containerJson(g, s.container)?.properties as Json | undefined)?.environmentVariables ??
        []) as Json[];
      for (const e of env)
        io.write(
          `${String(e.name)}=${typeof e.value === "string" ? e.value : typeof e.secureValue === "string" ? e.secureValue : ""}\n`,
        );
      return 0;
    }
    case "cat": {
      if (args.length === 0) {
        io.write(await io.readToEof());
        return 0;
      }
      let code = 0;
      for (const path of args) {
        const text = readFile(g, s.container, path);
        if (text === undefined) {
          io.write(`cat: ${path}: No such file or directory\n`);
          code = 1;
        } else io.write(text);
      }
      return code;
    }
    case "stty":
      if (args[0] === "size" && s.terminalSize) {
        io.write(`${s.terminalSize.rows} ${s.terminalSize.cols}\n`);
        return 0;
      }
      io.write("stty: 'standard input': Inappropriate ioctl for device\n");
      return 1;
    case "exit":
      return Number(args[0] ?? 0) || 0;
    case "sh":
    case "/bin/sh":
    case "bash":
    case "/bin/bash": {
      if (args[0] !== "-c" || args[1] === undefined) {
        io.write(`${cmd}: interactive shells are not simulated\n`);
        return 2;
      }
      let code = 0;
      for (const part of args[1].split(";")) {
        const w = shellWords(part);
        if (w[0] === "exit") return Number(w[1] ?? code) || 0;
        code = await run(w, s, g, io);
      }
      return code;
    }
    default:
      io.write(`sh: ${cmd}: not found\n`);
      return 127;
  }
}

export class SimStreams {
  readonly execs: ExecRecord[] = [];
  private readonly sessions = new Map<string, Session>();
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly open = new Set<WebSocket>();

  constructor(private readonly core: StreamCore) {}

  start(
    op: Operation,
    g: StoredGroup,
    container: string,
    rawBody: string,
  ): { status: number; body: unknown } {
    const now = this.core.now();
    for (const [id, s] of this.sessions) if (now - s.createdAt > SESSION_TTL_MS) this.sessions.delete(id);
    const id = randomUUID();
    const password = randomBytes(16).toString("hex");
    const session: Session = {
      id,
      kind: op === "containers.attach" ? "attach" : "exec",
      resourceGroup: g.resourceGroup,
      group: g.name,
      container,
      command: "",
      password,
      createdAt: now,
    };
    if (session.kind === "exec") {
      let body: Json = {};
      try {
        body = JSON.parse(rawBody || "{}") as Json;
      } catch {
        return { status: 400, body: { error: { code: "InvalidRequestContent", message: "invalid JSON" } } };
      }
      if (typeof body.command !== "string" || body.command === "") {
        return {
          status: 400,
          body: { error: { code: "InvalidRequestContent", message: "command is required" } },
        };
      }
      session.command = body.command;
      const size = body.terminalSize as { rows?: number; cols?: number } | undefined;
      if (size && typeof size.rows === "number" && typeof size.cols === "number")
        session.terminalSize = { rows: size.rows, cols: size.cols };
      this.execs.push({
        command: session.command,
        group: g.name,
        container,
        ...(session.terminalSize ? { terminalSize: session.terminalSize } : {}),
      });
    }
    this.sessions.set(id, session);
    const ws = this.core.endpoint.replace(/^http/, "ws");
    return { status: 200, body: { webSocketUri: `${ws}/aci-sim/streams/${id}`, password } };
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const m = /^\/aci-sim\/streams\/([^/?]+)/.exec(req.url ?? "");
    const s = m ? this.sessions.get(m[1] ?? "") : undefined;
    const refuse = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
    };
    if (!s) return refuse(404, "Not Found");
    if (s.kind === "attach" && req.headers.authorization !== s.password) return refuse(401, "Unauthorized");
    this.sessions.delete(s.id);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.open.add(ws);
      ws.on("close", () => this.open.delete(ws));
      ws.on("error", () => undefined);
      if (s.kind === "exec") this.exec(ws, s);
      else this.attach(ws, s);
    });
  }

  closeAll(): void {
    for (const ws of this.open) ws.terminate();
    this.open.clear();
  }

  private exec(ws: WebSocket, s: Session): void {
    let authed = false;
    let stdin = "";
    let eof = false;
    const waiters: Array<() => void> = [];
    const wake = (): void => {
      for (const w of waiters.splice(0)) w();
    };
    ws.on("message", (data: RawData) => {
      const text = Buffer.isBuffer(data)
        ? data.toString("utf8")
        : Buffer.from(data as ArrayBuffer).toString("utf8");
      if (!authed) {
        if (text !== s.password) {
          ws.close(1008, "authentication failed");
          return;
        }
        authed = true;
        void start();
        return;
      }
      const i = text.indexOf("\u0004");
      stdin += i >= 0 ? text.slice(0, i) : text;
      if (i >= 0) eof = true;
      wake();
    });
    ws.on("close", () => {
      eof = true;
      wake();
    });
    const io: Io = {
      write: (text) => {
        if (ws.readyState === 1 && text) ws.send(text);
      },
      readToEof: async () => {
        while (!eof) await new Promise<void>((r) => waiters.push(r));
        return stdin;
      },
    };
    const start = async (): Promise<void> => {
      const g = this.core.findStoredGroup(s.resourceGroup, s.group);
      const code = g ? await run(shellWords(s.command), s, g, io) : 137;
      if (ws.readyState === 1) ws.close(1000, `exit code ${code}`);
    };
  }

  private attach(ws: WebSocket, s: Session): void {
    let sent: number | undefined;
    let startedAt: number | undefined;
    const tick = (): void => {
      const now = this.core.now();
      const g = this.core.findStoredGroup(s.resourceGroup, s.group);
      const inst = g ? currentInstance(g, s.container, now, this.core.timing) : undefined;
      if (!g || !inst || (startedAt !== undefined && inst.start !== startedAt)) {
        clearInterval(timer);
        if (ws.readyState === 1) ws.close(1000, "container stopped");
        return;
      }
      const lines = instanceLines(g, s.container, inst, now);
      startedAt ??= inst.start;
      // Attach shows output from the moment it connects, not the log so far.
      sent ??= lines.length;
      for (const l of lines.slice(sent)) ws.send(`${l.text}\n`);
      sent = lines.length;
      if (inst.end !== undefined && inst.end <= now) {
        clearInterval(timer);
        if (ws.readyState === 1) ws.close(1000, "container stopped");
      }
    };
    const timer = setInterval(tick, ATTACH_POLL_MS);
    ws.on("close", () => clearInterval(timer));
    tick();
  }
}
