/**
 * Reads the `helm install` commands operators are told to run from the docs' fenced shell blocks, so the
 * chart tests render exactly what the docs say (docs and tests cannot drift): backslash continuations joined,
 * `#` comments dropped, words split like a POSIX shell (single/double quotes, `$VAR`/`${VAR}` expanded from a
 * table of sample values; an unknown variable is an error, so a new doc variable needs a sample here).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./tools.js";

export interface DocCommand {
  /** `docs/deploy.md:187` */
  where: string;
  /** argv after `helm`, variables expanded. */
  argv: string[];
}

/** Splits one shell line into words; `vars` expands `$NAME`/`${NAME}` outside single quotes. */
export function shellWords(line: string, vars: Record<string, string>): string[] {
  const words: string[] = [];
  let word = "";
  let started = false; // a word (possibly empty, e.g. "") is being built
  let quote: "'" | '"' | undefined;
  const expand = (at: number): [string, number] => {
    const m = /^\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))/.exec(line.slice(at));
    if (!m) return ["$", at + 1];
    const name = (m[1] ?? m[2])!;
    const value = vars[name];
    if (value === undefined) throw new Error(`no sample value for $${name} in: ${line}`);
    return [value, at + m[0].length];
  };
  for (let i = 0; i < line.length;) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
      i++;
    } else if (quote === '"' && c === '"') {
      quote = undefined;
      i++;
    } else if (quote === '"' && c === "\\" && i + 1 < line.length) {
      word += line[i + 1]!;
      i += 2;
    } else if (quote === undefined && (c === " " || c === "\t")) {
      if (started) words.push(word);
      word = "";
      started = false;
      i++;
    } else if (quote === undefined && c === "#" && !started) {
      break; // a comment
    } else if (quote === undefined && (c === "'" || c === '"')) {
      quote = c;
      started = true;
      i++;
    } else if (c === "$") {
      const [v, next] = expand(i);
      word += v;
      started = true;
      i = next;
    } else {
      word += c;
      started = true;
      i++;
    }
  }
  if (quote) throw new Error(`unterminated quote in: ${line}`);
  if (started) words.push(word);
  return words;
}

/** Every `helm install` in the fenced `bash`/`sh` blocks of a doc under the repository root. */
export function helmInstallCommands(doc: string, vars: Record<string, string>): DocCommand[] {
  const lines = readFileSync(join(REPO_ROOT, doc), "utf8").split("\n");
  const out: DocCommand[] = [];
  let inShell = false;
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```\s*(\w*)/.exec(lines[i]!);
    if (fence) {
      inShell = !inShell && ["bash", "sh", "shell"].includes(fence[1]!);
      continue;
    }
    if (!inShell) continue;
    const start = i;
    let line = lines[i]!;
    while (line.endsWith("\\") && i + 1 < lines.length) line = line.slice(0, -1) + " " + lines[++i]!;
    if (!/^\s*helm\s+install\s/.test(line)) continue; // other commands' variables need no samples
    out.push({ where: `${doc}:${start + 1}`, argv: shellWords(line, vars).slice(1) });
  }
  return out;
}
