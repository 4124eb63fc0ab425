#!/usr/bin/env node
// Thin shim: the CLI is compiled TypeScript in dist/ (built by `npm run build`, which `npm ci` runs via prepare).
"use strict";
require("../dist/cli/main.js").run(process.argv.slice(2), process.env);
