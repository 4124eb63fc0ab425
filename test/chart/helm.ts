/* eslint-disable @typescript-eslint/no-explicit-any -- rendered manifests are untyped YAML */
/**
 * Runs the real `helm` (3 and 4, from test/chart/tools.ts) for the chart tests: `helm template` of
 * charts/aci-bridge-watcher with values given as an object (written to a temporary values file, so types are
 * exactly what a values file gives), `--set` strings or any extra arguments, and parses the output as YAML 1.1
 * — the dialect the API server's YAML reader speaks, so an unquoted `yes`/`on`/`y` comes back as a boolean and
 * the tests see what the cluster would. NOTES.txt is rendered by the same helm from a copy of the chart where
 * it is also an ordinary template (`helm template` skips NOTES.txt; `helm install --dry-run=client` renders it
 * but Helm 3 then needs a cluster).
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { helmBinary, REPO_ROOT, type HelmMajor } from "./tools.js";

export type Obj = Record<string, any>;

export const CHART_DIR = join(REPO_ROOT, "charts", "aci-bridge-watcher");
export const HELM_MAJORS: HelmMajor[] = [3, 4];

export interface Rendered {
  /** Parsed Kubernetes objects, in helm's output order. */
  objects: Obj[];
  /** Source template (`templates/x.yaml`) of each object, same order. */
  sources: string[];
  /** Rendered NOTES.txt (only with `notes: true`). */
  notes: string;
}

export interface RenderOptions {
  /** Values, as a values file would give them (merged over values.yaml by helm). */
  values?: Obj;
  /** `--set` expressions, e.g. `queue.name=q`. */
  set?: string[];
  /** Any further helm arguments. */
  args?: string[];
  releaseName?: string;
  namespace?: string;
  chartDir?: string;
  /** Also render NOTES.txt. */
  notes?: boolean;
}

export interface HelmResult {
  status: number;
  stdout: string;
  stderr: string;
}

let scratch: string | undefined;
/** A per-process temporary directory (helm's config/cache/data homes, values files, chart copies). */
export function scratchDir(): string {
  if (!scratch) {
    scratch = mkdtempSync(join(tmpdir(), "aci-bridge-chart-"));
    const dir = scratch;
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  }
  return scratch;
}

/** Runs `helm <args>` with isolated config/cache/data directories and no cluster. */
export function helm(major: HelmMajor, args: string[], cwd = REPO_ROOT): HelmResult {
  const home = join(scratchDir(), `home-v${major}`);
  const r = spawnSync(helmBinary(major), args, {
    cwd,
    encoding: "utf8",
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home,
      HELM_CACHE_HOME: join(home, "cache"),
      HELM_CONFIG_HOME: join(home, "config"),
      HELM_DATA_HOME: join(home, "data"),
      KUBECONFIG: join(home, "no-kubeconfig"),
    },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export class HelmError extends Error {
  constructor(
    readonly stderr: string,
    readonly status: number,
  ) {
    super(`helm exited ${status}: ${stderr.trim()}`);
  }
}

let valuesFiles = 0;
function templateArgs(opts: RenderOptions): string[] {
  const args = [
    "template",
    opts.releaseName ?? "aci-bridge-watcher",
    opts.chartDir ?? CHART_DIR,
    "--namespace",
    opts.namespace ?? "aci-bridge",
  ];
  if (opts.values) {
    const file = join(scratchDir(), `values-${process.pid}-${valuesFiles++}.json`);
    writeFileSync(file, JSON.stringify(opts.values)); // JSON is YAML: helm reads it as a values file
    args.push("--values", file);
  }
  for (const s of opts.set ?? []) args.push("--set", s);
  return [...args, ...(opts.args ?? [])];
}

/** Parses `helm template` output (YAML 1.1, like the API server) into objects with their source template. */
export function parseManifests(text: string): { objects: Obj[]; sources: string[] } {
  const objects: Obj[] = [];
  const sources: string[] = [];
  for (const doc of parseAllDocuments(text, { version: "1.1" })) {
    if (doc.errors.length) throw new Error(`invalid YAML from helm: ${doc.errors[0]!.message}\n${text}`);
    const obj = doc.toJS() as Obj | null;
    if (!obj) continue;
    objects.push(obj);
    const source = /# Source: [^/]+\/(.+)/.exec(doc.commentBefore ?? "")?.[1] ?? "";
    sources.push(source);
  }
  return { objects, sources };
}

let notesChart: string | undefined;
/** A copy of the chart whose NOTES.txt is also a plain template, so `helm template --show-only` renders it. */
function chartWithNotesTemplate(): string {
  if (!notesChart) {
    notesChart = join(scratchDir(), "chart-notes", "aci-bridge-watcher");
    cpSync(CHART_DIR, notesChart, { recursive: true });
    // helm parses every rendered template as YAML: wrap the rendered NOTES.txt in a JSON string.
    writeFileSync(
      join(notesChart, "templates", "notes-as-template.yaml"),
      'notes: {{ include "aci-bridge-watcher/templates/NOTES.txt" . | toJson }}\n',
    );
  }
  return notesChart;
}

/** `helm template` with real helm; throws HelmError when helm refuses (schema, `fail`, `required`). */
export function renderChart(major: HelmMajor, opts: RenderOptions = {}): Rendered {
  const r = helm(major, templateArgs(opts));
  if (r.status !== 0) throw new HelmError(r.stderr, r.status);
  const { objects, sources } = parseManifests(r.stdout);
  let notes = "";
  if (opts.notes) {
    const n = helm(major, [
      ...templateArgs({ ...opts, chartDir: chartWithNotesTemplate() }),
      "--show-only",
      "templates/notes-as-template.yaml",
    ]);
    if (n.status !== 0) throw new HelmError(n.stderr, n.status);
    notes = String((parse(n.stdout) as { notes: unknown }).notes);
  }
  return { objects, sources, notes };
}

/** The stderr of a `helm template` that must fail (throws if helm renders). */
export function renderFailure(major: HelmMajor, opts: RenderOptions = {}): string {
  const r = helm(major, templateArgs(opts));
  if (r.status === 0)
    throw new Error(`helm ${major} rendered values it should refuse: ${JSON.stringify(opts)}`);
  return r.stderr;
}

export function loadDefaultValues(chartDir = CHART_DIR): Obj {
  return parse(readFileSync(join(chartDir, "values.yaml"), "utf8")) as Obj;
}

export function find(r: { objects: Obj[] }, kind: string): Obj | undefined {
  return r.objects.find((o) => o.kind === kind);
}
