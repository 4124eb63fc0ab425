/**
 * Label and field selectors as the real API server parses them. Unsupported field labels answer
 * 400 `field label not supported: <label>` (recording `pod.list.badselector`).
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access -- the fake edits untyped JSON documents, like the API server's unstructured objects */
import { badRequest } from "./errors";
import type { AnyObject, ResourceDef } from "./resources";

export type Matcher = (obj: AnyObject) => boolean;

interface LabelRequirement {
  key: string;
  op: "=" | "!=" | "in" | "notin" | "exists" | "!exists";
  values: string[];
}

/** Splits on commas that are not inside parentheses (`a in (x,y),b`). */
function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of s) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(cur);
      cur = "";
    } else cur += ch;
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

function parseLabelSelector(selector: string): LabelRequirement[] {
  const reqs: LabelRequirement[] = [];
  for (const part of splitTopLevel(selector)) {
    let m: RegExpExecArray | null;
    if ((m = /^([^\s!=(),]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part))) {
      const values = m[3]!
        .split(",")
        .map((v) => v.trim())
        .filter((v) => v.length > 0);
      reqs.push({ key: m[1]!, op: m[2] as "in" | "notin", values });
    } else if ((m = /^([^\s!=(),]+)\s*(!=|==|=)\s*([^\s!=(),]*)$/.exec(part))) {
      reqs.push({ key: m[1]!, op: m[2] === "!=" ? "!=" : "=", values: [m[3]!] });
    } else if ((m = /^!\s*([^\s!=(),]+)$/.exec(part))) {
      reqs.push({ key: m[1]!, op: "!exists", values: [] });
    } else if ((m = /^([^\s!=(),]+)$/.exec(part))) {
      reqs.push({ key: m[1]!, op: "exists", values: [] });
    } else {
      throw badRequest(`unable to parse requirement: found '${part}', expected: identifier`);
    }
  }
  return reqs;
}

export function labelMatcher(selector: string | undefined): Matcher {
  if (!selector) return () => true;
  const reqs = parseLabelSelector(selector);
  return (obj) => {
    const labels = (obj.metadata?.labels ?? {}) as Record<string, string>;
    return reqs.every((r) => {
      const has = Object.prototype.hasOwnProperty.call(labels, r.key);
      const v = labels[r.key];
      switch (r.op) {
        case "=":
          return has && v === r.values[0];
        case "!=":
          return !has || v !== r.values[0];
        case "in":
          return has && r.values.includes(v!);
        case "notin":
          return !has || !r.values.includes(v!);
        case "exists":
          return has;
        case "!exists":
          return !has;
      }
      return false;
    });
  };
}

export function fieldMatcher(def: ResourceDef, selector: string | undefined): Matcher {
  if (!selector) return () => true;
  const tests: Matcher[] = [];
  for (const part of splitTopLevel(selector)) {
    const m = /^([^!=]+?)\s*(!=|==|=)\s*(.*)$/.exec(part);
    if (!m) throw badRequest(`invalid selector: '${selector}'; can't understand '${part}'`);
    const label = m[1]!.trim();
    const op = m[2]!;
    const value = m[3]!.trim();
    let get: ((o: AnyObject) => string) | undefined;
    if (label === "metadata.name") get = (o) => String(o.metadata?.name ?? "");
    else if (label === "metadata.namespace" && def.namespaced)
      get = (o) => String(o.metadata?.namespace ?? "");
    else get = def.fields[label];
    if (!get) throw badRequest(`field label not supported: ${label}`);
    const g = get;
    tests.push(op === "!=" ? (o) => g(o) !== value : (o) => g(o) === value);
  }
  return (obj) => tests.every((t) => t(obj));
}
