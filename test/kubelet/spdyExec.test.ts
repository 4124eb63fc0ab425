/**
 * `kubectl exec` / `attach` over SPDY/3.1 at the protocol level: a SPDY client doing what client-go's
 * executor does (support/spdyClient.ts) over TLS with the API server's client certificate, the kubelet
 * endpoint bridging to the ACI simulator. Negotiation, the expected streams, stdin and its FIN, TTY resize,
 * exit codes, v3's plain-text errors, the client leaving, attach, ping, and the stream-creation timeout.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { controlFrame, TYPE } from "../../lib/kubelet/spdy.js";
import { makeTestPki, type TestPki } from "./support/certs.js";
import { seedPod, startHarness, type Harness } from "./support/harness.js";
import { spdyConnect, type SpdyTestClient } from "./support/spdyClient.js";

let pki: TestPki;
let h: Harness;

beforeAll(() => {
  pki = makeTestPki();
});

afterEach(async () => {
  await h?.close();
});

async function withPod(streams: Parameters<typeof startHarness>[1] = {}): Promise<void> {
  h = await startHarness(pki, { streams: { closeWaitMs: 300 }, ...streams });
  seedPod(h.sim, "default", "web", [{ name: "app", image: "aci-sim/logger-log-every-100ms" }]);
}

const q = (cmd: string[], extra: string): string =>
  `${cmd.map((c) => `command=${encodeURIComponent(c)}`).join("&")}&${extra}`;

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function exec(
  cmd: string[],
  extra: string,
  streams: string[],
  protocols = ["v4.channel.k8s.io"],
): Promise<SpdyTestClient> {
  const c = await spdyConnect(h.kubelet.port, pki, `/exec/default/web/app?${q(cmd, extra)}`, protocols);
  expect(c.status).toBe(101);
  for (const s of streams) await c.open(s);
  return c;
}

const status = (c: SpdyTestClient): Record<string, unknown> =>
  JSON.parse(c.data.get("error") ?? "null") as Record<string, unknown>;

describe("exec over SPDY/3.1", () => {
  it("negotiates v4, runs the command, then status, FIN on every stream, GOAWAY and close", async () => {
    await withPod();
    const c = await exec(["echo", "hi"], "output=1&error=1", ["error", "stdout", "stderr"]);
    expect(c.head).toMatch(/\r\nUpgrade: SPDY\/3\.1\r\n/);
    expect(c.head).toMatch(/\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n/);
    await c.closed; // the endpoint closes closeWaitMs after GOAWAY when the client does not
    expect(c.data.get("stdout")).toBe("hi\n");
    expect(status(c)).toEqual({ metadata: {}, status: "Success" });
    expect([...c.fins].sort()).toEqual(["error", "stderr", "stdout"]);
    expect(c.control.filter((t) => t === "synReply")).toHaveLength(3);
    expect(c.control.at(-1)).toBe("goAway");
    const ended = h.logger.lines.find((l) => l.event === "kubelet.stream.ended");
    expect(ended?.fields.protocol).toBe("SPDY/3.1 v4.channel.k8s.io");
  });

  it("takes the first version the client lists that it serves", async () => {
    await withPod();
    const c = await spdyConnect(h.kubelet.port, pki, `/exec/default/web/app?${q(["ls"], "output=1")}`, [
      "v9.channel.k8s.io, v3.channel.k8s.io",
      "v4.channel.k8s.io",
    ]);
    expect(c.head).toMatch(/X-Stream-Protocol-Version: v3.channel.k8s.io/);
    c.destroy();
  });

  it("refuses without a common version (403) or without any (400), before calling ACI", async () => {
    await withPod();
    const none = await spdyConnect(h.kubelet.port, pki, `/exec/default/web/app?${q(["ls"], "output=1")}`, [
      "channel.k8s.io",
    ]);
    await none.closed;
    expect(none.status).toBe(403);
    expect(none.head).toMatch(
      /X-Accepted-Stream-Protocol-Versions: v5.channel.k8s.io, v4.channel.k8s.io, v3/,
    );
    expect(none.body).toBe(
      "unable to upgrade: unable to negotiate protocol: client supports [channel.k8s.io], server accepts [v5.channel.k8s.io v4.channel.k8s.io v3.channel.k8s.io v2.channel.k8s.io]",
    );
    const missing = await spdyConnect(
      h.kubelet.port,
      pki,
      `/exec/default/web/app?${q(["ls"], "output=1")}`,
      [],
    );
    await missing.closed;
    expect(missing.status).toBe(400);
    expect(missing.body).toMatch(/X-Stream-Protocol-Version is required/);
    expect(h.sim.countCalls({ operation: "containers.executeCommand" })).toBe(0);
  });

  it("reports a non-zero exit code as NonZeroExitCode (v4) and as text (v3)", async () => {
    await withPod();
    const v4 = await exec(["sh", "-c", "echo bye; exit 3"], "output=1&error=1", [
      "error",
      "stdout",
      "stderr",
    ]);
    await v4.closed;
    expect(v4.data.get("stdout")).toBe("bye\n");
    expect(status(v4)).toMatchObject({
      status: "Failure",
      reason: "NonZeroExitCode",
      details: { causes: [{ reason: "ExitCode", message: "3" }] },
    });
    const v3 = await exec(["sh", "-c", "exit 3"], "output=1", ["error", "stdout"], ["v3.channel.k8s.io"]);
    await v3.closed;
    expect(v3.data.get("error")).toBe(
      "command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3",
    );
    const ok = await exec(["echo"], "output=1", ["error", "stdout"], ["v3.channel.k8s.io"]);
    await ok.closed;
    expect(ok.data.get("error") ?? "").toBe(""); // v2/v3 write nothing on success
  });

  it("passes stdin through and ends it on the stdin stream's FIN", async () => {
    await withPod();
    const c = await exec(["cat"], "input=1&output=1", ["error", "stdin", "stdout"]);
    c.send("stdin", "line one\n");
    c.send("stdin", "line two\n", true);
    await c.closed;
    expect(c.data.get("stdout")).toBe("line one\nline two\n");
    expect(status(c).status).toBe("Success");
    expect(c.fins.has("stdin")).toBe(true); // client-go waits for the server's end of stdin too
  });

  it("TTY: waits for the resize stream, starts at the first size (JSON split across frames), ignores later ones", async () => {
    await withPod();
    const c = await exec(["stty", "size"], "input=1&output=1&tty=1", ["error", "stdin", "stdout", "resize"]);
    c.send("resize", '{"Width":100,');
    c.send("resize", '"Height":40}\n{"Width":120,"Height":50}\n');
    await c.closed;
    expect(c.data.get("stdout")).toBe("40 100\n");
    expect(status(c).status).toBe("Success");
  });

  it("v2 with a TTY expects no resize stream", async () => {
    await withPod();
    const c = await exec(
      ["stty", "size"],
      "input=1&output=1&tty=1",
      ["error", "stdin", "stdout"],
      ["v2.channel.k8s.io"],
    );
    await c.closed;
    expect(c.data.get("stdout")).toBe("60 120\n"); // no size: azure-aci's default terminal
  });

  it("a client that leaves mid-session ends the ACI session", async () => {
    await withPod();
    const c = await exec(["cat"], "input=1&output=1", ["error", "stdin", "stdout"]);
    c.send("stdin", "partial\n"); // the simulator's cat answers at end of input: there is none
    await until(() => h.sim.countCalls({ operation: "containers.executeCommand" }) === 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(h.logger.lines.some((l) => l.event === "kubelet.stream.ended")).toBe(false);
    c.destroy();
    await until(() => h.logger.lines.some((l) => l.event === "kubelet.stream.ended"));
    expect(h.sim.countCalls({ operation: "containers.executeCommand" })).toBe(1);
  });

  it("a client GOAWAY mid-session ends it and the endpoint closes the connection", async () => {
    await withPod();
    const c = await exec(["cat"], "input=1&output=1", ["error", "stdin", "stdout"]);
    await until(() => h.sim.countCalls({ operation: "containers.executeCommand" }) === 1);
    await new Promise((r) => setTimeout(r, 200));
    c.raw(controlFrame(TYPE.goAway, 0, Buffer.alloc(8)));
    await c.closed;
    await until(() => h.logger.lines.some((l) => l.event === "kubelet.stream.ended"));
    expect(c.data.get("error") ?? "").toBe(""); // nobody left to read a status
  });

  it("echoes the client's pings", async () => {
    await withPod();
    const c = await exec(["cat"], "input=1&output=1", ["error", "stdin", "stdout"]);
    c.ping(1);
    await until(() => c.control.includes("ping"));
    c.send("stdin", "", true);
    await c.closed;
  });

  it("closes the connection when the client does not open its streams in time", async () => {
    await withPod({ streams: { streamCreationTimeoutMs: 300, closeWaitMs: 100 } });
    const c = await exec(["echo", "hi"], "output=1&error=1", ["error"]);
    await c.closed;
    expect(c.control.at(-1)).toBe("goAway");
    const failed = h.logger.lines.find((l) => l.event === "kubelet.stream.failed");
    expect(failed?.fields.error).toBe("timed out waiting for client to create streams");
    expect(h.sim.countCalls({ operation: "containers.executeCommand" })).toBe(0);
  });
});

describe("attach over SPDY/3.1", () => {
  it("streams the container's output until it stops, then Success", async () => {
    h = await startHarness(pki, { streams: { closeWaitMs: 300 } });
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
    const c = await spdyConnect(h.kubelet.port, pki, "/attach/default/job/main?output=1&error=1", [
      "v5.channel.k8s.io",
      "v4.channel.k8s.io",
    ]);
    expect(c.head).toMatch(/X-Stream-Protocol-Version: v5.channel.k8s.io/);
    await c.open("error");
    await c.open("stdout");
    await c.open("stderr");
    await c.closed;
    const out = (c.data.get("stdout") ?? "").split("\n").filter(Boolean);
    expect(out.at(-1)).toBe("[aci-sim] main exited with code 0");
    expect(status(c)).toEqual({ metadata: {}, status: "Success" });
  });
});
