/* eslint-disable @typescript-eslint/no-explicit-any -- rendered manifests and pod fixtures are untyped YAML/JSON */
/**
 * `helm template` stand-in for the chart tests: merges values like Helm (maps deep-merged, `null` deletes a
 * key), validates them against `values.schema.json` before rendering (Helm does the same and refuses to
 * install on a schema error), renders every template with the Go-template subset in `gotemplate.ts`, and
 * parses the output as YAML documents. Release name/namespace and `.Release.Service` are set like Helm's.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import { parse, parseAllDocuments } from "yaml";
import { parseTemplate, Renderer, TemplateError } from "./gotemplate.js";

export type Obj = Record<string, any>;

export const CHART_DIR = join(__dirname, "..", "..", "charts", "aci-bridge-watcher");

export interface Rendered {
  /** Parsed Kubernetes objects, in template file order. */
  objects: Obj[];
  /** Raw rendered text per template file (NOTES.txt included). */
  files: Record<string, string>;
  notes: string;
  values: Obj;
}

export function mergeValues(base: Obj, over: Obj): Obj {
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else if (isMap(v) && isMap(out[k])) out[k] = mergeValues(out[k], v);
    else out[k] = v;
  }
  return out;
}

const isMap = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

export function loadDefaultValues(chartDir = CHART_DIR): Obj {
  return parse(readFileSync(join(chartDir, "values.yaml"), "utf8")) as Obj;
}

export function schemaValidator(chartDir = CHART_DIR) {
  const schema = JSON.parse(readFileSync(join(chartDir, "values.schema.json"), "utf8")) as object;
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  const validate = ajv.compile(schema);
  return (values: unknown): string[] =>
    validate(values)
      ? []
      : (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`.trim());
}

export class SchemaError extends Error {}

export function renderChart(
  overrides: Obj = {},
  opts: { releaseName?: string; namespace?: string; chartDir?: string } = {},
): Rendered {
  const chartDir = opts.chartDir ?? CHART_DIR;
  const chart = parse(readFileSync(join(chartDir, "Chart.yaml"), "utf8")) as Obj;
  const values = mergeValues(loadDefaultValues(chartDir), overrides);
  const errors = schemaValidator(chartDir)(values);
  if (errors.length)
    throw new SchemaError(`values don't meet the specifications of the schema: ${errors.join("; ")}`);

  const root = {
    Values: values,
    Release: {
      Name: opts.releaseName ?? "aci-bridge-watcher",
      Namespace: opts.namespace ?? "aci-bridge",
      Service: "Helm",
      IsInstall: true,
      IsUpgrade: false,
      Revision: 1,
    },
    Chart: {
      Name: chart.name,
      Version: chart.version,
      AppVersion: chart.appVersion,
      Description: chart.description,
    },
    Capabilities: { KubeVersion: { Version: "v1.32.0", Major: "1", Minor: "32" } },
  };
  const dir = join(chartDir, "templates");
  const names = readdirSync(dir).sort();
  const renderer = new Renderer();
  const parsed = names.map((name) => ({
    name,
    t: parseTemplate(readFileSync(join(dir, name), "utf8"), name),
  }));
  for (const { t } of parsed) renderer.addDefines(t);
  const files: Record<string, string> = {};
  const objects: Obj[] = [];
  for (const { name, t } of parsed) {
    if (name.startsWith("_")) continue;
    let text: string;
    try {
      text = renderer.render(t.nodes, root, root);
    } catch (e) {
      if (e instanceof TemplateError) throw new TemplateError(`${name}: ${e.message}`);
      throw e;
    }
    files[name] = text;
    if (name === "NOTES.txt") continue;
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length) throw new Error(`${name}: invalid YAML: ${doc.errors[0]!.message}\n${text}`);
      const obj = doc.toJS() as Obj | null;
      if (obj) objects.push(obj);
    }
  }
  return { objects, files, notes: files["NOTES.txt"] ?? "", values };
}

export function find(r: Rendered, kind: string): Obj | undefined {
  return r.objects.find((o) => o.kind === kind);
}
