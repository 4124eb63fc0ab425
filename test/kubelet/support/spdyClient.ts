/**
 * A minimal SPDY/3.1 remote-command client for protocol tests, doing what client-go's SPDY executor does
 * (moby/spdystream client side): the upgrade request, one SYN_STREAM per channel — each waiting for its
 * SYN_REPLY — data with FIN, and a record of everything the server sends. Built on lib/kubelet/spdy.ts's
 * framing, which test/kubelet/spdyFrames.test.ts checks against real kubectl bytes.
 */
import { connect, type TLSSocket } from "node:tls";
import {
  FLAG_FIN,
  FrameParser,
  HeaderZlib,
  TYPE,
  controlFrame,
  dataFrame,
  decodeHeaderBlock,
  encodeHeaderBlock,
} from "../../../lib/kubelet/spdy.js";
import type { KeyPair, TestPki } from "./certs.js";

export interface SpdyTestClient {
  status: number;
  head: string;
  /** Body of a refused upgrade. */
  body: string;
  /** Control frame types received, in order (`synReply`, `goAway`, …). */
  control: string[];
  data: Map<string, string>;
  fins: Set<string>;
  closed: Promise<void>;
  open(type: string): Promise<number>;
  send(type: string, data: string | Buffer, fin?: boolean): void;
  ping(id: number): void;
  raw(b: Buffer): void;
  destroy(): void;
}

const NAMES = Object.fromEntries(Object.entries(TYPE).map(([k, v]) => [v, k])) as Record<number, string>;

export async function spdyConnect(
  port: number,
  pki: TestPki,
  path: string,
  protocols: string[],
  client: KeyPair = pki.apiServer,
): Promise<SpdyTestClient> {
  const sock: TLSSocket = connect({
    host: "127.0.0.1",
    port,
    ca: pki.ca,
    cert: client.cert,
    key: client.key,
  });
  await new Promise<void>((resolve, reject) => {
    sock.once("secureConnect", resolve);
    sock.once("error", reject);
  });
  sock.on("error", () => undefined);
  const headers = protocols.map((p) => `X-Stream-Protocol-Version: ${p}\r\n`).join("");
  sock.write(
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n${headers}\r\n`,
  );
  const deflate = new HeaderZlib("deflate");
  const inflate = new HeaderZlib("inflate");
  const parser = new FrameParser();
  const byId = new Map<number, string>();
  const ids = new Map<string, number>();
  const replies = new Map<number, () => void>();
  const c: SpdyTestClient = {
    status: 0,
    head: "",
    body: "",
    control: [],
    data: new Map(),
    fins: new Set(),
    closed: new Promise((r) => sock.once("close", () => r())),
    async open(type) {
      const id = 1 + 2 * ids.size;
      ids.set(type, id);
      byId.set(id, type);
      const block = await deflate.run(encodeHeaderBlock(new Map([["streamtype", [type]]])));
      const p = Buffer.alloc(10);
      p.writeUInt32BE(id, 0);
      const replied = new Promise<void>((r) => replies.set(id, r));
      sock.write(controlFrame(TYPE.synStream, 0, Buffer.concat([p, block])));
      await replied;
      return id;
    },
    send(type, data, fin = false) {
      sock.write(dataFrame(ids.get(type)!, Buffer.from(data), fin));
    },
    ping(id) {
      const p = Buffer.alloc(4);
      p.writeUInt32BE(id, 0);
      sock.write(controlFrame(TYPE.ping, 0, p));
    },
    raw: (b) => sock.write(b),
    destroy: () => sock.destroy(),
  };
  let inbound: Promise<void> = Promise.resolve();
  let pending = Buffer.alloc(0);
  let upgraded = false;
  await new Promise<void>((resolve) => {
    const onData = (chunk: Buffer): void => {
      if (!upgraded) {
        pending = Buffer.concat([pending, chunk]);
        const end = pending.indexOf("\r\n\r\n");
        if (end < 0) return;
        c.head = pending.subarray(0, end).toString("latin1");
        c.status = Number(/^HTTP\/1.1 (\d+)/.exec(c.head)?.[1] ?? 0);
        upgraded = true;
        const rest = pending.subarray(end + 4);
        if (c.status !== 101) {
          c.body = rest.toString("utf8");
          sock.on("data", (b: Buffer) => (c.body += b.toString("utf8")));
          sock.off("data", onData);
          resolve();
          return;
        }
        resolve();
        chunk = rest;
      }
      for (const f of parser.push(chunk)) {
        inbound = inbound.then(async () => {
          if (!f.control) {
            const type = byId.get(f.streamId) ?? String(f.streamId);
            c.data.set(type, (c.data.get(type) ?? "") + f.data.toString("utf8"));
            if (f.flags & FLAG_FIN) c.fins.add(type);
            return;
          }
          c.control.push(NAMES[f.type] ?? String(f.type));
          if (f.type === TYPE.synReply) {
            const id = f.payload.readUInt32BE(0) & 0x7fffffff;
            decodeHeaderBlock(await inflate.run(f.payload.subarray(4)));
            replies.get(id)?.();
          }
        });
      }
    };
    sock.on("data", onData);
    sock.once("close", () => resolve());
  });
  void c.closed.then(() => {
    deflate.close();
    inflate.close();
  });
  return c;
}
