/** `--serve`, `--node-address`, `--kubelet-port`, `--write-kubeconfig`: parsing, usage errors, and the planned-backends line. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { describePlannedBackends, kubectlHint, parseCli } from "../../../testground/local/main.js";
import { repoPath } from "../../../testground/local/stack.js";

const kubeconfig = join(mkdtempSync(join(tmpdir(), "serve-cli-")), "config");
writeFileSync(kubeconfig, "apiVersion: v1\nkind: Config\n");

const parsed = (argv: string[]) => {
  const p = parseCli(argv, {});
  if (p === "help") throw new Error("help");
  return p;
};

describe("kubelet endpoint flags", () => {
  it("runs the endpoint only with --serve; with the API fake on 127.0.0.1 and any free port", () => {
    expect(parsed([]).options.kubelet).toBeUndefined();
    expect(parsed(["--serve"]).options.kubelet).toEqual({ address: "127.0.0.1", port: 0, portChosen: false });
    const serve = parsed(["--serve", "--kubelet-port", "11250", "--node-address", "10.0.0.5"]);
    expect(serve.serve).toBe(true);
    expect(serve.options.kubelet).toEqual({ address: "10.0.0.5", port: 11250, portChosen: true });
    expect(describePlannedBackends(serve.options, {})).toContain(
      "kubelet endpoint: https://10.0.0.5:11250 (node InternalIP 10.0.0.5)",
    );
  });

  it("with --kubeconfig: only with --serve, port 10250 by default", () => {
    expect(parsed(["--kubeconfig", kubeconfig]).options.kubelet).toBeUndefined();
    expect(parsed(["--kubeconfig", kubeconfig, "--serve"]).options.kubelet).toEqual({
      address: "127.0.0.1",
      port: 10250,
      portChosen: false,
    });
  });

  it("with --serve and the API fake: a kubeconfig for kubectl, .local/kubeconfig in the repository by default", () => {
    expect(parsed(["--serve"]).kubeconfigOut).toBe(repoPath(".local", "kubeconfig"));
    expect(parsed(["--serve", "--write-kubeconfig", "kc"]).kubeconfigOut).toBe(resolve("kc"));
    expect(parsed([]).kubeconfigOut).toBeUndefined();
    expect(parsed(["--kubeconfig", kubeconfig, "--serve"]).kubeconfigOut).toBeUndefined();
    expect(kubectlHint(".local/kubeconfig")).toBe(
      "kubectl: kubectl --kubeconfig .local/kubeconfig get pods -A (then kubectl logs/exec/attach; " +
        "metrics-server token: kube-fake-token-system:serviceaccount:kube-system:metrics-server)",
    );
  });

  it.each([
    [["--write-kubeconfig", "kc"], /--write-kubeconfig needs --serve and the API fake/],
    [["--kubeconfig", kubeconfig, "--serve", "--write-kubeconfig", "kc"], /--write-kubeconfig needs/],
    [["--serve", "--once"], /--serve and --once exclude each other/],
    [["--serve", "--node-address", "localhost"], /--node-address must be an IP address/],
    [["--serve", "--kubelet-port", "70000"], /--kubelet-port must be a TCP port/],
    [["--serve", "--kubelet-port", "x"], /--kubelet-port must be a TCP port/],
    [["--kubeconfig", kubeconfig, "--kubelet-port", "10250"], /need --serve/],
    [["--node-address", "127.0.0.1"], /need --serve/],
  ])("refuses %j", (argv, message) => {
    expect(() => parseCli(argv, {})).toThrow(message);
  });
});
