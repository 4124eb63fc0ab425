/**
 * A deliberately small reader for the Bicep files in deploy/: enough structure (params with their decorators,
 * modules with their params, outputs, resources, object-literal variables) for the static checks in
 * bicep.test.ts. The Bicep CLI cannot run in CI (docs/architecture.md#platform-facts), so this is what stands between a typo and a failed
 * `az deployment`. It understands only the layout used in deploy/ (top-level declarations start at column 0).
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";

export interface BicepParam {
  name: string;
  type: string;
  hasDefault: boolean;
  decorators: string[];
}

export interface BicepModule {
  symbol: string;
  path: string;
  /** Absolute path of the referenced file. */
  file: string;
  params: string[];
  /** The whole declaration text (for scope/dependsOn checks). */
  text: string;
}

export interface BicepResource {
  symbol: string;
  type: string;
  apiVersion: string;
  text: string;
}

export interface BicepFile {
  file: string;
  source: string;
  params: BicepParam[];
  outputs: { name: string; decorators: string[] }[];
  modules: BicepModule[];
  resources: BicepResource[];
}

/** Removes `//` line comments that are not inside a single-quoted string. */
export function stripComments(line: string): string {
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "\\" && inString) {
      i++;
      continue;
    }
    if (c === "'") inString = !inString;
    if (!inString && c === "/" && line[i + 1] === "/") return line.slice(0, i);
  }
  return line;
}

/** Text of a top-level declaration starting at `start`: up to where brackets balance again. */
function declarationAt(lines: string[], start: number): string {
  let depth = 0;
  const out: string[] = [];
  for (let i = start; i < lines.length; i++) {
    const line = stripComments(lines[i]!);
    out.push(lines[i]!);
    for (const c of line.replace(/'(?:\\.|[^'\\])*'/g, "''")) {
      if (c === "{" || c === "[" || c === "(") depth++;
      if (c === "}" || c === "]" || c === ")") depth--;
    }
    if (depth <= 0) break;
  }
  return out.join("\n");
}

/** Decorator lines directly above line `index` (contiguous lines starting with `@`). */
function decoratorsAbove(lines: string[], index: number): string[] {
  const decorators: string[] = [];
  for (let i = index - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (!line.startsWith("@")) break;
    decorators.unshift(line);
  }
  return decorators;
}

/** Keys at the top level of the first `{ ... }` following `marker` in `text`. */
export function objectKeys(text: string, marker: RegExp): string[] {
  const match = marker.exec(text);
  if (!match) return [];
  const open = text.indexOf("{", match.index + match[0].length - 1);
  if (open < 0) return [];
  const keys: string[] = [];
  let depth = 0;
  let lineStart = true;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === "'") {
      // skip string literal
      i++;
      while (i < text.length && text[i] !== "'") i += text[i] === "\\" ? 2 : 1;
      lineStart = false;
      continue;
    }
    if (c === "{" || c === "[" || c === "(") {
      depth++;
      // `{ A: x, B: y }` on one line: a key may follow the opening brace or a comma directly.
      if (depth === 1) lineStart = true;
      if (depth === 1) continue;
    }
    if (c === "}" || c === "]" || c === ")") {
      depth--;
      if (depth === 0) break;
    }
    if (c === "," && depth === 1) {
      lineStart = true;
      continue;
    }
    if (c === "\n") {
      lineStart = true;
      continue;
    }
    if (lineStart && depth === 1 && !/\s/.test(c!)) {
      const key = /^'?([A-Za-z_][\w$-]*)'?\s*:/.exec(text.slice(i));
      if (key) keys.push(key[1]!);
      lineStart = false;
    } else if (!/\s/.test(c!)) {
      lineStart = false;
    }
  }
  return keys;
}

export function parseBicep(file: string): BicepFile {
  const source = readFileSync(file, "utf8");
  const lines = source.split("\n");
  const result: BicepFile = { file, source, params: [], outputs: [], modules: [], resources: [] };
  lines.forEach((line, index) => {
    let m = /^param\s+(\w+)\s+(\w+)(\s*=)?/.exec(line);
    if (m) {
      result.params.push({
        name: m[1]!,
        type: m[2]!,
        hasDefault: Boolean(m[3]),
        decorators: decoratorsAbove(lines, index),
      });
      return;
    }
    m = /^output\s+(\w+)\s/.exec(line);
    if (m) {
      result.outputs.push({ name: m[1]!, decorators: decoratorsAbove(lines, index) });
      return;
    }
    m = /^module\s+(\w+)\s+'([^']+)'/.exec(line);
    if (m) {
      const text = declarationAt(lines, index);
      result.modules.push({
        symbol: m[1]!,
        path: m[2]!,
        file: resolve(dirname(file), m[2]!),
        params: objectKeys(text, /\bparams:\s*\{/),
        text,
      });
      return;
    }
    m = /^resource\s+(\w+)\s+'([^'@]+)@([^']+)'/.exec(line);
    if (m) {
      result.resources.push({
        symbol: m[1]!,
        type: m[2]!,
        apiVersion: m[3]!,
        text: declarationAt(lines, index),
      });
    }
  });
  return result;
}

/** Keys of `var <name> = { ... }` (the object literal after the name; ternaries take the last object). */
export function varObjectKeys(source: string, name: string): string[] {
  const start = new RegExp(`^var\\s+${name}\\s*=`, "m").exec(source);
  if (!start) throw new Error(`var ${name} not found`);
  const lines = source.slice(start.index).split("\n");
  const text = declarationAt(lines, 0);
  const keys: string[] = [];
  // Every `{ ... }` object literal in the declaration (e.g. `cond ? {} : { A: x }`).
  let rest = text;
  for (;;) {
    const found = objectKeys(rest, /\{/);
    const next = rest.indexOf("{");
    if (next < 0) break;
    keys.push(...found);
    // advance past this object
    let depth = 0;
    let i = next;
    for (; i < rest.length; i++) {
      if (rest[i] === "{") depth++;
      if (rest[i] === "}" && --depth === 0) break;
    }
    rest = rest.slice(i + 1);
  }
  return keys;
}
