/**
 * Renders docs/bad-input.md from the case table, so the doc cannot drift from what the tests check.
 * `UPDATE_BAD_INPUT_DOC=1 npx vitest run test/corpus` rewrites it (then `npx prettier --write docs/bad-input.md`).
 */
import { CATEGORY_TITLES, type Category, type CorpusCase, type Expect, type TodoCase } from "./cases.js";

export const DOC_PATH = "docs/bad-input.md";

const CATEGORY_RULES: Record<Category, string> = {
  message:
    "Invalid: a copy of the body in `pod-events-poison` (cut at 32 KiB), exactly one `message.invalid` error line whose `error` names the problem (the body itself appears only as a 120-character printable preview), no ARM call, no Kubernetes call, and the handler returns normally (no host retry). Valid messages, however odd, are handled like any other: nothing is decided from the payload.",
  podSpec:
    "Terminal: pod `Failed` with `reason` and a `message` that starts with the field path, one Warning Event with that reason, one `cg.create.failed` error line and one `pod.failed` line, no ARM PUT (one rejected PUT on the ARM 400 path), no follow-up message, and the handler returns normally. A second delivery changes nothing: no status patch, no Event, no log line, no ARM write.",
  annotation:
    "Same rules as pod specs: a clear Failed pod, or accepted as documented — never a crash or a retry loop.",
  credentials:
    "Transient: the handler sends a delayed copy of the message (attempt counter, back-off 2 s doubling to 5 min) and completes, so the host's `maxDequeueCount` is never spent on an outage; `message.retry.deferred` names the error, the pod is never marked Failed, no container group is created.",
  isolation: "Bad input has no effect on other pods.",
};

function outcome(e: Expect): string {
  switch (e.outcome) {
    case "poison":
      return `poison; \`error\` ~ \`${e.error.source}\``;
    case "handled":
      return `handled normally → \`${e.event}\` (not poisoned)`;
    case "failed":
      return `Failed \`${e.reason}\`, field \`${e.field}\`${e.armRejected ? " (ARM 400)" : ""}`;
    case "runs":
      return `runs (one container group)${e.warnings?.length ? `; Warning ${e.warnings.map((w) => `\`${w}\``).join(", ")}` : ""}`;
    case "waits":
      return `Pending, \`${e.reason}\`; Warning \`${e.event}\` "${e.eventMessage}"; retried with back-off`;
    case "retried":
      return `delayed copy, \`error\` ~ \`${e.error.source}\`; retried, not Failed`;
    case "isolated":
      return "all good pods Running; ARM writes = good pods";
  }
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

export function renderBadInputDoc(cases: readonly CorpusCase[], todos: readonly TodoCase[]): string {
  const lines: string[] = [
    "# Bad-input corpus",
    "",
    "<!-- Generated from test/corpus/cases.ts: UPDATE_BAD_INPUT_DOC=1 npx vitest run test/corpus -->",
    "",
    "What aci-bridge does with input it cannot use (issue 9). Every row is a test in `test/corpus/badInput.test.ts`,",
    "run through the real `podEvents` and `reconcile` handlers against the ACI simulator, the Kubernetes API fake and",
    "Azurite. The rule behind all of them: a clear error in the right place (the poison queue and an error log, or a",
    "`Failed` pod and an Event), no crash, no retry storm, no effect on other pods.",
    "",
  ];
  const categories = Object.keys(CATEGORY_TITLES) as Category[];
  for (const category of categories) {
    const rows = cases.filter((c) => c.category === category);
    lines.push(`## ${CATEGORY_TITLES[category]} (${rows.length})`, "", CATEGORY_RULES[category], "");
    lines.push("| id | input | expected outcome | note |", "| --- | --- | --- | --- |");
    for (const c of rows) {
      lines.push(
        `| \`${c.id}\` | ${cell(c.description)} | ${cell(outcome(c.expect))} | ${cell(c.note ?? "")} |`,
      );
    }
    lines.push("");
  }
  lines.push(
    "## Known gaps (test.todo)",
    "",
    "Cases that do not behave as they should yet; they are `it.todo` in the suite until the bridge is fixed.",
    "",
    "| id | category | input | why it is left out |",
    "| --- | --- | --- | --- |",
  );
  for (const t of todos) {
    lines.push(`| \`${t.id}\` | ${t.category} | ${cell(t.description)} | ${cell(t.reason)} |`);
  }
  lines.push("");
  return lines.join("\n");
}

/** The case ids a doc lists (first column of its tables). */
export function documentedIds(markdown: string): string[] {
  return [...markdown.matchAll(/^\|\s*`([a-z0-9-]+)`\s*\|/gm)].map((m) => m[1] ?? "");
}
