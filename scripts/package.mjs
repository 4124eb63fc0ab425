#!/usr/bin/env node
// Builds the deployable Functions package: .package/app (a folder `func azure functionapp publish` can publish
// as is) and .package/aci-bridge-functions.zip (for `az functionapp deployment source config-zip`).
//
//   node scripts/package.mjs               build (npm run build), stage, npm ci --omit=dev, zip
//   node scripts/package.mjs --no-build    use the existing dist/ (CI: after `npm run build`)
//   node scripts/package.mjs --no-install  skip npm ci (fast; the zip then has no node_modules: tests only)
//   node scripts/package.mjs --out <dir>   write to <dir> instead of <root>/.package
//   node scripts/package.mjs --root <dir>  package another project folder (tests use a fixture)
//
// What goes in: host.json, package.json, package-lock.json, dist/functions, dist/lib, production
// node_modules; everything matching .funcignore is left out. Prints file count and size.
import { execFileSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { createIgnoreMatcher } from "./lib/ignore.mjs";
import { createZip } from "./lib/zip.mjs";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const ZIP_NAME = "aci-bridge-functions.zip";
/** Top-level files and folders copied into the package (before .funcignore filtering). */
const INCLUDE = ["host.json", "package.json", "package-lock.json", "dist/functions", "dist/lib"];

function parseArgs(argv) {
  const options = { build: true, install: true, root: repoRoot, out: "" };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--no-build") options.build = false;
    else if (arg === "--no-install") options.install = false;
    else if (arg === "--out") options.out = resolve(argv[++i] ?? "");
    else if (arg === "--root") options.root = resolve(argv[++i] ?? "");
    else throw new Error(`unknown argument ${arg} (use --no-build, --no-install, --out <dir>)`);
  }
  if (!options.out) options.out = join(options.root, ".package");
  return options;
}

function run(command, args, cwd) {
  // npm is npm.cmd on Windows; shell keeps it portable (arguments here are fixed strings).
  execFileSync(command, args, {
    cwd,
    stdio: ["ignore", "inherit", "inherit"],
    shell: process.platform === "win32",
  });
}

/** Every file below `dir`, as "/"-separated paths relative to `base`, skipping ignored files and symlinks. */
function listFiles(dir, base, ignored) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    const rel = relative(base, full).split(sep).join("/");
    if (entry.isSymbolicLink()) continue; // node_modules/.bin links: the host never runs them
    if (entry.isDirectory()) {
      if (!ignored(rel, true)) out.push(...listFiles(full, base, ignored));
    } else if (entry.isFile() && !ignored(rel, false)) {
      out.push(rel);
    }
  }
  return out;
}

/** Reads package.json "main" and checks the built entry points exist. */
function checkBuilt(root) {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const main = String(pkg.main ?? "");
  const dir = join(root, dirname(main));
  const pattern = new RegExp(
    "^" +
      main
        .split("/")
        .pop()
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, "[^/]*") +
      "$",
  );
  const entries = existsSync(dir) ? readdirSync(dir).filter((f) => pattern.test(f)) : [];
  if (entries.length === 0) {
    throw new Error(`no built entry point matches package.json main "${main}": run npm run build first`);
  }
  return { main, entries };
}

/** @param {{ build: boolean, install: boolean, root: string, out: string }} options */
export function packageApp(options) {
  const started = Date.now();
  const root = options.root;
  if (options.build) run("npm", ["run", "build"], root);
  const { main, entries } = checkBuilt(root);

  const ignoreText = existsSync(join(root, ".funcignore"))
    ? readFileSync(join(root, ".funcignore"), "utf8")
    : "";
  const ignored = createIgnoreMatcher(ignoreText);

  const stage = join(options.out, "app");
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  for (const item of INCLUDE) {
    const from = join(root, item);
    if (!existsSync(from)) throw new Error(`missing ${item}`);
    cpSync(from, join(stage, item), { recursive: true });
  }

  if (options.install) {
    // --ignore-scripts: the root "prepare" script would try to build (no TypeScript here), and the production
    // dependencies have no install scripts. --omit=dev: vitest, azurite, typescript and friends stay out.
    run(
      "npm",
      ["ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline"],
      stage,
    );
  }

  const files = listFiles(stage, stage, ignored).sort();
  // Drop what .funcignore excludes from the staged folder too, so publishing the folder equals the zip.
  const kept = new Set(files);
  for (const rel of listFiles(stage, stage, () => false)) {
    if (!kept.has(rel)) rmSync(join(stage, rel));
  }

  const zip = createZip(
    files.map((name) => ({
      name,
      data: readFileSync(join(stage, name)),
      mode: lstatSync(join(stage, name)).mode,
    })),
  );
  const zipPath = join(options.out, ZIP_NAME);
  writeFileSync(zipPath, zip);

  const unpacked = files.reduce((n, f) => n + lstatSync(join(stage, f)).size, 0);
  const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);
  const summary = {
    zip: zipPath,
    folder: stage,
    main,
    functionFiles: entries,
    files: files.length,
    unpackedMB: Number(mb(unpacked)),
    zipMB: Number(mb(zip.length)),
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
  console.log(
    `package: ${files.length} files, ${mb(unpacked)} MB unpacked, ${mb(zip.length)} MB zipped → ${relative(root, zipPath)}` +
      ` (folder ${relative(root, stage)}, entry points ${entries.join(", ")})`,
  );
  return summary;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    packageApp(parseArgs(process.argv.slice(2)));
  } catch (error) {
    console.error(`package: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
