/* eslint-disable @typescript-eslint/no-explicit-any -- rendered manifests and pod fixtures are untyped YAML/JSON */
/** Runs the real watcher entry point (compiled) as a child process, as the container would. */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const REPO = join(__dirname, "..", "..", "..");
/** Inside the repo so the compiled files resolve `node_modules` like `dist/` does. */
export const BUILD_DIR = join(REPO, "node_modules", ".cache", "aci-bridge-watcher-build");

/** `npm run build` (tsconfig.build.json) into BUILD_DIR: what the Dockerfile's build stage runs. */
export function buildLikeDockerfile(): { status: number | null; output: string; mainJs: string } {
  mkdirSync(BUILD_DIR, { recursive: true });
  const r = spawnSync(
    process.execPath,
    [
      join(REPO, "node_modules", "typescript", "bin", "tsc"),
      "-p",
      "tsconfig.watcher.json",
      "--outDir",
      join(BUILD_DIR, "dist"),
    ],
    {
      cwd: REPO,
      encoding: "utf8",
    },
  );
  const mainJs = join(BUILD_DIR, "dist", "watcher", "main.js");
  return { status: r.status, output: `${r.stdout}${r.stderr}`, mainJs };
}

export interface WatcherChild {
  proc: ChildProcess;
  lines: Record<string, any>[];
  port: () => number | undefined;
  exited: Promise<number | null>;
}

export function spawnWatcher(
  mainJs: string,
  env: Record<string, string>,
  kubeconfigYaml: string,
  tmpDir: string,
): WatcherChild {
  if (!existsSync(mainJs)) throw new Error(`${mainJs} missing: build first`);
  mkdirSync(tmpDir, { recursive: true });
  const kubeconfig = join(tmpDir, "kubeconfig.yaml");
  writeFileSync(kubeconfig, kubeconfigYaml);
  const proc = spawn(process.execPath, [mainJs], {
    env: { PATH: process.env.PATH ?? "", KUBECONFIG: kubeconfig, WATCHER_HTTP_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Record<string, any>[] = [];
  let buf = "";
  proc.stdout.on("data", (chunk: Buffer) => {
    buf += chunk.toString("utf8");
    let nl;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        lines.push(JSON.parse(line) as Record<string, any>);
      } catch {
        lines.push({ event: "(not json)", line });
      }
    }
  });
  let stderr = "";
  proc.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  void exited.then((code) => {
    if (code !== 0 && stderr) process.stderr.write(`watcher child stderr:\n${stderr}\n`);
  });
  return {
    proc,
    lines,
    port: () => lines.find((l) => l.event === "watcher.http.listening")?.port as number | undefined,
    exited,
  };
}
