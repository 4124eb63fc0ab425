/**
 * SPDY/3.1 framing (lib/kubelet/spdy.ts) against bytes recorded from real kubectl 1.35 — Go's moby/spdystream
 * on the client side (test/fixtures/spdy/README.md says how they were recorded): frame parsing across any
 * chunking, header blocks inflated with one zlib context per direction and the SPDY/3 dictionary, what the
 * client sends (stream order, stdin and its FIN, resize JSON, no flow-control frames) and what the endpoint
 * answered (a SYN_REPLY before any data, the v4 status, FIN everywhere, GOAWAY last).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Duplex } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  FLAG_FIN,
  FrameParser,
  HeaderZlib,
  SPDY_DICTIONARY,
  SpdyConnection,
  TYPE,
  decodeHeaderBlock,
  type HeaderBlock,
  type RawFrame,
  type SpdyStream,
} from "../../lib/kubelet/spdy.js";
import { JsonValues } from "../../lib/kubelet/spdyExec.js";

interface Session {
  name: string;
  args: string[];
  stdin?: string;
  client: string;
  server: string;
}
const fixture = JSON.parse(
  readFileSync(join(__dirname, "..", "fixtures", "spdy", "sessions.json"), "utf8"),
) as { recordedWith: string; sessions: Session[] };
const session = (name: string): Session => fixture.sessions.find((s) => s.name === name)!;

function split(b64: string): { head: string; body: Buffer } {
  const all = Buffer.from(b64, "base64");
  const end = all.indexOf("\r\n\r\n");
  return { head: all.subarray(0, end).toString("latin1"), body: all.subarray(end + 4) };
}

interface Decoded {
  frame: RawFrame;
  streamId: number;
  headers?: HeaderBlock;
}

/** All frames of one direction, header blocks inflated in order with that direction's context. */
async function decode(body: Buffer): Promise<Decoded[]> {
  const z = new HeaderZlib("inflate");
  const out: Decoded[] = [];
  for (const frame of new FrameParser().push(body)) {
    if (!frame.control) {
      out.push({ frame, streamId: frame.streamId });
      continue;
    }
    const p = frame.payload;
    const streamId =
      frame.type === TYPE.ping || frame.type === TYPE.settings ? 0 : p.readUInt32BE(0) & 0x7fffffff;
    const offset = frame.type === TYPE.synStream ? 10 : 4;
    const hasBlock = [TYPE.synStream, TYPE.synReply, TYPE.headers].includes(frame.type as 1 | 2 | 8);
    out.push({
      frame,
      streamId,
      ...(hasBlock ? { headers: decodeHeaderBlock(await z.run(p.subarray(offset))) } : {}),
    });
  }
  z.close();
  return out;
}

const adler32 = (b: Buffer): number => {
  let a = 1;
  let c = 0;
  for (const x of b) {
    a = (a + x) % 65521;
    c = (c + a) % 65521;
  }
  return ((c << 16) | a) >>> 0;
};

const streamTypes = (frames: Decoded[]): string[] =>
  frames
    .filter((f) => f.frame.control && f.frame.type === TYPE.synStream)
    .map((f) => f.headers!.get("streamtype")![0]!);

const dataOn = (frames: Decoded[], id: number): string =>
  Buffer.concat(
    frames.flatMap((f) => (!f.frame.control && f.streamId === id ? [f.frame.data] : [])),
  ).toString("utf8");

describe(`kubectl's SPDY frames (${fixture.recordedWith})`, () => {
  it("asks for SPDY/3.1 with v5, v4, v3, v2, v1 and gets v5", () => {
    const { head } = split(session("echo").client);
    expect(head).toMatch(/^POST \/api\/v1\/namespaces\/default\/pods\/web\/exec\?command=echo&command=hi&/);
    expect(head).toMatch(/\r\nUpgrade: SPDY\/3\.1\r\n/);
    expect([...head.matchAll(/X-Stream-Protocol-Version: (.+)/g)].map((m) => m[1])).toEqual([
      "v5.channel.k8s.io",
      "v4.channel.k8s.io",
      "v3.channel.k8s.io",
      "v2.channel.k8s.io",
      "channel.k8s.io",
    ]);
    expect(split(session("echo").server).head).toMatch(
      /^HTTP\/1.1 101 Switching Protocols\r\n[\s\S]*X-Stream-Protocol-Version: v5.channel.k8s.io/,
    );
  });

  it("compresses header blocks with the SPDY/3 dictionary (zlib DICTID = its Adler-32)", () => {
    const first = new FrameParser().push(split(session("echo").client).body)[0]!;
    expect(first.control && first.type).toBe(TYPE.synStream);
    const block = (first as { payload: Buffer }).payload.subarray(10);
    expect(block[0]).toBe(0x78);
    expect(block[1]! & 0x20).toBe(0x20); // FDICT
    expect(block.readUInt32BE(2)).toBe(adler32(SPDY_DICTIONARY));
    expect(adler32(SPDY_DICTIONARY)).toBe(0xe3c6a7c2);
  });

  it("parses the same frames whatever the TCP chunking", () => {
    const body = split(session("tty").client).body;
    const whole = new FrameParser().push(body);
    const bytewise = new FrameParser();
    const pieces: RawFrame[] = [];
    for (let i = 0; i < body.length; i += 3) pieces.push(...bytewise.push(body.subarray(i, i + 3)));
    expect(pieces).toEqual(whole);
    expect(bytewise.pending).toBe(0);
  });

  it.each([
    ["echo", ["error", "stdout", "stderr"]],
    ["stdin", ["error", "stdin", "stdout", "stderr"]],
    ["exit3", ["error", "stdout", "stderr"]],
    ["tty", ["error", "stdin", "stdout", "resize"]],
  ])(
    "%s: the client opens %j on streams 1, 3, 5, … and sends no flow-control frames",
    async (name, types) => {
      const frames = await decode(split(session(name).client).body);
      expect(streamTypes(frames)).toEqual(types);
      const ids = frames
        .filter((f) => f.frame.control && f.frame.type === TYPE.synStream)
        .map((f) => f.streamId);
      expect(ids).toEqual(types.map((_, i) => 1 + 2 * i));
      const controlTypes = new Set(frames.flatMap((f) => (f.frame.control ? [f.frame.type] : [])));
      expect(controlTypes.has(TYPE.windowUpdate)).toBe(false);
      expect(controlTypes.has(TYPE.settings)).toBe(false);
    },
  );

  it("stdin: the data, then an empty DATA frame with FIN", async () => {
    const frames = await decode(split(session("stdin").client).body);
    expect(dataOn(frames, 3)).toBe("one\ntwo\n");
    const last = frames.filter((f) => !f.frame.control && f.streamId === 3).at(-1)!.frame;
    expect(!last.control && last.data.length === 0 && (last.flags & FLAG_FIN) !== 0).toBe(true);
  });

  it("tty: the resize stream carries kubectl's terminal size as JSON", async () => {
    const frames = await decode(split(session("tty").client).body);
    const values = new JsonValues().push(Buffer.from(dataOn(frames, 7)));
    expect(values[0]).toEqual({ Width: 100, Height: 40 });
  });

  it.each([
    ["echo", "hi\n", { metadata: {}, status: "Success" }],
    [
      "exit3",
      "",
      {
        status: "Failure",
        reason: "NonZeroExitCode",
        details: { causes: [{ reason: "ExitCode", message: "3" }] },
      },
    ],
  ])(
    "%s: the endpoint answered every stream, then output, the v4 status, FINs and GOAWAY",
    async (name, out, status) => {
      const frames = await decode(split(session(name).server).body);
      for (const id of [1, 3, 5]) {
        const reply = frames.findIndex(
          (f) => f.frame.control && f.frame.type === TYPE.synReply && f.streamId === id,
        );
        const firstData = frames.findIndex((f) => !f.frame.control && f.streamId === id);
        expect(reply).toBeGreaterThanOrEqual(0);
        expect(frames[reply]!.headers!.size).toBe(0);
        expect(firstData).toBeGreaterThan(reply);
        const fin = frames.filter((f) => !f.frame.control && f.streamId === id && f.frame.flags & FLAG_FIN);
        expect(fin).toHaveLength(1);
      }
      expect(dataOn(frames, 3)).toBe(out);
      expect(JSON.parse(dataOn(frames, 1))).toMatchObject(status);
      const last = frames.at(-1)!.frame;
      expect(last.control && last.type).toBe(TYPE.goAway);
    },
  );
});

/** A Duplex fed from a buffer, keeping what is written to it. */
function replaySocket(input: Buffer): Duplex & { written: Buffer[] } {
  const written: Buffer[] = [];
  const d = new Duplex({
    read() {
      this.push(input);
      this.push(null);
    },
    write(chunk: Buffer, _enc, cb) {
      written.push(chunk);
      cb();
    },
  });
  return Object.assign(d, { written });
}

describe("SpdyConnection on kubectl's recorded bytes", () => {
  it("sees its streams, stdin and its end, replies and echoes nothing else", async () => {
    const socket = replaySocket(split(session("stdin").client).body);
    const got: Array<{ type: string; data: string; ended: boolean }> = [];
    new SpdyConnection(socket, {
      stream: (s: SpdyStream) => {
        const rec = { type: s.header("streamtype") ?? "", data: "", ended: false };
        got.push(rec);
        s.onData = (b) => (rec.data += b.toString("utf8"));
        s.onEnd = () => (rec.ended = true);
        void s.reply();
      },
      gone: () => undefined,
    });
    // The recording ends where kubectl hung up; the frames are handled asynchronously (zlib).
    await new Promise((r) => socket.once("end", r));
    await new Promise((r) => setTimeout(r, 100));
    expect(got.map((g) => g.type)).toEqual(["error", "stdin", "stdout", "stderr"]);
    expect(got[1]).toEqual({ type: "stdin", data: "one\ntwo\n", ended: true });
    const replies = await decode(Buffer.concat(socket.written));
    expect(replies.map((r) => [r.frame.control && r.frame.type, r.streamId])).toEqual(
      [1, 3, 5, 7].map((id) => [TYPE.synReply, id]),
    );
  });
});
