/**
 * SPDY/3.1 framing, as moby/spdystream speaks it (the library under client-go's and the API server's
 * SPDY streams, and the kubelet's): the server side of one connection, enough for remote-command streams.
 *
 * - Frames: an 8-byte header (control bit, version 3, type / stream id, flags, 24-bit length), then the
 *   payload. A frame may span TCP chunks and a chunk may hold several frames (`FrameParser`).
 * - Header blocks (SYN_STREAM, SYN_REPLY, HEADERS) are zlib-compressed with the SPDY/3 dictionary, one
 *   context per direction for the whole connection (spdyHeaders.ts). Every received block is inflated, even
 *   when ignored, or the context would fall out of step.
 * - Flow control: spdystream has none — it never sends WINDOW_UPDATE or SETTINGS and ignores both when
 *   received — so neither side may wait for window space; WINDOW_UPDATE and SETTINGS are accepted and
 *   ignored here too.
 * - PING from the peer (odd ids: the client's) is echoed, as spdystream does; GOAWAY marks the peer gone.
 * - Outgoing frames leave in the order they were queued (`enqueue`): a DATA frame must never pass the
 *   SYN_REPLY of its stream, since spdystream drops data on a stream it has no reply for.
 */
import type { Duplex } from "node:stream";
import {
  decodeHeaderBlock,
  encodeHeaderBlock,
  HeaderZlib,
  SpdyProtocolError,
  type HeaderBlock,
} from "./spdyHeaders.js";

export {
  decodeHeaderBlock,
  encodeHeaderBlock,
  HeaderZlib,
  SPDY_DICTIONARY,
  SpdyProtocolError,
  type HeaderBlock,
} from "./spdyHeaders.js";

export const SPDY_VERSION = 3;
export const TYPE = {
  synStream: 1,
  synReply: 2,
  rstStream: 3,
  settings: 4,
  ping: 6,
  goAway: 7,
  headers: 8,
  windowUpdate: 9,
} as const;
export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;
/** RST_STREAM status codes (SPDY/3 2.6.3). */
export const RST = {
  protocolError: 1,
  invalidStream: 2,
  refusedStream: 3,
  cancel: 5,
  internalError: 6,
} as const;
export const GOAWAY = { ok: 0, protocolError: 1, internalError: 2 } as const;
const MAX_LENGTH = 0xffffff;

export type RawFrame =
  | { control: true; version: number; type: number; flags: number; payload: Buffer }
  | { control: false; streamId: number; flags: number; data: Buffer };

/** Splits a byte stream into frames; keeps a partial frame until the rest arrives. */
export class FrameParser {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): RawFrame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const frames: RawFrame[] = [];
    while (this.buf.length >= 8) {
      const length = this.buf.readUInt32BE(4) & MAX_LENGTH;
      if (this.buf.length < 8 + length) break;
      const first = this.buf.readUInt32BE(0);
      const flags = this.buf[4]!;
      const body = Buffer.from(this.buf.subarray(8, 8 + length));
      if (first & 0x80000000) {
        frames.push({
          control: true,
          version: (first >>> 16) & 0x7fff,
          type: first & 0xffff,
          flags,
          payload: body,
        });
      } else {
        frames.push({ control: false, streamId: first & 0x7fffffff, flags, data: body });
      }
      this.buf = this.buf.subarray(8 + length);
    }
    return frames;
  }

  /** Bytes of an incomplete frame still waiting for the rest. */
  get pending(): number {
    return this.buf.length;
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

export function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32BE((0x80000000 | (SPDY_VERSION << 16) | type) >>> 0, 0);
  h.writeUInt32BE(((flags << 24) | payload.length) >>> 0, 4);
  return Buffer.concat([h, payload]);
}

export function dataFrame(streamId: number, data: Buffer, fin = false): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32BE(streamId & 0x7fffffff, 0);
  h.writeUInt32BE((((fin ? FLAG_FIN : 0) << 24) | data.length) >>> 0, 4);
  return Buffer.concat([h, data]);
}

/** A stream the client opened (SYN_STREAM). */
export class SpdyStream {
  remoteEnded = false;
  localEnded = false;
  wasReset = false;
  onData: (b: Buffer) => void = () => undefined;
  onEnd: () => void = () => undefined;
  onReset: () => void = () => undefined;

  constructor(
    private readonly conn: SpdyConnection,
    readonly id: number,
    readonly headers: HeaderBlock,
  ) {}

  header(name: string): string | undefined {
    return this.headers.get(name.toLowerCase())?.[0];
  }

  /** SYN_REPLY with no headers (what the kubelet's `stream.SendReply(http.Header{}, false)` sends). */
  reply(): Promise<void> {
    return this.conn.enqueue(async () =>
      controlFrame(TYPE.synReply, 0, Buffer.concat([u32(this.id), await this.conn.deflate(new Map())])),
    );
  }

  write(data: Buffer): void {
    if (this.localEnded || this.wasReset || data.length === 0) return;
    for (let at = 0; at < data.length; at += MAX_LENGTH) {
      const part = data.subarray(at, at + MAX_LENGTH);
      void this.conn.enqueue(() => dataFrame(this.id, part));
    }
  }

  /** Half-closes our side: an empty DATA frame with FIN (spdystream's `Stream.Close`). */
  end(): Promise<void> {
    if (this.localEnded || this.wasReset) return Promise.resolve();
    this.localEnded = true;
    return this.conn.enqueue(() => dataFrame(this.id, Buffer.alloc(0), true));
  }
}

export interface SpdyConnectionEvents {
  stream(s: SpdyStream): void;
  /** The peer sent GOAWAY or the socket closed. */
  gone(reason: "goaway" | "closed" | "protocol-error"): void;
}

/** The server side of one SPDY/3.1 connection on an upgraded socket. */
export class SpdyConnection {
  private readonly parser = new FrameParser();
  private readonly inflater = new HeaderZlib("inflate");
  private readonly deflater = new HeaderZlib("deflate");
  private readonly streams = new Map<number, SpdyStream>();
  private lastStreamId = 0;
  private inbound: Promise<void> = Promise.resolve();
  private outbound: Promise<void> = Promise.resolve();
  private goneFired = false;
  goneAway = false;
  closed = false;

  constructor(
    private readonly socket: Duplex,
    private readonly events: SpdyConnectionEvents,
    head?: Buffer,
  ) {
    socket.on("data", (c: Buffer) => this.receive(c));
    socket.on("close", () => this.onSocketClosed());
    socket.on("error", () => undefined);
    if (head?.length) this.receive(head);
  }

  deflate(headers: HeaderBlock): Promise<Buffer> {
    return this.deflater.run(encodeHeaderBlock(headers));
  }

  /** Queues one frame; frames go out in queue order. Resolves once written (or dropped: socket gone). */
  enqueue(build: () => Buffer | Promise<Buffer>): Promise<void> {
    const next = this.outbound.then(async () => {
      const b = await build();
      if (!this.closed) this.socket.write(b);
    });
    this.outbound = next.catch(() => undefined);
    return this.outbound;
  }

  /** GOAWAY (status OK, last stream id = the last one accepted), as spdystream's `Close`. */
  goAway(status: number = GOAWAY.ok): Promise<void> {
    const p = Buffer.alloc(8);
    p.writeUInt32BE(this.lastStreamId, 0);
    p.writeUInt32BE(status, 4);
    return this.enqueue(() => controlFrame(TYPE.goAway, 0, p));
  }

  /** Ends the socket once every queued frame is written. */
  async end(): Promise<void> {
    await this.outbound;
    if (!this.closed) this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    let frames: RawFrame[];
    try {
      frames = this.parser.push(chunk);
    } catch {
      return this.protocolError();
    }
    for (const f of frames) {
      this.inbound = this.inbound.then(() => this.handle(f)).catch(() => this.protocolError());
    }
  }

  private async handle(f: RawFrame): Promise<void> {
    if (this.closed) return;
    if (!f.control) {
      const s = this.streams.get(f.streamId);
      if (!s || s.remoteEnded || s.wasReset) return; // spdystream drops data on unknown or finished streams
      if (f.data.length) s.onData(f.data);
      if (f.flags & FLAG_FIN) {
        s.remoteEnded = true;
        s.onEnd();
      }
      return;
    }
    const p = f.payload;
    switch (f.type) {
      case TYPE.synStream: {
        if (p.length < 10) throw new SpdyProtocolError("short SYN_STREAM");
        const id = p.readUInt32BE(0) & 0x7fffffff;
        const headers = decodeHeaderBlock(await this.inflater.run(p.subarray(10)));
        if (this.goneAway) return;
        // Client streams have odd, increasing ids (spdystream's validateStreamId).
        if (id % 2 !== 1 || id <= this.lastStreamId) return this.rst(id, RST.protocolError);
        this.lastStreamId = id;
        const s = new SpdyStream(this, id, headers);
        if (f.flags & FLAG_FIN) s.remoteEnded = true;
        if (f.flags & FLAG_UNIDIRECTIONAL) s.localEnded = true;
        this.streams.set(id, s);
        this.events.stream(s);
        return;
      }
      case TYPE.synReply:
      case TYPE.headers:
        if (p.length < 4) throw new SpdyProtocolError("short header frame");
        await this.inflater.run(p.subarray(4)); // keeps the context in step; nothing to act on
        return;
      case TYPE.rstStream: {
        const s = this.streams.get(p.readUInt32BE(0) & 0x7fffffff);
        if (s && !s.wasReset) {
          s.wasReset = true;
          s.onReset();
        }
        return;
      }
      case TYPE.ping: {
        const id = p.readUInt32BE(0);
        if (id % 2 === 1) void this.enqueue(() => controlFrame(TYPE.ping, 0, Buffer.from(p)));
        return;
      }
      case TYPE.goAway:
        this.goneAway = true;
        this.fireGone("goaway");
        return;
      default:
        return; // SETTINGS, WINDOW_UPDATE, unknown types: ignored, as spdystream does
    }
  }

  private rst(id: number, status: number): void {
    const p = Buffer.alloc(8);
    p.writeUInt32BE(id, 0);
    p.writeUInt32BE(status, 4);
    void this.enqueue(() => controlFrame(TYPE.rstStream, 0, p));
  }

  private protocolError(): void {
    if (this.closed) return;
    void this.goAway(GOAWAY.protocolError).then(() => this.socket.destroy());
    this.fireGone("protocol-error");
  }

  private fireGone(reason: "goaway" | "closed" | "protocol-error"): void {
    if (this.goneFired) return;
    this.goneFired = true;
    this.events.gone(reason);
  }

  private onSocketClosed(): void {
    this.closed = true;
    this.inflater.close();
    this.deflater.close();
    this.fireGone("closed");
  }
}
