#!/usr/bin/env node
// Publishes the Functions to a Flex Consumption app: builds the package (scripts/package.mjs: .package/app and
// .package/aci-bridge-functions.zip, production node_modules only), deploys it, and checks both functions were
// indexed. docs/deploy.md step 4 shows the exact command lines this runs; test/deploy/publish.test.ts runs this
// script with recording stand-ins for `az` and `func` (neither can be installed in CI) and compares.
//
//   node scripts/publish.mjs --resource-group <rg> --app <function app>              az zip deploy (default)
//   node scripts/publish.mjs --resource-group <rg> --app <function app> --with func  Core Tools, from .package/app
//   --no-build     use the existing dist/ (after npm run build)
//   --no-install   skip npm ci --omit=dev in the package (tests only: the package then has no node_modules)
//   --dry-run      print the command lines, run nothing but the packaging
//   --out <dir>    write the package to <dir> instead of .package
//
// Why not `func azure functionapp publish` from the repository root: the root has no local.settings.json (Core
// Tools then stops with "Worker runtime is not set"), and .funcignore cannot leave out node_modules' dev
// dependencies. From the staged folder, `--javascript` names the worker runtime and `--no-build` keeps Core
// Tools from a remote build (the package is already built, with its production dependencies).
import { spawnSync } from "node:child_process";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { packageApp } from "./package.mjs";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

const FUNCTIONS = ["podEvents", "reconcile"];

function parseArgs(argv) {
  const o = { with: "az", build: true, install: true, dryRun: false, app: "", resourceGroup: "", out: "" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--app") o.app = argv[++i] ?? "";
    else if (a === "--resource-group" || a === "-g") o.resourceGroup = argv[++i] ?? "";
    else if (a === "--with") o.with = argv[++i] ?? "";
    else if (a === "--no-build") o.build = false;
    else if (a === "--no-install") o.install = false;
    else if (a === "--dry-run") o.dryRun = true;
    else if (a === "--out") o.out = resolve(argv[++i] ?? "");
    else throw new Error(`unknown argument ${a} (see the header of scripts/publish.mjs)`);
  }
  if (!o.app || !o.resourceGroup) throw new Error("--app and --resource-group are required");
  if (o.with !== "az" && o.with !== "func") throw new Error(`--with must be az or func, got "${o.with}"`);
  return o;
}

function run(command, args, cwd, dryRun) {
  const inRoot = cwd === repoRoot;
  const line = [command, ...args].join(" ");
  const shown = inRoot ? line : `(cd ${relative(repoRoot, cwd)} && ${line})`;
  console.log(`publish: $ ${shown}`);
  if (dryRun) return "";
  const r = spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    shell: process.platform === "win32", // az and func are .cmd files on Windows
  });
  if (r.error)
    throw new Error(`${command} could not run (${r.error.code ?? r.error.message}): install it first`);
  process.stdout.write(r.stdout);
  if (r.status !== 0) throw new Error(`${command} exited ${r.status}`);
  return r.stdout;
}

export function publish(options) {
  const summary = packageApp({
    build: options.build,
    install: options.install,
    root: repoRoot,
    out: options.out || join(repoRoot, ".package"),
  });
  const zip = relative(repoRoot, summary.zip);
  if (options.with === "az") {
    run(
      "az",
      [
        "functionapp",
        "deployment",
        "source",
        "config-zip",
        "--resource-group",
        options.resourceGroup,
        "--name",
        options.app,
        "--src",
        zip,
      ],
      repoRoot,
      options.dryRun,
    );
  } else {
    run(
      "func",
      ["azure", "functionapp", "publish", options.app, "--javascript", "--no-build"],
      summary.folder,
      options.dryRun,
    );
  }
  if (options.dryRun) return;
  const listed = run(
    "az",
    [
      "functionapp",
      "function",
      "list",
      "--resource-group",
      options.resourceGroup,
      "--name",
      options.app,
      "--query",
      "[].name",
      "-o",
      "tsv",
    ],
    repoRoot,
    false,
  );
  const names = listed
    .split(/\s+/)
    .filter(Boolean)
    .map((n) => n.split("/").pop());
  const missing = FUNCTIONS.filter((f) => !names.includes(f));
  if (missing.length > 0)
    throw new Error(
      `deployed, but the app does not list ${missing.join(", ")} yet: indexing can take a minute on Flex Consumption; re-check with az functionapp function list (docs/deploy.md step 4)`,
    );
  console.log(`publish: ${FUNCTIONS.join(" and ")} are indexed in ${options.app}`);
}

try {
  publish(parseArgs(process.argv.slice(2)));
} catch (error) {
  console.error(`publish: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
