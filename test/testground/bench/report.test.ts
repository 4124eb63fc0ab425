// README's "Performance" figures and docs/benchmarks.md's "Latest full run" come from the same run: both blocks
// are re-rendered from docs/benchmarks.json (what `node dist/testground/bench/report.js` wrote them from) and compared.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  between,
  DOCS_MARKERS,
  README_MARKERS,
  renderDocs,
  renderReadme,
  replaceBetween,
  type BenchReport,
} from "../../../testground/bench/report.js";

const root = join(__dirname, "..", "..", "..");
const read = (...parts: string[]) => readFileSync(join(root, ...parts), "utf8");

describe("benchmark figures in README.md and docs/benchmarks.md", () => {
  const report = JSON.parse(read("docs", "benchmarks.json")) as BenchReport;

  it("is a full run", () => {
    expect(report.quick).toBe(false);
    expect(Object.keys(report.goals).length).toBeGreaterThan(0);
  });

  it("README's Performance block is the one rendered from docs/benchmarks.json", () => {
    expect(between(read("README.md"), README_MARKERS)).toBe(renderReadme(report));
  });

  it("docs/benchmarks.md's Latest full run block is the one rendered from the same JSON", () => {
    expect(between(read("docs", "benchmarks.md"), DOCS_MARKERS)).toBe(renderDocs(report));
  });

  it("both blocks name the same run (machine, command, load, time)", () => {
    const readme = between(read("README.md"), README_MARKERS) ?? "";
    const docs = between(read("docs", "benchmarks.md"), DOCS_MARKERS) ?? "";
    expect(readme.split("\n")[0]).toBe(docs.split("\n")[0]);
  });

  it("replaceBetween and between round-trip", () => {
    const text = `a\n${README_MARKERS[0]}\nold\n${README_MARKERS[1]}\nb`;
    expect(between(replaceBetween(text, README_MARKERS, "new\nlines"), README_MARKERS)).toBe("new\nlines");
  });
});
