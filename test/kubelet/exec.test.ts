/**
 * `kubectl exec` / `attach` through the kubelet endpoint: a real WebSocket client speaking
 * v4/v5.channel.k8s.io over TLS with the API server's client certificate, the endpoint calling the ACI
 * simulator's Execute Command / Attach through the real SDK and bridging to its websocket.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { WebSocket, type RawData } from "ws";
import { makeTestPki, type KeyPair, type TestPki } from "./support/certs.js";
import { get, seedPod, startHarness, type Harness } from "./support/harness.js";

let pki: TestPki;
let h: Harness;

beforeAll(() => {
  pki = makeTestPki();
});

afterEach(async () => {
  await h?.close();
});

interface Session {
  ws: WebSocket;
  protocol: Promise<string>;
  /** Data per channel, concatenated. */
  channels: Map<number, string>;
  closed: Promise<number>;
  send(channel: number, data: string | number[]): void;
  status(): Record<string, unknown> | undefined;
}

function connect(path: string, protocols: string[], client: KeyPair = pki.apiServer): Session {
  const ws = new WebSocket(`wss://127.0.0.1:${h.kubelet.port}${path}`, protocols, {
    ca: pki.ca,
    cert: client.cert,
    key: client.key,
  });
  const channels = new Map<number, string>();
  ws.on("message", (data: RawData) => {
    const b = Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
    const ch = b[0] ?? -1;
    channels.set(ch, (channels.get(ch) ?? "") + b.subarray(1).toString("utf8"));
  });
  const protocol = new Promise<string>((resolve, reject) => {
    ws.once("open", () => resolve(ws.protocol));
    ws.once("error", reject);
  });
  const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
  return {
    ws,
    protocol,
    channels,
    closed,
    send: (channel, data) =>
      ws.send(
        Buffer.concat([
          Buffer.from([channel]),
          typeof data === "string" ? Buffer.from(data) : Buffer.from(data),
        ]),
      ),
    status: () => {
      const s = channels.get(3);
      return s ? (JSON.parse(s) as Record<string, unknown>) : undefined;
    },
  };
}

const q = (cmd: string[], extra = "input=1&output=1"): string =>
  `${cmd.map((c) => `command=${encodeURIComponent(c)}`).join("&")}&${extra}`;

async function withPod(): Promise<void> {
  h = await startHarness(pki);
  seedPod(
    h.sim,
    "default",
    "web",
    [
      {
        name: "app",
        image: "aci-sim/logger-log-every-100ms",
        env: [
          { name: "MODE", value: "prod" },
          { name: "TOKEN", secureValue: "s3cret" },
        ],
        volumeMounts: [{ name: "cfg", mountPath: "/etc/cfg" }],
      },
    ],
    { volumes: [{ name: "cfg", secret: { "app.conf": Buffer.from("port=8080\n").toString("base64") } }] },
  );
}

describe("kubectl exec over WebSocket", () => {
  it.each(["v5.channel.k8s.io", "v4.channel.k8s.io"])("%s: echo, then a Success status", async (protocol) => {
    await withPod();
    const s = connect(`/exec/default/web/app?${q(["echo", "hello", "world"], "output=1")}`, [protocol]);
    expect(await s.protocol).toBe(protocol);
    expect(await s.closed).toBe(1000);
    expect(s.channels.get(1)).toBe("hello world\n");
    expect(s.status()).toEqual({ metadata: {}, status: "Success" });
    expect(h.sim.countCalls({ operation: "containers.executeCommand" })).toBe(1);
  });

  it.each(["v5.channel.k8s.io", "v4.channel.k8s.io"])("%s: a non-zero exit code", async (protocol) => {
    await withPod();
    const s = connect(`/exec/default/web/app?${q(["sh", "-c", "echo bye; exit 3"], "output=1&error=1")}`, [
      protocol,
    ]);
    await s.closed;
    expect(s.channels.get(1)).toBe("bye\n");
    expect(s.status()).toEqual({
      metadata: {},
      status: "Failure",
      message:
        "command terminated with non-zero exit code: error executing command [sh -c echo bye; exit 3], exit code 3",
      reason: "NonZeroExitCode",
      details: { causes: [{ reason: "ExitCode", message: "3" }] },
    });
    // ACI gets one command string; the shell argument is quoted so the words survive.
    expect(h.sim.countCalls({ operation: "containers.executeCommand" })).toBe(1);
    const ended = h.logger.lines.find((l) => l.event === "kubelet.stream.ended");
    expect(ended?.fields.exitCode).toBe(3);
  });

  it("passes stdin through and ends it on the v5 close of channel 0", async () => {
    await withPod();
    const s = connect(`/exec/default/web/app?${q(["cat"])}`, ["v5.channel.k8s.io"]);
    await s.protocol;
    s.send(0, "line one\n");
    s.send(0, "line two\n");
    s.send(255, [0]);
    expect(await s.closed).toBe(1000);
    expect(s.channels.get(1)).toBe("line one\nline two\n");
    expect(s.status()?.status).toBe("Success");
  });

  it("starts a TTY command at the client's first terminal size and survives later resizes", async () => {
    await withPod();
    const s = connect(`/exec/default/web/app?${q(["stty", "size"], "input=1&output=1&tty=1")}`, [
      "v5.channel.k8s.io",
    ]);
    await s.protocol;
    s.send(4, JSON.stringify({ Width: 100, Height: 40 }));
    s.send(4, JSON.stringify({ Width: 120, Height: 50 }));
    await s.closed;
    expect(s.channels.get(1)).toBe("40 100\n");
    expect(s.status()?.status).toBe("Success");
  });

  it("runs env and cat of a secret volume file against the group", async () => {
    await withPod();
    const env = connect(`/exec/default/web/app?${q(["env"], "output=1")}`, ["v5.channel.k8s.io"]);
    await env.closed;
    expect(env.channels.get(1)).toBe("MODE=prod\nTOKEN=s3cret\n");
    const cat = connect(`/exec/default/web/app?${q(["cat", "/etc/cfg/app.conf"], "output=1")}`, [
      "v4.channel.k8s.io",
    ]);
    await cat.closed;
    expect(cat.channels.get(1)).toBe("port=8080\n");
    const missing = connect(`/exec/default/web/app?${q(["cat", "/etc/nope"], "output=1")}`, [
      "v4.channel.k8s.io",
    ]);
    await missing.closed;
    expect(missing.status()?.reason).toBe("NonZeroExitCode");
  });

  it("refuses what it cannot serve before calling ACI", async () => {
    await withPod();
    const noProto = await get(
      h,
      pki,
      `/exec/default/web/app?${q(["ls"])}`,
      { client: pki.apiServer },
      "POST",
    );
    expect(noProto.status).toBe(400);
    const pf = await get(h, pki, "/portForward/default/web?port=80");
    expect(pf.status).toBe(501);
    expect(pf.body).toMatch(/Azure Container Instances has no port-forwarding API/);
    const spdy = await rawUpgrade(`/exec/default/web/app?${q(["ls"])}`, "SPDY/3.1", "v4.channel.k8s.io");
    expect(spdy).toMatch(/^HTTP\/1.1 400 [\s\S]*X-Stream-Protocol-Version is required/);
    const noCommand = await rawUpgrade("/exec/default/web/app?output=1", "websocket", "v5.channel.k8s.io");
    expect(noCommand).toMatch(/^HTTP\/1.1 400 [\s\S]*at least 1 command/);
    const stranger = connect(`/exec/default/web/app?${q(["ls"])}`, ["v5.channel.k8s.io"], pki.jane);
    const status = await new Promise<number>((resolve) =>
      stranger.ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0)),
    );
    expect(status).toBe(403);
    const missingPod = await rawUpgrade(
      `/exec/default/nope/app?${q(["ls"])}`,
      "websocket",
      "v5.channel.k8s.io",
    );
    expect(missingPod).toMatch(/^HTTP\/1.1 404 /);
    expect(h.sim.countCalls({ operation: "containers.executeCommand" })).toBe(0);
  });
});

describe("kubectl attach", () => {
  it("streams the container's output from now on and ends when it stops", async () => {
    h = await startHarness(pki);
    seedPod(
      h.sim,
      "default",
      "job",
      [{ name: "main", image: "aci-sim/exit-0-after-900ms-log-every-100ms" }],
      {
        restartPolicy: "Never",
        startedAgoMs: 300,
      },
    );
    const s = connect("/attach/default/job/main?output=1", ["v5.channel.k8s.io"]);
    await s.closed;
    const out = (s.channels.get(1) ?? "").split("\n").filter(Boolean);
    expect(out.at(-1)).toBe("[aci-sim] main exited with code 0");
    expect(out).toContain("[aci-sim] main tick 8");
    expect(out.some((l) => l.includes("started"))).toBe(false);
    expect(s.status()?.status).toBe("Success");
    const withStdin = await rawUpgrade(
      "/attach/default/job/main?output=1&input=1",
      "websocket",
      "v5.channel.k8s.io",
    );
    expect(withStdin).toMatch(/^HTTP\/1.1 400 [\s\S]*attach is output-only/);
  });
});

/** Sends an upgrade request by hand and returns the raw response head and body. */
async function rawUpgrade(path: string, upgrade: string, protocol: string): Promise<string> {
  const tls = await import("node:tls");
  return new Promise((resolve, reject) => {
    const sock = tls.connect(
      {
        host: "127.0.0.1",
        port: h.kubelet.port,
        ca: pki.ca,
        cert: pki.apiServer.cert,
        key: pki.apiServer.key,
      },
      () => {
        sock.write(
          `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: ${upgrade}\r\n` +
            `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`,
        );
      },
    );
    let text = "";
    sock.on("data", (c: Buffer) => (text += c.toString("utf8")));
    sock.on("end", () => resolve(text));
    sock.on("close", () => resolve(text));
    sock.on("error", reject);
  });
}
