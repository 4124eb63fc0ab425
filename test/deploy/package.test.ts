/**
 * scripts/package.mjs: the deployment zip holds what the Functions host loads (host.json, package.json "main"
 * files, dist/lib, production node_modules) and nothing else (.funcignore, dev dependencies, tests, sources).
 * The fixture case is fast and always runs; the real case packages this repository's build output with a real
 * `npm ci --omit=dev` (needs `npm run build` first, as `npm test` does).
 */
import { spawnSync } from "node:child_process";
import { builtinModules } from "node:module";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, posix, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readZip } from "../../scripts/lib/zip.mjs";
import { createIgnoreMatcher } from "../../scripts/lib/ignore.mjs";

const root = resolve(__dirname, "../..");
const script = join(root, "scripts/package.mjs");
const temps: string[] = [];
afterAll(() => temps.forEach((t) => rmSync(t, { recursive: true, force: true })));

function temp(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

function write(base: string, path: string, text: string): void {
  mkdirSync(dirname(join(base, path)), { recursive: true });
  writeFileSync(join(base, path), text);
}

function runPackage(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [script, ...args], { encoding: "utf8", timeout: 110_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe(".funcignore matcher", () => {
  const ignored = createIgnoreMatcher(readFileSync(join(root, ".funcignore"), "utf8"));

  it.each([
    ["test/deploy/bicep.test.ts", false, true],
    ["local.settings.json", false, true],
    ["functions/podEvents.ts", false, true],
    ["dist/functions/podEvents.js.map", false, true],
    ["dist/testground", true, true],
    ["dist/watcher", true, true],
    ["charts", true, true],
    ["deploy", true, true],
    ["__azurite_db_queue__.json", false, true],
    ["node_modules/@kubernetes/client-node/dist/index.d.ts", false, true],
    ["README.md", false, true],
  ])("ignores %s", (path, isDir, expected) => {
    expect(ignored(path, isDir)).toBe(expected);
  });

  it.each([
    ["host.json", false],
    ["package.json", false],
    ["dist/functions/podEvents.js", false],
    ["dist/lib", true],
    ["dist/lib/config.js", false],
    // Root-anchored patterns must not hit same-named folders inside dependencies.
    ["node_modules/yaml/dist/index.js", false],
    ["node_modules/some-pkg/lib", true],
    ["node_modules/some-pkg/bin", true],
    ["node_modules/some-pkg/test", true],
  ])("keeps %s", (path, isDir) => {
    expect(ignored(path, isDir)).toBe(false);
  });
});

describe("scripts/package.mjs on a fixture project (--no-install)", () => {
  it("zips exactly host.json, package files, dist/functions and dist/lib, honouring .funcignore", () => {
    const project = temp("aci-bridge-pkg-fixture-");
    cpSync(join(root, ".funcignore"), join(project, ".funcignore"));
    write(project, "host.json", '{"version":"2.0"}');
    write(project, "package.json", JSON.stringify({ name: "fixture", main: "dist/functions/*.js" }));
    write(
      project,
      "package-lock.json",
      JSON.stringify({ name: "fixture", lockfileVersion: 3, packages: {} }),
    );
    write(project, "dist/functions/podEvents.js", "module.exports = {};");
    write(project, "dist/functions/podEvents.js.map", "{}");
    write(project, "dist/functions/reconcile.js", "module.exports = {};");
    write(project, "dist/lib/config.js", "module.exports = {};");
    write(project, "dist/testground/sim/aci.js", "module.exports = {};");
    write(project, "test/x.test.ts", "");
    write(project, "local.settings.json", "{}");

    const result = runPackage(["--root", project, "--no-build", "--no-install"]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/package: 6 files, [\d.]+ MB unpacked, [\d.]+ MB zipped/);

    const zip = readZip(readFileSync(join(project, ".package/aci-bridge-functions.zip")));
    expect(zip.map((e) => e.name).sort()).toEqual([
      "dist/functions/podEvents.js",
      "dist/functions/reconcile.js",
      "dist/lib/config.js",
      "host.json",
      "package-lock.json",
      "package.json",
    ]);
    expect(
      zip
        .find((e) => e.name === "host.json")!
        .read()
        .toString(),
    ).toBe('{"version":"2.0"}');
    // The staged folder matches the zip (so `func azure functionapp publish` from it ships the same).
    expect(existsSync(join(project, ".package/app/dist/functions/podEvents.js.map"))).toBe(false);
  });

  it("fails with a clear message when nothing is built", () => {
    const project = temp("aci-bridge-pkg-empty-");
    write(project, "host.json", "{}");
    write(project, "package.json", JSON.stringify({ name: "fixture", main: "dist/functions/*.js" }));
    const result = runPackage(["--root", project, "--no-build", "--no-install"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('no built entry point matches package.json main "dist/functions/*.js"');
  });
});

describe("scripts/package.mjs on this repository (npm ci --omit=dev)", () => {
  const builtDir = join(root, "dist/functions");
  const built = existsSync(builtDir) && readdirSync(builtDir).some((f) => f.endsWith(".js"));

  it("produces a zip the host can load, with production dependencies only", { timeout: 120_000 }, () => {
    expect(built, "dist/functions/*.js missing: run `npm run build` first (npm test does)").toBe(true);
    const out = temp("aci-bridge-pkg-real-");
    const result = runPackage(["--no-build", "--out", out]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/package: \d+ files, [\d.]+ MB unpacked, [\d.]+ MB zipped/);

    const entries = readZip(readFileSync(join(out, "aci-bridge-functions.zip")));
    const names = new Set(entries.map((e) => e.name));
    expect(names.has("host.json")).toBe(true);
    expect(names.has("package.json")).toBe(true);
    expect(names.has("dist/functions/podEvents.js")).toBe(true);
    expect(names.has("dist/functions/reconcile.js")).toBe(true);
    expect(names.has("node_modules/@azure/functions/package.json")).toBe(true);
    expect(names.has("node_modules/@kubernetes/client-node/package.json")).toBe(true);

    const topLevel = (prefix: string) => [...names].filter((n) => n.startsWith(prefix));
    for (const dev of ["vitest", "azurite", "typescript", "eslint", "prettier", "kubernetes-models"]) {
      expect(topLevel(`node_modules/${dev}/`), dev).toEqual([]);
    }
    const stray = [...names].filter(
      (n) =>
        !n.startsWith("node_modules/") &&
        !["host.json", "package.json", "package-lock.json"].includes(n) &&
        !/^dist\/(functions|lib)\/.+\.js$/.test(n),
    );
    expect(stray).toEqual([]);
    expect(
      [...names].filter(
        (n) => /\.ts$|local\.settings\.json$|(^|\/)test\//.test(n) && !n.startsWith("node_modules/"),
      ),
    ).toEqual([]);

    // Every require() in the packaged dist resolves inside the package (a function importing dist/testground, or a
    // runtime import of a devDependency, would crash the host at start-up).
    const unresolved: string[] = [];
    for (const entry of entries.filter((e) => e.name.startsWith("dist/"))) {
      const text = entry.read().toString("utf8");
      for (const m of text.matchAll(/require\("([^"]+)"\)/g)) {
        const spec = m[1]!;
        if (spec.startsWith(".")) {
          const target = posix.normalize(posix.join(posix.dirname(entry.name), spec));
          if (![target, `${target}.js`, `${target}/index.js`].some((t) => names.has(t))) {
            unresolved.push(`${entry.name}: ${spec}`);
          }
        } else if (!builtinModules.includes(spec.replace(/^node:/, ""))) {
          const pkg = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!;
          if (!names.has(`node_modules/${pkg}/package.json`)) unresolved.push(`${entry.name}: ${spec}`);
        }
      }
    }
    expect(unresolved).toEqual([]);
    // The staged folder can be published as is.
    expect(existsSync(join(out, "app/host.json"))).toBe(true);
    expect(existsSync(join(out, "app/node_modules/vitest"))).toBe(false);
  });
});
