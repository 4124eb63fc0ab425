/**
 * `npm start -- --serve` with real kubectl (1.35 and 1.32, test/support/layerTools.ts), as a newcomer runs
 * it: the compiled CLI (dist/testground/local/main.js) with the API fake, then the kubectl commands the
 * README's "Try kubectl against the local stack" block lists, with the kubeconfig the `kubectl:` line names.
 * Each goes kubectl → the API fake's node proxy (testground/sim/kube/nodeProxy.ts, with the kubelet-client
 * certificate the fake's CA issued) → the stack's kubelet endpoint → the ACI simulator: the path a real API
 * server takes. The endpoint's log (--log-file) must show the sessions as the API server's client
 * (`kube-apiserver-kubelet-client`), so a broken proxy path fails here even if something else answered.
 * The metrics-server scrapes are in stack.serve.test.ts. The README and docs/local-stack.md must list
 * exactly the commands run here (`TRY`), so the documented ones are the tested ones.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { kubectlBinary, type LayerMinor } from "../../support/layerTools.js";

const ROOT = join(__dirname, "..", "..", "..");
/** The documented commands (after `kubectl `), `<pod>` a pod name. */
const TRY = {
  get: "get pods",
  logs: "logs <pod>",
  tail: "logs <pod> --tail=1",
  since: "logs <pod> --since=2s",
  previous: "logs <pod> --previous",
  follow: "logs -f <pod>",
  exec: "exec <pod> -- echo hi",
  exit3: "exec <pod> -- sh -c 'exit 3'",
  tty: "exec -it <pod> -- stty size",
  attach: "attach <pod>",
} as const;
/** A documented command's arguments for `pod` (single quotes group words, as the shell does). */
const argsOf = (cmd: string, pod: string): string[] =>
  [...cmd.matchAll(/'([^']*)'|(\S+)/g)].map((m) => (m[1] ?? m[2]!).replace("<pod>", pod));

const ENTRY = join(ROOT, "dist", "testground", "local", "main.js");
/** util-linux `script` (a pseudo-terminal for `exec -it`). */
const hasScript = spawnSync("script", ["--version"]).status === 0;

const dir = mkdtempSync(join(tmpdir(), "aci-bridge-stack-kubectl-"));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let kubeconfig = "";
const kubectlEnv = (spdy = false): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH ?? "",
  HOME: dir,
  ...(spdy ? { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: "false" } : {}),
});

function run(file: string, args: string[], spdy = false): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      { timeout: 20_000, env: kubectlEnv(spdy) },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end();
  });
}

const kubectl = (minor: LayerMinor, args: string[], spdy = false): Promise<Run> =>
  run(kubectlBinary(minor), ["--kubeconfig", kubeconfig, ...args], spdy);

/** A long-running kubectl (`logs -f`, `attach`): its stdout until `enough` holds, then SIGINT. */
async function streamUntil(
  minor: LayerMinor,
  args: string[],
  enough: (out: string) => boolean,
): Promise<{ out: string; endedByItself: boolean }> {
  const child = spawn(kubectlBinary(minor), ["--kubeconfig", kubeconfig, ...args], {
    env: kubectlEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (c: string) => (out += c));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  await expect
    .poll(() => enough(out) || child.exitCode !== null, { timeout: 15_000, interval: 100 })
    .toBe(true);
  const endedByItself = child.exitCode !== null;
  child.kill("SIGINT");
  await exited;
  return { out, endedByItself };
}

const ticks = (out: string): number => out.match(/^\[aci-sim\] aci-helloworld tick \d+$/gm)?.length ?? 0;

describe.skipIf(!existsSync(ENTRY))("npm start -- --serve with real kubectl through the API fake", () => {
  it("kubectl logs, logs -f, exec, attach and exec -it reach the kubelet endpoint; Ctrl+C exits 0", async () => {
    const logFile = join(dir, "stack.log");
    let out = "";
    const stack = spawn(
      process.execPath,
      [ENTRY, "--serve", "--fast", "--write-kubeconfig", join(dir, "kubeconfig"), "--log-file", logFile],
      // Not the developer's shell: a KUBECONFIG or Azure setting must not reach real backends.
      { cwd: ROOT, env: { PATH: process.env.PATH ?? "" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    children.push(stack);
    stack.stdout.setEncoding("utf8");
    stack.stderr.setEncoding("utf8");
    stack.stdout.on("data", (c: string) => (out += c));
    stack.stderr.on("data", (c: string) => (out += c));
    const exited = new Promise<number | null>((resolve) => stack.on("exit", (code) => resolve(code)));

    await expect
      .poll(() => /^kubectl: .*$/m.exec(out)?.[0], { timeout: 60_000, interval: 200 })
      .toBeDefined();
    // The hint follows the ready line, and names the kubeconfig written for kubectl.
    expect(out).toMatch(
      /^ready: node \S+ kubelet https:\/\/127\.0\.0\.1:\d+\nkubectl: kubectl --kubeconfig (\S+) get pods -A .*metrics-server token: kube-fake-token-system:serviceaccount:kube-system:metrics-server/m,
    );
    kubeconfig = /^kubectl: kubectl --kubeconfig (\S+) /m.exec(out)![1]!;
    expect(kubeconfig).toBe(join(dir, "kubeconfig"));

    // A Running pod of the default scenario, found the way a newcomer would.
    let pod = "";
    await expect
      .poll(
        async () => {
          const r = await kubectl(35, [
            "get",
            "pods",
            "-o",
            'jsonpath={range .items[?(@.status.phase=="Running")]}{.metadata.name}{"\\n"}{end}',
          ]);
          pod = r.stdout.split("\n")[0] ?? "";
          return pod;
        },
        { timeout: 30_000, interval: 300 },
      )
      .toMatch(/^aci-helloworld-/);

    // kubectl logs, with the options the kubelet endpoint maps onto ACI's log API.
    const listed = await kubectl(35, argsOf(TRY.get, pod));
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(pod);

    const logs = await kubectl(35, argsOf(TRY.logs, pod));
    expect(logs.stderr).toBe("");
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/^\[aci-sim\] aci-helloworld started: microsoft\/aci-helloworld\n/);
    const tail = await kubectl(35, argsOf(TRY.tail, pod));
    expect(tail.stdout).toMatch(/^\[aci-sim\] aci-helloworld tick \d+\n$/);
    const previous = await kubectl(35, argsOf(TRY.previous, pod));
    expect(previous.code).toBe(1);
    expect(previous.stderr).toContain(
      `Error from server (BadRequest): previous terminated container "aci-helloworld" in pod "${pod}" not found`,
    );

    // kubectl logs -f: the log so far, then new lines as ACI writes them (one a second), until Ctrl+C.
    const before = ticks(logs.stdout);
    const followed = await streamUntil(35, argsOf(TRY.follow, pod), (o) => ticks(o) >= before + 2);
    expect(followed.endedByItself).toBe(false);
    expect(ticks(followed.out)).toBeGreaterThanOrEqual(before + 2);

    // kubectl exec: WebSocket (kubectl's default) and SPDY/3.1; the exit code comes back.
    expect(await kubectl(35, argsOf(TRY.exec, pod))).toEqual({ code: 0, stdout: "hi\n", stderr: "" });
    expect(await kubectl(35, argsOf(TRY.exec, pod), true)).toEqual({
      code: 0,
      stdout: "hi\n",
      stderr: "",
    });
    const exit3 = await kubectl(35, argsOf(TRY.exit3, pod));
    expect(exit3.code).toBe(3);
    expect(exit3.stderr).toContain("command terminated with exit code 3");

    // kubectl attach: the container's output as it is written.
    const attached = await streamUntil(35, argsOf(TRY.attach, pod), (o) => ticks(o) >= 1);
    expect(attached.endedByItself).toBe(false);
    expect(ticks(attached.out)).toBeGreaterThanOrEqual(1);

    // --since: ACI's timestamps filtered by the endpoint; the pod started well over 2 s ago (logs -f alone
    // waited for two more lines), ticks come once a second.
    const since = (await kubectl(35, argsOf(TRY.since, pod))).stdout.trim().split("\n");
    expect(since.length).toBeGreaterThanOrEqual(1);
    expect(since.length).toBeLessThanOrEqual(4);
    expect(since.every((l) => /^\[aci-sim\] aci-helloworld tick \d+$/.test(l))).toBe(true);

    // kubectl 1.32 (the oldest kubectl the bridge claims): logs and exec.
    expect((await kubectl(32, argsOf(TRY.tail, pod))).stdout).toMatch(/tick \d+\n$/);
    expect(await kubectl(32, argsOf(TRY.exec, pod))).toEqual({ code: 0, stdout: "hi\n", stderr: "" });

    // The log file is appended asynchronously: read it once the sessions above are over.
    const events = (): Array<Record<string, unknown>> =>
      readFileSync(logFile, "utf8")
        .split("\n")
        .filter((l) => l.startsWith("[watcher] {"))
        .map((l) => JSON.parse(l.slice("[watcher] ".length)) as Record<string, unknown>);
    const sessions = (kind: string) =>
      events().filter(
        (e) => e.event === "kubelet.stream.started" && e.kind === kind && e.pod === `default/${pod}`,
      );
    await expect.poll(() => sessions("exec").length, { timeout: 5_000 }).toBeGreaterThanOrEqual(4);
    expect(sessions("attach")).toHaveLength(1);
    expect(new Set([...sessions("exec"), ...sessions("attach")].map((e) => e.user))).toEqual(
      new Set(["kube-apiserver-kubelet-client"]),
    );
    expect(
      events().some((e) => e.event === "kubelet.logs.follow.started" && e.pod === `default/${pod}`),
    ).toBe(true);

    if (hasScript) {
      // exec -it needs a terminal on kubectl's side: util-linux `script` gives it one (40x100).
      const cmd = `stty rows 40 cols 100; exec ${kubectlBinary(35)} --kubeconfig ${kubeconfig} ${TRY.tty.replace("<pod>", pod)}`;
      const tty = await run("script", ["-qec", cmd, "/dev/null"]);
      expect(tty.stdout).toContain("40 100");
      expect(tty.code).toBe(0);
    } else {
      console.warn(
        "skipped kubectl exec -it: util-linux `script` is not installed (it provides the terminal)",
      );
    }

    stack.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(out.match(/^ready: /gm)).toHaveLength(1);
    expect(out.match(/^kubectl: /gm)).toHaveLength(1);
    expect(out).toContain("OK: deleted cleanly");
  }, 90_000);
});

describe("the README's and docs/local-stack.md's \"Try kubectl against the local stack\" blocks", () => {
  it.each(["README.md", join("docs", "local-stack.md")])(
    "%s lists the commands run above, and only those",
    (file) => {
      const text = readFileSync(join(ROOT, file), "utf8");
      const at = text.indexOf("Try kubectl against the local stack");
      const block = /```bash\n([\s\S]*?)```/.exec(text.slice(at))?.[1] ?? "";
      const kubectlLines = block
        .split("\n")
        .map((l) => l.replace(/\s+#.*$/, "").trim())
        .filter((l) => l.startsWith("kubectl "));
      expect(kubectlLines).toEqual(Object.values(TRY).map((c) => `kubectl ${c}`));
      expect(block).toMatch(/^npm start -- --serve\s/m);
      expect(block).toContain("export KUBECONFIG=$PWD/.local/kubeconfig");
    },
  );
});
