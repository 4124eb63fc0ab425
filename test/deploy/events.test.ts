/**
 * The event catalog (lib/events) is the single list of log event names: docs/events.md is generated from it,
 * every name the code logs is in it, and every entry is logged somewhere. Engineers add events in parallel,
 * so failures here name exactly which names are missing where.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { EVENTS } from "../../lib/events/index.js";
import { KUBELET_EVENTS } from "../../lib/events/kubelet.js";
import { WATCHER_EVENTS } from "../../lib/events/watcher.js";
import { EVENTS_DOC, formatEventsDoc, renderEventsDoc } from "../../scripts/events-doc.mjs";

const root = resolve(__dirname, "../..");
const SOURCE_DIRS = ["lib", "functions", "watcher", "local"];

function tsFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return tsFiles(full);
    return name.endsWith(".ts") && !name.endsWith(".d.ts") ? [full] : [];
  });
}

const sources = SOURCE_DIRS.flatMap((d) => tsFiles(join(root, d)))
  // The catalog itself does not count as a use.
  .filter((f) => !f.startsWith(join(root, "lib/events") + "/"))
  .map((file) => ({ file: relative(root, file), text: readFileSync(file, "utf8") }));

const EVENT_NAME = /^[a-z][a-z0-9]*(?:\.[a-z0-9-]+)+$/;

/** `.info("x.y"`, `.warn(\n "x.y"`, `.error('x.y'` with a string literal first argument. */
function loggedNames(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const { file, text } of sources) {
    for (const m of text.matchAll(/\.(?:info|warn|error)\(\s*["'`]([^"'`$]+)["'`]/g)) {
      const name = m[1]!;
      if (!EVENT_NAME.test(name)) continue;
      found.set(name, [...(found.get(name) ?? []), file]);
    }
  }
  return found;
}

describe("event catalog (lib/events)", () => {
  const catalog = Object.keys(EVENTS);

  it("has a level, fields, meaning and action for every event", () => {
    for (const [name, spec] of Object.entries(EVENTS)) {
      expect(EVENT_NAME.test(name), name).toBe(true);
      expect(["info", "warn", "error"], name).toContain(spec.level);
      expect(Array.isArray(spec.fields), name).toBe(true);
      expect(spec.meaning.trim().length, `${name}: meaning`).toBeGreaterThan(10);
      expect(spec.action.trim().length, `${name}: action`).toBeGreaterThan(3);
    }
  });

  it("docs/events.md is up to date (node scripts/events-doc.mjs after npm run build)", async () => {
    const expected = await formatEventsDoc(
      renderEventsDoc(EVENTS, [...Object.keys(WATCHER_EVENTS), ...Object.keys(KUBELET_EVENTS)]),
    );
    const actual = readFileSync(EVENTS_DOC, "utf8");
    if (actual !== expected) {
      const documented = new Set([...actual.matchAll(/^## `([^`]+)`$/gm)].map((m) => m[1]!));
      const missing = catalog.filter((n) => !documented.has(n));
      const extra = [...documented].filter((n) => !catalog.includes(n));
      expect.fail(
        `docs/events.md is stale: run \`npm run build && node scripts/events-doc.mjs\`` +
          ` (undocumented: ${missing.join(", ") || "none"}; no longer in the catalog: ${extra.join(", ") || "none"};` +
          ` otherwise wording changed)`,
      );
    }
    expect(actual).toContain('traces\n| where message startswith "message.invalid "');
  });

  it("contains every event name the code logs (.info/.warn/.error with a literal name)", () => {
    const logged = loggedNames();
    expect(logged.size).toBeGreaterThan(0);
    const missing = [...logged]
      .filter(([name]) => !catalog.includes(name))
      .map(([n, f]) => `${n} (${f.join(", ")})`);
    expect(missing, "logged but not in lib/events").toEqual([]);
  });

  it("has no entry that the code never uses", () => {
    // "Used" = the name appears as a string literal outside lib/events (loggers, tables of names, tests of
    // the watcher's JSON lines all count), so events chosen through a variable are not reported as unused.
    const all = sources.map((s) => s.text).join("\n");
    const unused = catalog.filter(
      (name) => !new RegExp(`["'\`]${name.replace(/\./g, "\\.")}["'\`]`).test(all),
    );
    expect(unused, "in lib/events but never used in lib/ functions/ watcher/ local/").toEqual([]);
  });
});
