#!/usr/bin/env node
// Generates charts/aci-bridge-watcher/README.md from README.md.gotmpl, Chart.yaml and the `# --` comments in
// values.yaml, the way helm-docs does (helm-docs itself is a Go binary with no npm or Debian package here).
// test/chart/readme.test.ts regenerates it in memory and fails when the committed README is stale.
//
//   node scripts/chart-readme.mjs            write the README
//   node scripts/chart-readme.mjs --check    exit 1 when the README is out of date
//
// Comment rules (helm-docs'): `# -- text` directly above a key documents it (further `#` lines continue the
// text); `# @default -- text` replaces the printed default. A documented map is one row; an undocumented map
// is descended into; an undocumented leaf is an error, so every value has a description.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const CHART_DIR = join(root, "charts", "aci-bridge-watcher");

/**
 * The documented values of a values.yaml text, in file order.
 * @param {string} text
 * @returns {{ key: string, type: string, default: string, description: string }[]}
 */
export function documentedValues(text) {
  const values = parse(text) ?? {};
  const lines = text.split("\n");
  /** @type {{ indent: number, key: string, documented: boolean }[]} */
  const stack = [];
  const rows = [];
  const undocumented = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^( *)([A-Za-z_][\w-]*|"[^"]+"):(.*)$/.exec(lines[i]);
    if (!m) continue;
    const indent = m[1].length;
    while (stack.length && stack[stack.length - 1].indent >= indent) stack.pop();
    const inDocumented = stack.some((s) => s.documented);
    const key = m[2].replace(/^"|"$/g, "");
    const path = [...stack.map((s) => s.key), key];
    const comment = commentAbove(lines, i);
    const isMap = m[3].trim() === "" && lookup(values, path) !== null && isObject(lookup(values, path));
    if (!inDocumented) {
      if (comment.description !== undefined) {
        const value = lookup(values, path);
        rows.push({
          key: path.join("."),
          type: typeOf(value),
          default: comment.default ?? `\`${JSON.stringify(value)}\``,
          description: comment.description,
        });
      } else if (!isMap) {
        undocumented.push(path.join("."));
      }
    }
    stack.push({ indent, key, documented: inDocumented || comment.description !== undefined });
  }
  if (undocumented.length) throw new Error(`values without a "# --" comment: ${undocumented.join(", ")}`);
  return rows;
}

/** The `# --` description and `# @default --` of the comment block directly above line `at`. */
function commentAbove(lines, at) {
  let start = at;
  while (start > 0 && /^\s*#/.test(lines[start - 1])) start--;
  const block = lines.slice(start, at).map((l) => l.replace(/^\s*# ?/, ""));
  const first = block.findIndex((l) => l.startsWith("-- "));
  if (first < 0) return {};
  const description = [];
  let defaultText;
  for (const line of block.slice(first)) {
    const d = /^@default -- (.*)$/.exec(line);
    if (d) defaultText = d[1];
    else description.push(line.replace(/^-- /, ""));
  }
  return { description: description.join(" ").trim(), default: defaultText };
}

const isObject = (v) => typeof v === "object" && v !== null && !Array.isArray(v);

function lookup(values, path) {
  let v = values;
  for (const k of path) v = isObject(v) ? v[k] : undefined;
  return v ?? null;
}

function typeOf(v) {
  if (Array.isArray(v)) return "list";
  if (isObject(v)) return "object";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  if (typeof v === "boolean") return "bool";
  return "string";
}

const cell = (s) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The README text (before formatting) for a chart directory. */
export function renderChartReadme(chartDir = CHART_DIR) {
  const chart = parse(readFileSync(join(chartDir, "Chart.yaml"), "utf8"));
  const rows = documentedValues(readFileSync(join(chartDir, "values.yaml"), "utf8"));
  const table = [
    "| Key | Type | Default | Description |",
    "| --- | --- | --- | --- |",
    ...rows.map((r) => `| ${cell(r.key)} | ${r.type} | ${cell(r.default)} | ${cell(r.description)} |`),
  ].join("\n");
  const fields = {
    name: chart.name,
    version: chart.version,
    appVersion: chart.appVersion,
    type: chart.type,
    description: chart.description.trim(),
    kubeVersion: chart.kubeVersion,
    valuesTable: table,
  };
  const template = readFileSync(join(chartDir, "README.md.gotmpl"), "utf8");
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (all, name) => {
    if (!(name in fields)) throw new Error(`README.md.gotmpl: unknown placeholder ${all}`);
    return String(fields[name]);
  });
}

/** Formats with the repository's Prettier settings, so `prettier --check` agrees with the generator. */
export async function formatChartReadme(markdown, chartDir = CHART_DIR) {
  const prettier = await import("prettier");
  const options = (await prettier.resolveConfig(join(chartDir, "README.md"))) ?? {};
  return prettier.format(markdown, { ...options, parser: "markdown" });
}

async function main(argv) {
  const check = argv.includes("--check");
  const unknown = argv.filter((a) => a !== "--check");
  if (unknown.length) throw new Error(`unknown argument ${unknown[0]} (use --check)`);
  const file = join(CHART_DIR, "README.md");
  const text = await formatChartReadme(renderChartReadme());
  if (check) {
    if ((existsSync(file) ? readFileSync(file, "utf8") : "") !== text) {
      console.error(
        "charts/aci-bridge-watcher/README.md is out of date: run `node scripts/chart-readme.mjs`",
      );
      process.exit(1);
    }
    return;
  }
  writeFileSync(file, text);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
