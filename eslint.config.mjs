// ESLint flat config: typescript-eslint type-checked rules over all TypeScript sources.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "dist/**",
      "node_modules/**",
      "coverage/**",
      "bin/**",
      ".azurite/**",
      ".package/**",
      "**/*.d.mts",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/return-await": ["error", "in-try-catch"],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/require-await": "off",
    },
  },
  // Layers (docs/architecture.md "Layers in the code"): the product in lib/ never imports the test ground or
  // the entry points, and translation stays pure (no adapters, no config, no clients).
  ...[
    { files: ["lib/*.ts"], up: "../" },
    { files: ["lib/*/*.ts"], up: "../../" },
    { files: ["lib/*/*/*.ts"], up: "../../../" },
  ].map(({ files, up }) => ({
    files,
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["testground", "functions", "watcher", "cli", "test"].map((dir) => `${up}${dir}/**`),
              message: "lib/ is the product: it never imports the test ground or the entry points.",
            },
          ],
        },
      ],
    },
  })),
  {
    files: ["lib/translate/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: [
                ...["testground", "functions", "watcher", "cli", "test"].map((dir) => `../../${dir}/**`),
                "../aci/**",
                "../kube/**",
                "../queue/**",
                "../registry/**",
                "../reconcile/**",
                "../kubelet/**",
                "../watcher/**",
                "../config.js",
                "../runtime.js",
                "../functions/**",
              ],
              message:
                "lib/translate is pure: no adapters, config, runtime or reconcilers (docs/architecture.md).",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["test/**/*.ts", "testground/bench/**/*.ts", "testground/chaos/**/*.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
      "@typescript-eslint/unbound-method": "off",
    },
  },
  {
    // Plain ESM scripts (packaging, doc generation) run without a build: lint them without type information.
    files: ["**/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { process: "readonly", console: "readonly", Buffer: "readonly", URL: "readonly" },
    },
  },
  {
    // CommonJS test fixtures that forked processes load without a build (test/testground/local/fixtures).
    files: ["**/*.cjs"],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: "commonjs",
      globals: { process: "readonly", exports: "writable", setTimeout: "readonly" },
    },
  },
);
