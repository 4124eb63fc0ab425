/**
 * Every `pattern` in values.schema.json must compile under Go's regexp (RE2), which helm uses to validate
 * values: a lookaround or a backreference makes every `helm lint`/`template`/`install` fail ("pattern must be
 * a valid regex"), while JavaScript regexes (Ajv) accept them. Helm linting the chart proves the patterns
 * compile today (chart.test.ts); this test names the offending pattern, and shows both checks catch a bad one.
 */
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CHART_DIR, helm, HELM_MAJORS, scratchDir } from "./helm.js";

interface Pattern {
  at: string;
  pattern: string;
}

/** Every `pattern` and `patternProperties` key in a schema, with its JSON pointer. */
export function schemaPatterns(schema: unknown, at = ""): Pattern[] {
  if (Array.isArray(schema)) return schema.flatMap((s, i) => schemaPatterns(s, `${at}/${i}`));
  if (typeof schema !== "object" || schema === null) return [];
  const out: Pattern[] = [];
  for (const [k, v] of Object.entries(schema as Record<string, unknown>)) {
    if (k === "pattern" && typeof v === "string") out.push({ at: `${at}/pattern`, pattern: v });
    if (k === "patternProperties" && typeof v === "object" && v)
      for (const p of Object.keys(v)) out.push({ at: `${at}/patternProperties`, pattern: p });
    out.push(...schemaPatterns(v, `${at}/${k}`));
  }
  return out;
}

/** Why RE2 (Go regexp) cannot compile `pattern`, or undefined: lookaround, backreferences, atomic groups. */
export function re2Problem(pattern: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "\\") {
      const n = pattern[i + 1] ?? "";
      if (!inClass && /[1-9]/.test(n)) return `backreference \\${n} at ${i}`;
      if (!inClass && n === "k" && pattern[i + 2] === "<") return `named backreference at ${i}`;
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      continue;
    }
    if (c === "[") {
      inClass = true;
      if (pattern[i + 1] === "^") i++;
      if (pattern[i + 1] === "]") i++; // a leading ] is a literal
      continue;
    }
    if (c === "(" && pattern[i + 1] === "?") {
      const rest = pattern.slice(i + 2);
      if (/^(=|!|<=|<!)/.test(rest)) return `lookaround (?${/^(<?[=!])/.exec(rest)![1]} at ${i}`;
      if (rest.startsWith(">")) return `atomic group (?> at ${i}`;
    }
  }
  return undefined;
}

const schemaText = readFileSync(join(CHART_DIR, "values.schema.json"), "utf8");
// The pattern values.schema.json had in chart 0.1.0: fine for Ajv, fatal for helm.
const LOOKAHEAD = "^[a-z0-9]([a-z0-9]|-(?!-))*[a-z0-9]$";

describe("values.schema.json patterns are RE2", () => {
  it("has patterns, and none uses lookaround or backreferences", () => {
    const patterns = schemaPatterns(JSON.parse(schemaText));
    expect(patterns.length).toBeGreaterThanOrEqual(8);
    expect(patterns.map((p) => p.at)).toContain("/properties/queue/properties/name/pattern");
    expect(
      patterns.filter((p) => re2Problem(p.pattern)).map((p) => `${p.at}: ${re2Problem(p.pattern)}`),
    ).toEqual([]);
  });

  it.each([
    [LOOKAHEAD, "lookaround (?!"],
    ["^(?=.*[a-z])[a-z0-9]+$", "lookaround (?="],
    ["(?<!-)$", "lookaround (?<!"],
    ["(?<=a)b", "lookaround (?<="],
    ["^(a)\\1$", "backreference \\1"],
    ["^(?<x>a)\\k<x>$", "named backreference"],
    ["(?>a+)b", "atomic group"],
  ])("flags %s", (pattern, problem) => {
    expect(re2Problem(pattern)).toContain(problem);
  });

  it.each([
    "^[a-z0-9]+(-[a-z0-9]+)*$",
    "^\\(?!x",
    "[(?!]",
    "^$|^https://[^?]+\\?.*sig=",
    "(?i)abc",
    "(?:a|b)",
    "\\\\1",
  ])("accepts %s", (pattern) => {
    expect(re2Problem(pattern)).toBeUndefined();
  });

  it("finds the lookahead when fed the 0.1.0 schema", () => {
    const bad = JSON.parse(schemaText);
    bad.properties.queue.properties.name.pattern = LOOKAHEAD;
    expect(
      schemaPatterns(bad)
        .filter((p) => re2Problem(p.pattern))
        .map((p) => p.at),
    ).toEqual(["/properties/queue/properties/name/pattern"]);
  });

  it.each(HELM_MAJORS)("helm %i itself refuses a chart whose schema has a lookahead", (major) => {
    const copy = join(scratchDir(), `chart-lookahead-v${major}`);
    cpSync(CHART_DIR, copy, { recursive: true });
    const bad = JSON.parse(schemaText);
    bad.properties.queue.properties.name.pattern = LOOKAHEAD;
    writeFileSync(join(copy, "values.schema.json"), JSON.stringify(bad));
    const args = ["--set", "queue.existingSecret=x"];
    const lint = helm(major, ["lint", "--strict", copy, ...args]);
    expect(lint.status).not.toBe(0);
    expect(lint.stdout + lint.stderr).toMatch(/valid regex/);
    const template = helm(major, ["template", "w", copy, ...args]);
    expect(template.status).not.toBe(0);
    expect(template.stderr).toMatch(/valid regex/);
    // The real chart, same arguments: passes.
    expect(helm(major, ["lint", "--strict", CHART_DIR, ...args]).status).toBe(0);
  });
});
