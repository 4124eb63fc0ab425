/**
 * docs/architecture.md is where code comments point: every ADR is indexed there, every
 * `docs/architecture.md#anchor` a file cites exists, and no source or test comment cites a document that is not
 * in the repository.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(__dirname, "../..");
const architecture = readFileSync(join(root, "docs/architecture.md"), "utf8");
const SOURCE_DIRS = ["lib", "functions", "watcher", "cli", "testground", "scripts", "test"];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === "node_modules" || name === "fixtures") return [];
    if (statSync(path).isDirectory()) return files(path);
    return /\.(ts|mjs|mts)$/.test(name) ? [path] : [];
  });
}
const sources = SOURCE_DIRS.flatMap((d) => files(join(root, d)));

/** Citations of documents outside the repository (the design notes the project started from). */
export function outsideCitations(text: string): string[] {
  return [...text.matchAll(/\bDESIGN\b|\(FACTS\)|\bFACTS:|\.\.\/shared\//g)].map((m) => m[0]);
}

describe("docs/architecture.md", () => {
  it("names every top-level folder in its layer table", () => {
    const section = architecture.slice(
      architecture.indexOf("## Layers in the code"),
      architecture.indexOf("## Words"),
    );
    const folders = readdirSync(root).filter(
      (name) =>
        statSync(join(root, name)).isDirectory() &&
        // Build output, installed packages and tool caches are not the repository's folders.
        !["node_modules", "dist", "coverage"].includes(name) &&
        (!name.startsWith(".") || name === ".ci"),
    );
    expect(folders).toContain("testground");
    for (const folder of folders) expect(section, folder).toContain(`\`${folder}/\``);
  });

  it("indexes every ADR in docs/adr", () => {
    for (const adr of readdirSync(join(root, "docs/adr")))
      expect(architecture, adr).toContain(`(adr/${adr})`);
  });

  it("has every anchor the code and docs cite", () => {
    const anchors = new Set([...architecture.matchAll(/<a id="([^"]+)"><\/a>/g)].map((m) => m[1]));
    anchors.add("platform-facts");
    const cited = [...sources, ...files(join(root, "docs"))]
      .filter((f) => !f.endsWith("architecture.test.ts"))
      .flatMap((f) =>
        [...readFileSync(f, "utf8").matchAll(/docs\/architecture\.md#([a-z-]+)/g)].map((m) => ({
          file: relative(root, f),
          anchor: m[1]!,
        })),
      );
    expect(cited.length).toBeGreaterThan(5);
    for (const c of cited) expect(anchors.has(c.anchor), `${c.file} cites #${c.anchor}`).toBe(true);
  });

  it("no source or test file cites a document outside the repository", () => {
    const offenders = sources
      .filter((f) => !f.endsWith("architecture.test.ts"))
      .flatMap((f) => outsideCitations(readFileSync(f, "utf8")).map((c) => `${relative(root, f)}: ${c}`));
    expect(offenders).toEqual([]);
  });

  it("the citation check finds what it is for", () => {
    expect(outsideCitations("// ownership (DESIGN principle 2), base64 (FACTS), see ../shared/x.md")).toEqual(
      ["DESIGN", "(FACTS)", "../shared/"],
    );
    expect(outsideCitations("// DESIGNER and FACTSHEET are words")).toEqual([]);
  });
});
