// `npm start`: builds incrementally (tsc keeps dist/.tsbuildinfo, so an unchanged tree rebuilds in seconds),
// then runs the local stack's CLI (testground/local/main.ts) in this process. `--help` on a built tree skips the build.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const entry = join(root, "dist", "testground", "local", "main.js");
const args = process.argv.slice(2);
const helpOnly = args.includes("-h") || args.includes("--help");

if (!(helpOnly && existsSync(entry))) {
  process.stderr.write("building (tsc, incremental)…\n");
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  const build = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], {
    stdio: "inherit",
  });
  if (build.status !== 0) process.exit(build.status ?? 2);
}

const { main } = createRequire(import.meta.url)(entry);
main({ argv: args, env: process.env, stdout: process.stdout, stderr: process.stderr }).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(
      `error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(2);
  },
);
