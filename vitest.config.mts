// Test runner config: the global setups start Azurite once for the whole run and extract helm 3 and 4
// for the chart tests (test/chart/tools.ts).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/azurite.global.ts", "test/support/helm.global.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
  },
});
