/**
 * docs/deploy.md step 4: `scripts/publish.mjs` runs exactly the command lines the doc shows, from the folder the
 * doc says, on a package without dev dependencies. `az` and `func` cannot be installed in CI, so they are
 * recording stand-ins on PATH: each writes its argv, its working directory and that folder's top-level entries.
 * What Azure does with the upload is not tested here (docs/deploy.md names the Microsoft Learn pages).
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, relative, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = resolve(__dirname, "../..");
const bin = mkdtempSync(join(tmpdir(), "aci-bridge-publish-bin-"));
// Inside the repository (.package/ is git-ignored) so the documented relative paths apply; not under
// node_modules, which may be a symlink into another checkout.
mkdirSync(join(root, ".package"), { recursive: true });
const out = mkdtempSync(join(root, ".package", "publish-test-"));
const log = join(bin, "calls.jsonl");
afterAll(() => {
  rmSync(bin, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
});

// A stand-in that records how it was called; `function list` answers like az does for a published app.
for (const tool of ["az", "func"]) {
  const path = join(bin, tool);
  writeFileSync(
    path,
    `#!/usr/bin/env node
const fs = require("node:fs");
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ tool: ${JSON.stringify(tool)}, argv: process.argv.slice(2), cwd: process.cwd(), entries: fs.readdirSync(process.cwd()).sort() }) + "\\n");
if (process.argv.includes("list")) process.stdout.write(process.env.FAKE_FUNCTIONS ?? "");
`,
  );
  chmodSync(path, 0o755);
}

interface Call {
  tool: string;
  argv: string[];
  cwd: string;
  entries: string[];
}

function publish(args: string[], functions = "my-app/podEvents\nmy-app/reconcile\n") {
  rmSync(log, { force: true });
  const r = spawnSync(
    process.execPath,
    [join(root, "scripts/publish.mjs"), "--no-build", "--no-install", "--out", out, ...args],
    {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH}`, FAKE_FUNCTIONS: functions },
      timeout: 120_000,
    },
  );
  const calls: Call[] = existsSync(log)
    ? readFileSync(log, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Call)
    : [];
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls };
}

/** The documented command lines, with the doc's variables and package folder filled in as the test runs them. */
function documented(prefix: string): string {
  const doc = readFileSync(join(root, "docs/deploy.md"), "utf8");
  const line = doc.split("\n").find((l) => l.startsWith(prefix));
  if (!line) throw new Error(`docs/deploy.md has no line starting with ${prefix}`);
  return line
    .replaceAll('"$RG"', "my-rg")
    .replaceAll('"$APP"', "my-app")
    .replaceAll(".package/", `${relative(root, out)}/`);
}

describe("scripts/publish.mjs (docs/deploy.md step 4)", () => {
  it("Azure CLI: zip deploy of the staged package, then checks both functions are indexed", () => {
    const run = publish(["--resource-group", "my-rg", "--app", "my-app"]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const [deploy, list] = run.calls;
    expect(run.calls).toHaveLength(2);
    expect(["az", ...deploy!.argv].join(" ")).toBe(
      documented("az functionapp deployment source config-zip "),
    );
    expect(deploy!.cwd).toBe(root);
    expect(list!.argv.slice(0, 3)).toEqual(["functionapp", "function", "list"]);
    expect(run.stdout).toContain("podEvents and reconcile are indexed in my-app");
  });

  it("Core Tools: runs from the staged folder with --javascript --no-build, never from the repository root", () => {
    const run = publish(["--resource-group", "my-rg", "--app", "my-app", "--with", "func"]);
    expect(run.status).toBe(0);
    const publishCall = run.calls.find((c) => c.tool === "func")!;
    const line = documented("(cd .package/app && func azure functionapp publish ");
    expect(line).toBe(`(cd ${relative(root, out)}/app && func ${publishCall.argv.join(" ")})`);
    expect(publishCall.cwd).toBe(join(out, "app"));
    // the folder Core Tools publishes: what the host loads, no sources, no tests, no dev tooling
    expect(publishCall.entries).toEqual(["dist", "host.json", "package-lock.json", "package.json"]);
    const pkg = JSON.parse(readFileSync(join(out, "app", "package.json"), "utf8")) as {
      scripts?: Record<string, string>;
    };
    expect(pkg.scripts?.prepare).toBeUndefined(); // nothing compiles during an install in Azure
  });

  it("fails with a clear message when the app does not list the functions", () => {
    const run = publish(["--resource-group", "my-rg", "--app", "my-app"], "my-app/podEvents\n");
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("does not list reconcile yet");
  });

  it("refuses to run without the app and resource group", () => {
    const run = publish(["--app", "my-app"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("--app and --resource-group are required");
    expect(run.calls).toEqual([]);
  });
});
