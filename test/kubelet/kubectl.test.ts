/**
 * Real kubectl (1.35 and 1.32, from the npm layer packages: test/support/layerTools.ts) end to end:
 * kubectl → the Kubernetes API fake (its node proxy, testground/sim/kube/nodeProxy.ts, splicing upgrades to the pod's
 * node over HTTPS with the kubelet-client certificate) → the kubelet endpoint → the ACI simulator.
 * `KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false` makes kubectl speak SPDY/3.1; by default it speaks WebSocket
 * (v5) and the fake passes that through too. `-t` needs a terminal on kubectl's side, so TTY and resize are
 * tested at the protocol level (spdyExec.test.ts).
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectlBinary, type LayerMinor } from "../support/layerTools.js";
import { makeTestPki, type TestPki } from "./support/certs.js";
import { NODE, seedPod, startHarness, type Harness } from "./support/harness.js";

/** util-linux `script` (a pseudo-terminal for `exec -it`); the TTY cases are skipped without it. */
const hasScript = spawnSync("script", ["--version"]).status === 0;

let pki: TestPki;
let h: Harness;
let dir: string;

beforeAll(async () => {
  pki = makeTestPki();
  h = await startHarness(pki, { proxied: true });
  for (const [name, image] of [
    ["web", "aci-sim/logger-log-every-100ms"],
    ["job", "aci-sim/exit-0-after-1500ms-log-every-100ms"],
  ] as const) {
    h.kube.createPod(
      { metadata: { name, namespace: "default" }, spec: { containers: [{ name: "app", image }] } },
      { nodeName: NODE },
    );
    h.kube.updatePodStatus("default", name, { phase: "Running" });
  }
  seedPod(h.sim, "default", "web", [{ name: "app", image: "aci-sim/logger-log-every-100ms" }], {
    startedAgoMs: 1000,
  });
  dir = mkdtempSync(join(tmpdir(), "aci-bridge-kubectl-"));
  writeFileSync(join(dir, "kubeconfig"), h.kube.kubeconfigYaml());
}, 60_000);

afterAll(async () => {
  await h?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function kubectl(
  minor: LayerMinor,
  args: string[],
  o: { spdy?: boolean; stdin?: string } = {},
): Promise<Run> {
  return run(kubectlBinary(minor), args, o);
}

function run(file: string, args: string[], o: { spdy?: boolean; stdin?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      {
        timeout: 20_000,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: dir,
          KUBECONFIG: join(dir, "kubeconfig"),
          ...(o.spdy ? { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: "false" } : {}),
        },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (o.stdin !== undefined) child.stdin?.end(o.stdin);
    else child.stdin?.end();
  });
}

const upgrades = (sub: string): string[] =>
  h.kube.calls.filter((c) => c.status === 101 && c.path.includes(`/${sub}?`)).map((c) => c.path);

describe.each([35, 32] as const)("kubectl 1.%i through the API fake", (minor) => {
  it("logs", async () => {
    const r = await kubectl(minor, ["logs", "web", "--tail=2"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split("\n")).toHaveLength(2);
    expect(r.stdout).toMatch(/\[aci-sim\] app tick \d+/);
  });

  it.each([
    ["SPDY/3.1", true],
    ["WebSocket", false],
  ])("exec -- echo hi over %s", async (name, spdy) => {
    const ended = (): Array<Record<string, unknown>> =>
      h.logger.lines.filter((l) => l.event === "kubelet.stream.ended").map((l) => l.fields);
    const before = ended().length;
    const r = await kubectl(minor, ["exec", "web", "--", "echo", "hi"], { spdy });
    expect(r).toEqual({ code: 0, stdout: "hi\n", stderr: "" });
    expect(ended()).toHaveLength(before + 1);
    // kubectl's SPDY executor offers v5 first (served as v4); its WebSocket one negotiates v5.
    expect(ended().at(-1)?.protocol).toBe(`${name} v5.channel.k8s.io`);
  });

  it.each([
    ["SPDY/3.1", true],
    ["WebSocket", false],
  ])("exec propagates the exit code over %s", async (_name, spdy) => {
    const r = await kubectl(minor, ["exec", "web", "--", "sh", "-c", "echo bye; exit 3"], { spdy });
    expect(r.stdout).toBe("bye\n");
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/command terminated with exit code 3/);
  });

  it("exec -i passes stdin and ends it (SPDY/3.1)", async () => {
    const r = await kubectl(minor, ["exec", "-i", "web", "--", "cat"], { spdy: true, stdin: "one\ntwo\n" });
    expect(r).toEqual({ code: 0, stdout: "one\ntwo\n", stderr: "" });
  });

  it.skipIf(!hasScript).each([
    ["SPDY/3.1", true],
    ["WebSocket", false],
  ])("exec -it in a pseudo-terminal starts at kubectl's terminal size over %s", async (_name, spdy) => {
    // util-linux `script` gives kubectl a terminal (40x100); kubectl sends it as the first resize.
    const cmd = `stty rows 40 cols 100; exec ${kubectlBinary(minor)} exec -it web -- stty size`;
    const r = await run("script", ["-qec", cmd, "/dev/null"], { spdy });
    expect(r.stdout).toContain("40 100");
    expect(r.code).toBe(0);
  });

  it("attach streams the output until the container stops (SPDY/3.1)", async () => {
    seedPod(
      h.sim,
      "default",
      "job",
      [{ name: "app", image: "aci-sim/exit-0-after-1500ms-log-every-100ms" }],
      {
        restartPolicy: "Never",
        startedAgoMs: 300,
      },
    );
    const r = await kubectl(minor, ["attach", "job"], { spdy: true });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines.at(-1)).toBe("[aci-sim] app exited with code 0");
    expect(lines).toContain("[aci-sim] app tick 12");
  });
});

it("the SPDY sessions went through the fake's node proxy as upgrades", () => {
  expect(upgrades("exec").length).toBeGreaterThanOrEqual(8);
  expect(upgrades("attach").length).toBe(2);
});
