/**
 * SPDY/3 header blocks (spec 2.6.10), as moby/spdystream writes and reads them: the name/value block, and the
 * zlib compression with the SPDY/3 dictionary — one context per direction for the whole connection, every
 * frame's block ending in a sync flush (spdystream's `Framer`: `zlib.NewWriterLevelDict(…, BestCompression,
 * headerDictionary)` + `Flush()`). Framing and the connection: spdy.ts.
 */
import { constants, createDeflate, createInflate, type Deflate, type Inflate } from "node:zlib";

// "|"-separated: "200 OK" has a space.
const DICTIONARY_WORDS = (
  "options|head|post|put|delete|trace|accept|accept-charset|accept-encoding|accept-language|" +
  "accept-ranges|age|allow|authorization|cache-control|connection|content-base|content-encoding|" +
  "content-language|content-length|content-location|content-md5|content-range|content-type|date|" +
  "etag|expect|expires|from|host|if-match|if-modified-since|if-none-match|if-range|" +
  "if-unmodified-since|last-modified|location|max-forwards|pragma|proxy-authenticate|" +
  "proxy-authorization|range|referer|retry-after|server|te|trailer|transfer-encoding|upgrade|" +
  "user-agent|vary|via|warning|www-authenticate|method|get|status|200 OK|version|HTTP/1.1|url|" +
  "public|set-cookie|keep-alive|origin"
).split("|");
const DICTIONARY_TAIL =
  "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505" +
  "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized" +
  "403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable" +
  "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT" +
  "chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain," +
  "text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.";

/**
 * The SPDY/3 header compression dictionary (spec 2.6.10.1), as spdystream's `headerDictionary` (without
 * the trailing NUL some browsers add): length-prefixed header words, then a run of common values. Its
 * Adler-32 is the DICTID of every SPDY/3 zlib stream (0xe3c6a7c2; test/kubelet/spdyFrames.test.ts checks it
 * against kubectl's recorded frames).
 */
export const SPDY_DICTIONARY: Buffer = Buffer.concat([
  ...DICTIONARY_WORDS.map((w) => {
    const b = Buffer.alloc(4 + w.length);
    b.writeUInt32BE(w.length, 0);
    b.write(w, 4, "latin1");
    return b;
  }),
  Buffer.from(DICTIONARY_TAIL, "latin1"),
]);

export type HeaderBlock = Map<string, string[]>;

/** Name/value block (2.6.10): count, then length-prefixed lowercase names and NUL-joined values. */
export function encodeHeaderBlock(headers: HeaderBlock): Buffer {
  const parts: Buffer[] = [u32(headers.size)];
  for (const [name, values] of headers) {
    const n = Buffer.from(name.toLowerCase(), "utf8");
    const v = Buffer.from(values.join("\0"), "utf8");
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(b: Buffer): HeaderBlock {
  const out: HeaderBlock = new Map();
  let at = 0;
  const take = (): Buffer => {
    if (at + 4 > b.length) throw new SpdyProtocolError("truncated header block");
    const len = b.readUInt32BE(at);
    at += 4;
    if (at + len > b.length) throw new SpdyProtocolError("truncated header block");
    const s = b.subarray(at, at + len);
    at += len;
    return s;
  };
  if (b.length < 4) throw new SpdyProtocolError("truncated header block");
  const count = b.readUInt32BE(0);
  at = 4;
  for (let i = 0; i < count; i++) {
    const name = take().toString("utf8").toLowerCase();
    const values = take().toString("utf8").split("\0");
    out.set(name, [...(out.get(name) ?? []), ...values]);
  }
  return out;
}

export class SpdyProtocolError extends Error {}

/**
 * One direction's zlib context: every call feeds one frame's block and sync-flushes, so the output is
 * exactly that frame's bytes. Calls are serialized; the stream keeps its state (and dictionary) between them.
 */
export class HeaderZlib {
  private readonly z: Deflate | Inflate;
  private chain: Promise<unknown> = Promise.resolve();
  private out: Buffer[] = [];

  constructor(kind: "deflate" | "inflate") {
    this.z =
      kind === "deflate"
        ? createDeflate({ level: constants.Z_BEST_COMPRESSION, dictionary: SPDY_DICTIONARY })
        : createInflate({ dictionary: SPDY_DICTIONARY });
    this.z.on("data", (c: Buffer) => this.out.push(c));
    this.z.on("error", () => undefined); // surfaced by run()'s flush callback
  }

  run(input: Buffer): Promise<Buffer> {
    const next = this.chain.then(
      () =>
        new Promise<Buffer>((resolve, reject) => {
          const onError = (e: Error): void => reject(new SpdyProtocolError(`header block: ${e.message}`));
          this.z.once("error", onError);
          this.z.write(input);
          this.z.flush(constants.Z_SYNC_FLUSH, () => {
            this.z.off("error", onError);
            const b = Buffer.concat(this.out);
            this.out = [];
            resolve(b);
          });
        }),
    );
    this.chain = next.catch(() => undefined);
    return next;
  }

  close(): void {
    this.z.close();
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}
