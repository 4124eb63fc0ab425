/**
 * docs/translation.md "Rules" is the translator's own rule list (lib/translate/rules.ts), and the fixtures
 * hold to it: every rejection names a field a rejected/policy rule covers, every warning belongs to a rule.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InvalidPodSpecError } from "../../lib/errors.js";
import { podToContainerGroup } from "../../lib/translate/index.js";
import { TRANSLATION_RULES } from "../../lib/translate/rules.js";
import { FIXTURES, loadFixture } from "./harness.js";

function docRules(): { field: string; outcome: string; how: string }[] {
  const doc = readFileSync(join(__dirname, "..", "..", "docs", "translation.md"), "utf8");
  const section = doc.split(/^## Rules$/m)[1]?.split(/^## /m)[0] ?? "";
  return section
    .split("\n")
    .filter((line) => line.startsWith("|"))
    .slice(2) // header and separator
    .map((line) => {
      const cells = line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim().replace(/\\\|/g, "|"));
      return { field: cells[0] ?? "", outcome: cells[1] ?? "", how: cells[2] ?? "" };
    });
}

const outcomes = readdirSync(FIXTURES)
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => {
    const { pod, refs, node } = loadFixture(f.slice(0, -".yaml".length));
    try {
      return {
        name: f,
        warnings: (podToContainerGroup(pod, refs, node).warnings ?? []).map((w) => w.reason),
      };
    } catch (error) {
      if (!(error instanceof InvalidPodSpecError)) throw error;
      return { name: f, error };
    }
  });

describe("translation rules", () => {
  it("docs/translation.md lists exactly the rules in code", () => {
    expect(docRules()).toEqual(TRANSLATION_RULES.map(({ field, outcome, how }) => ({ field, outcome, how })));
  });

  it("every fixture rejection is covered by a rule that rejects or applies a policy", () => {
    const uncovered = outcomes
      .filter((o) => o.error)
      .filter(
        (o) =>
          !TRANSLATION_RULES.some(
            (r) => r.outcome !== "approximated" && r.errors?.test(o.error?.field ?? ""),
          ),
      )
      .map((o) => `${o.name}: ${o.error?.field}`);
    expect(uncovered).toEqual([]);
    expect(outcomes.filter((o) => o.error).length).toBeGreaterThan(15);
  });

  it("every warning the translator emits belongs to an approximated or policy rule", () => {
    const known = new Set(TRANSLATION_RULES.flatMap((r) => r.warnings ?? []));
    const unknown = outcomes.flatMap((o) => (o.warnings ?? []).filter((w) => !known.has(w)));
    expect(unknown).toEqual([]);
    expect(outcomes.flatMap((o) => o.warnings ?? []).length).toBeGreaterThan(10);
  });
});
