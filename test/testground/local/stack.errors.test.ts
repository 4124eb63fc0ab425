/** Errors that say what to do, before anything is started. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXIT_OK, EXIT_USAGE, HELP } from "../../../testground/local/main.js";
import { runCli } from "./stack.support.js";

const dir = mkdtempSync(join(tmpdir(), "aci-bridge-scenario-"));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe("local stack CLI errors", () => {
  it("--help lists the flags", async () => {
    const run = await runCli(["--help"]);
    expect(run.code).toBe(EXIT_OK);
    expect(run.stdout).toBe(HELP);
    for (const flag of [
      "--once",
      "--scenario",
      "--kubeconfig",
      "--subscription",
      "--resource-group",
      "--storage",
      "--expect-failed",
      "--fast",
    ]) {
      expect(HELP).toContain(flag);
    }
  });

  it("an unknown flag", async () => {
    const run = await runCli(["--onse"]);
    expect(run.code).toBe(EXIT_USAGE);
    expect(run.stderr).toMatch(/error: Unknown option '--onse'.*--help/);
  });

  it("bad YAML names the file, line and column", async () => {
    const path = file(
      "bad.yaml",
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: [\n- name: x\n",
    );
    const run = await runCli(["--once", "--scenario", path]);
    expect(run.code).toBe(EXIT_USAGE);
    expect(run.stderr).toMatch(/^error: .*bad\.yaml:\d+:\d+: invalid YAML: /);
    expect(run.stdout).toBe(""); // nothing was started
  });

  it("a kind the API fake cannot play names the document and the supported kinds", async () => {
    const path = file(
      "crd.yaml",
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n",
    );
    const run = await runCli(["--once", "--scenario", path]);
    expect(run.code).toBe(EXIT_USAGE);
    expect(run.stderr).toMatch(
      /crd\.yaml:6: kind Widget \(example\.com\/v1\) is not supported .* Supported: Pod, Deployment/,
    );
    expect(run.stderr).toContain("--kubeconfig");
  });

  it("a missing scenario file, a missing kubeconfig, half the Azure settings", async () => {
    expect((await runCli(["--scenario", join(dir, "nope.yaml")])).stderr).toContain("cannot read scenario");
    expect((await runCli(["--kubeconfig", join(dir, "nope")])).stderr).toContain("kubeconfig");
    const half = await runCli(["--subscription", "00000000-0000-0000-0000-000000000000"]);
    expect(half.code).toBe(EXIT_USAGE);
    expect(half.stderr).toContain("--resource-group");
  });

  it("a malformed --taint or --set value is refused before anything starts, with the reason", async () => {
    const taint = await runCli(["--once", "--taint", "azure.com/aci"]);
    expect(taint.code).toBe(EXIT_USAGE);
    expect(taint.stderr).toBe(
      `error: --taint "azure.com/aci": ACI_NODE_TAINT must look like key[=value]:NoSchedule\n`,
    );
    expect(taint.stdout).toBe("");
    const set = await runCli(["--once", "--set", "ACI_STATUS_FAST_SECONDS=soon"]);
    expect(set.code).toBe(EXIT_USAGE);
    expect(set.stderr).toContain("ACI_STATUS_FAST_SECONDS");
    expect(set.stdout).toBe("");
  });

  it("--local with a real backend flag is a contradiction", async () => {
    const run = await runCli(["--local", "--storage", "UseDevelopmentStorage=true"]);
    expect(run.code).toBe(EXIT_USAGE);
    expect(run.stderr).toContain("--local cannot be combined");
  });

  it("Azure variables are read only with --azure", async () => {
    const run = await runCli(["--azure"], { AZURE_SUBSCRIPTION_ID: "00000000-0000-0000-0000-000000000000" });
    expect(run.code).toBe(EXIT_USAGE);
    expect(run.stderr).toContain("ACI_RESOURCE_GROUP");
  });

  it("a port in use says which part and what to do", async () => {
    const { createServer } = await import("node:net");
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const run = await runCli(["--once", "--fast", "--azurite-port", String(port)]);
      expect(run.code).toBe(EXIT_USAGE);
      expect(run.stderr).toContain(`port ${port} is in use (Azurite)`);
      expect(run.stderr).toContain("--azurite-port 0");
    } finally {
      server.close();
    }
  });
});
