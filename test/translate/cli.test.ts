/**
 * The dry-run CLI through its `main` (injected streams and files), plus one spawn of bin/aci-bridge.js on the
 * compiled output to prove the shim works from a build.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { FIXTURES } from "./harness.js";

const ROOT = join(__dirname, "..", "..");

async function cli(
  args: string[],
  files: Record<string, string> = {},
  env: Record<string, string> = {},
  stdin = "",
) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const fixture = (name: string) => readFileSync(join(FIXTURES, name), "utf8");
  const code = await main(args, env, {
    stdout: (t) => stdout.push(t),
    stderr: (t) => stderr.push(t),
    readStdin: async () => stdin,
    readFile: async (p) => {
      if (p in files) return files[p]!;
      if (p.startsWith("fixtures/")) return fixture(p.slice("fixtures/".length));
      throw Object.assign(new Error("nope"), { code: "ENOENT" });
    },
  });
  return { code, stdout: stdout.join(""), stderr: stderr.join("") };
}

describe("aci-bridge translate", () => {
  it("prints the ARM request body for the article's Deployment (nested properties, env settings)", async () => {
    const r = await cli(
      ["translate", "-f", "fixtures/aci-helloworld-deployment.yaml"],
      {},
      { ACI_REGION: "westus", ACI_BRIDGE_CLUSTER_NAME: "aks1" },
    );
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      name: string;
      containerGroup: {
        location: string;
        tags: Record<string, string>;
        properties: {
          containers: { name: string; properties: { image: string } }[];
          volumes: { secret: Record<string, string> }[];
        };
      };
    };
    expect(out.name).toMatch(/^default-aci-helloworld-[b-z2-9]{10}-[b-z2-9]{5}$/);
    expect(out.containerGroup.location).toBe("westus");
    expect(out.containerGroup.tags["aci-bridge.cluster"]).toBe("aks1");
    expect(out.containerGroup.properties.containers[0]).toMatchObject({
      name: "aci-helloworld",
      properties: { image: "microsoft/aci-helloworld" },
    });
    expect(out.containerGroup.properties.volumes[0]?.secret).toEqual({
      token: "***",
      "ca.crt": "***",
      namespace: "***",
    });
    expect(r.stderr).toContain("warning: default/aci-helloworld-");
    // deterministic
    expect(
      (
        await cli(
          ["translate", "-f", "fixtures/aci-helloworld-deployment.yaml"],
          {},
          { ACI_REGION: "westus", ACI_BRIDGE_CLUSTER_NAME: "aks1" },
        )
      ).stdout,
    ).toBe(r.stdout);
  });

  it("flags override env; masks secrets from --resources; multi-doc gives an array", async () => {
    const pods = `${readFileSync(join(FIXTURES, "job-pi.yaml"), "utf8")}\n---\n${readFileSync(join(FIXTURES, "secret-env.yaml"), "utf8").split("---")[0]}`;
    const resources = readFileSync(join(FIXTURES, "secret-env.yaml"), "utf8")
      .split("---")
      .slice(1)
      .join("---");
    const r = await cli(
      [
        "translate",
        "-f",
        "-",
        "--resources",
        "res.yaml",
        "--region",
        "northeurope",
        "--subnet",
        "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v/subnets/a",
        "--no-admission-defaults",
      ],
      { "res.yaml": resources },
      { ACI_REGION: "eastus" },
      pods,
    );
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      name: string;
      containerGroup: { location: string; properties: Record<string, unknown> };
    }[];
    expect(out.map((o) => o.name)).toEqual([expect.stringMatching(/^default-pi-[b-z2-9]{5}$/), "prod-api"]);
    expect(out[0]?.containerGroup.location).toBe("northeurope");
    expect(out[1]?.containerGroup.properties["subnetIds"]).toEqual([
      { id: "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v/subnets/a" },
    ]);
    expect(r.stdout).not.toContain("S3CRET");
    expect(r.stdout).toContain('"secureValue": "***"');
    expect(out[1]?.containerGroup.properties["volumes"]).toBeUndefined();
  });

  it("exits 2 with one line naming the field and prints nothing on stdout for a pod that cannot run", async () => {
    const r = await cli(["translate", "-f", "fixtures/hostpath-volume.yaml"]);
    expect(r).toEqual({
      code: 2,
      stdout: "",
      stderr:
        "error: default/node-logs: UnsupportedPodSpec: spec.volumes[0].hostPath: ACI has no host filesystem\n",
    });
  });

  it("exits 1 for usage and file errors", async () => {
    expect((await cli([])).code).toBe(1);
    expect((await cli(["translate"])).stderr).toContain("-f <file> is required");
    const missing = await cli(["translate", "-f", "nope.yaml"]);
    expect(missing).toMatchObject({ code: 1, stdout: "", stderr: "error: cannot read nope.yaml: ENOENT\n" });
    const bad = await cli(["translate", "-f", "bad.yaml"], { "bad.yaml": "kind: [unclosed" });
    expect(bad.code).toBe(1);
    expect(
      (
        await cli(["translate", "-f", "x.yaml", "--os", "Solaris"], {
          "x.yaml": "kind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: a, image: b}]}\n",
        })
      ).stderr,
    ).toContain("ACI_NODE_OS must be one of Linux, Windows");
    expect((await cli(["--help"])).stdout).toContain("Usage: aci-bridge translate");
  });

  it("runs as bin/aci-bridge.js from a build", () => {
    // tsc emits even when unrelated files in the tree have type errors; the shim only needs dist/cli.
    spawnSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: ROOT, stdio: "ignore" });
    const ok = spawnSync("node", ["bin/aci-bridge.js", "translate", "-f", join(FIXTURES, "job-pi.yaml")], {
      cwd: ROOT,
      encoding: "utf8",
      env: { PATH: process.env["PATH"] },
    });
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      containerGroup: { properties: { restartPolicy: "Never" } },
    });
    const fail = spawnSync("node", ["bin/aci-bridge.js", "translate", "-f", "-"], {
      cwd: ROOT,
      encoding: "utf8",
      input: readFileSync(join(FIXTURES, "privileged.yaml")),
    });
    expect(fail.status).toBe(2);
    expect(fail.stdout).toBe("");
    expect(fail.stderr.trim().split("\n")).toHaveLength(1);
  }, 120_000);
});
