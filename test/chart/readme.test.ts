/**
 * The chart README's values table is generated from values.yaml's `# --` comments (scripts/chart-readme.mjs,
 * helm-docs style): the committed README must be what the generator makes now, every value must be
 * documented, and the table must list exactly the keys `helm show values` prints.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { documentedValues, formatChartReadme, renderChartReadme } from "../../scripts/chart-readme.mjs";
import { CHART_DIR, helm } from "./helm.js";

const valuesText = readFileSync(join(CHART_DIR, "values.yaml"), "utf8");

describe("charts/aci-bridge-watcher/README.md", () => {
  it("is up to date (run `node scripts/chart-readme.mjs` after changing values.yaml or README.md.gotmpl)", async () => {
    const expected = await formatChartReadme(renderChartReadme());
    expect(readFileSync(join(CHART_DIR, "README.md"), "utf8")).toBe(expected);
  });

  it("documents every top-level value helm shows, with its default", () => {
    const shown = parse(helm(4, ["show", "values", CHART_DIR]).stdout) as Record<string, unknown>;
    const rows = documentedValues(valuesText);
    const tops = new Set(rows.map((r) => r.key.split(".")[0]));
    expect([...tops].sort()).toEqual(Object.keys(shown).sort());
    const row = (key: string) => rows.find((r) => r.key === key);
    expect(row("queue.name")).toMatchObject({ type: "string", default: '`"pod-events"`' });
    expect(row("replicaCount")).toMatchObject({ type: "int", default: "`2`" });
    expect(row("image.tag")!.default).toBe("the chart's `appVersion`"); // `# @default --`
    expect(row("resources")!.type).toBe("object"); // documented as a whole map
    expect(row("resources.requests")).toBeUndefined();
  });

  it("the generator refuses an undocumented value and reflects a changed comment", () => {
    const undocumented = valuesText.replace("# -- Old ReplicaSets kept for `kubectl rollout undo`.\n", "");
    expect(undocumented).not.toBe(valuesText);
    expect(() => documentedValues(undocumented)).toThrow(
      /values without a "# --" comment: revisionHistoryLimit/,
    );
    const changed = valuesText.replace("# -- Image pull policy.", "# -- How the image is pulled.");
    expect(documentedValues(changed).find((r) => r.key === "image.pullPolicy")!.description).toBe(
      "How the image is pulled.",
    );
  });
});
