/**
 * What the real API server's decoder rejects before any admission or validation runs: time formats
 * (`metav1.Time` is RFC 3339, `metav1.MicroTime` is RFC 3339 with exactly six fractional digits), resource
 * quantities, and, under `fieldValidation=Strict`, duplicate and unknown fields. A fake that silently repairs
 * these hides bugs that only a real cluster shows (a JavaScript `Date` serialises with three fractional digits:
 * every Lease write with one is a 400 on a real API server). Messages follow apimachinery's wording; the
 * layouts are Go's `time.RFC3339` and `metav1.RFC3339Micro`. See docs/kube-fake.md.
 */

import { badRequest, KubeStatusError } from "./errors";
import type { AnyObject, ResourceDef } from "./resources";

/** Go layout of `metav1.MicroTime` (`metav1.RFC3339Micro`). */
export const MICRO_LAYOUT = "2006-01-02T15:04:05.000000Z07:00";
/** Go layout of `metav1.Time` (`time.RFC3339`; Go accepts a fraction of any length after the seconds). */
export const TIME_LAYOUT = "2006-01-02T15:04:05Z07:00";

/** Field names whose Go type is `metav1.MicroTime`, wherever they occur (Lease, events.k8s.io Event, series). */
export const MICRO_TIME_KEYS = new Set(["renewTime", "acquireTime", "eventTime", "lastObservedTime"]);
/** Field names whose Go type is `metav1.Time` in the resources the fake serves (managedFields' `time` included). */
export const TIME_KEYS = new Set([
  "creationTimestamp",
  "deletionTimestamp",
  "lastProbeTime",
  "lastTransitionTime",
  "startTime",
  "startedAt",
  "finishedAt",
  "lastHeartbeatTime",
  "firstTimestamp",
  "lastTimestamp",
  "lastUpdateTime",
  "expirationTimestamp",
  "time",
]);

/** The layouts' elements in order: a digit field (`n` digits) or a literal, as Go's parser walks them. */
type Element = { literal: string } | { digits: number; element: string; max?: number; min?: number };
const DATE_TIME: Element[] = [
  { digits: 4, element: "2006" },
  { literal: "-" },
  { digits: 2, element: "01", min: 1, max: 12 },
  { literal: "-" },
  { digits: 2, element: "02", min: 1, max: 31 },
  { literal: "T" },
  { digits: 2, element: "15", max: 23 },
  { literal: ":" },
  { digits: 2, element: "04", max: 59 },
  { literal: ":" },
  { digits: 2, element: "05", max: 59 },
];
const RANGE_NAMES: Record<string, string> = {
  "01": "month",
  "02": "day",
  "15": "hour",
  "04": "minute",
  "05": "second",
};
const ZONE = /^(Z|[+-]\d{2}:\d{2})$/;

/**
 * Parses like Go's `time.Parse(layout, value)` for the two layouts the API uses, returning the error text Go
 * gives (`parsing time "…" as "…": cannot parse "…" as "…"`), or undefined when the value parses.
 */
export function goTimeParseError(value: string, micro: boolean): string | undefined {
  const layout = micro ? MICRO_LAYOUT : TIME_LAYOUT;
  const head = `parsing time ${JSON.stringify(value)}`;
  const fail = (rest: string, element: string): string =>
    `${head} as ${JSON.stringify(layout)}: cannot parse ${JSON.stringify(rest)} as ${JSON.stringify(element)}`;
  let rest = value;
  for (const el of DATE_TIME) {
    if ("literal" in el) {
      if (!rest.startsWith(el.literal)) return fail(rest, el.literal);
      rest = rest.slice(el.literal.length);
      continue;
    }
    const digits = new RegExp(`^\\d{${el.digits}}`).exec(rest);
    if (!digits) return fail(rest, el.element);
    const n = Number(digits[0]);
    if ((el.min !== undefined && n < el.min) || (el.max !== undefined && n > el.max))
      return `${head}: ${RANGE_NAMES[el.element]} out of range`;
    rest = rest.slice(el.digits);
  }
  if (micro) {
    // ".000000" takes exactly six digits after the dot
    if (!/^\.\d{6}/.test(rest)) return fail(rest, ".000000");
    rest = rest.slice(7);
  } else {
    // RFC3339 without a fraction in the layout still accepts one in the value (Go's special case)
    const frac = /^[.,]\d+/.exec(rest);
    if (frac) rest = rest.slice(frac[0].length);
  }
  if (!ZONE.test(rest)) return fail(rest, "Z07:00");
  return undefined;
}

/** The quantity syntax `resource.ParseQuantity` accepts. */
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;
const QUANTITY_MESSAGE =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
/** Maps of `resource.Quantity` values, by field name (containers' and pods' resources, node capacity). */
const QUANTITY_MAP_KEYS = new Set(["requests", "limits", "capacity", "allocatable", "hard", "used"]);

function cannotHandle(def: ResourceDef, detail: string): KubeStatusError {
  return badRequest(`${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: ${detail}`);
}

/**
 * Rejects what the API server's JSON decoder rejects in an object about to be stored: malformed Time and
 * MicroTime strings and unparseable quantities. Applied to create and update bodies and to the result of a
 * patch, as the real server decodes each into its Go type.
 */
export function decodeObject(def: ResourceDef, obj: unknown): void {
  const walk = (v: unknown, key: string): void => {
    if (Array.isArray(v)) {
      for (const x of v) walk(x, key);
      return;
    }
    if (typeof v === "string") {
      const micro = MICRO_TIME_KEYS.has(key);
      if (micro || TIME_KEYS.has(key)) {
        const err = goTimeParseError(v, micro);
        if (err) throw cannotHandle(def, err);
      }
      return;
    }
    if (typeof v !== "object" || v === null) return;
    for (const [k, x] of Object.entries(v as AnyObject)) {
      if (k === "fieldsV1") continue;
      if (QUANTITY_MAP_KEYS.has(k) && typeof x === "object" && x !== null && !Array.isArray(x)) {
        for (const q of Object.values(x as AnyObject)) {
          if (typeof q === "string" ? !QUANTITY.test(q.trim()) : typeof q !== "number")
            throw cannotHandle(def, QUANTITY_MESSAGE);
        }
        continue;
      }
      walk(x, k);
    }
  };
  walk(obj, "");
}

/**
 * `fieldValidation=Strict`: a JSON body with a key twice in one object is refused (`strict decoding error:
 * duplicate field "x"`). `JSON.parse` keeps the last value silently, so this scans the raw text.
 */
export function duplicateFields(body: string): string[] {
  const found: string[] = [];
  const stack: { keys: Set<string>; path: string }[] = [];
  let i = 0;
  let expectKey = false;
  let pendingKey = "";
  const readString = (): string => {
    let out = "";
    i++; // opening quote
    while (i < body.length && body[i] !== '"') {
      if (body[i] === "\\") {
        out += body.slice(i, i + 2);
        i += 2;
      } else out += body[i++];
    }
    i++; // closing quote
    return JSON.parse(`"${out}"`) as string;
  };
  while (i < body.length) {
    const c = body[i]!;
    if (c === "{") {
      const parent = stack[stack.length - 1];
      const path = parent ? (parent.path ? `${parent.path}.${pendingKey}` : pendingKey) : "";
      stack.push({ keys: new Set(), path });
      expectKey = true;
      i++;
    } else if (c === "}") {
      stack.pop();
      expectKey = false;
      i++;
    } else if (c === "[") {
      // arrays: objects inside them are scanned with the array's key as their path
      expectKey = false;
      i++;
    } else if (c === ",") {
      const top = stack[stack.length - 1];
      // a comma directly inside an object (not inside an array in it) introduces the next key
      expectKey = top !== undefined && isDirectlyInObject(body, i);
      i++;
    } else if (c === '"') {
      const s = readString();
      if (expectKey) {
        const top = stack[stack.length - 1]!;
        const full = top.path ? `${top.path}.${s}` : s;
        if (top.keys.has(s)) found.push(full);
        top.keys.add(s);
        pendingKey = s;
        expectKey = false;
      }
    } else i++;
  }
  return found;
}

/** Whether position `at` (a comma) belongs to the innermost open object rather than to an array. */
function isDirectlyInObject(body: string, at: number): boolean {
  let depth = 0;
  let inString = false;
  for (let j = at - 1; j >= 0; j--) {
    const c = body[j]!;
    if (inString) {
      if (c === '"' && body[j - 1] !== "\\") inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "}" || c === "]") depth++;
    else if (c === "{" || c === "[") {
      if (depth === 0) return c === "{";
      depth--;
    }
  }
  return false;
}

/** ObjectMeta's JSON fields (k8s.io/apimachinery/pkg/apis/meta/v1/types.go). */
const OBJECT_META = new Set([
  "name",
  "generateName",
  "namespace",
  "selfLink",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "labels",
  "annotations",
  "ownerReferences",
  "finalizers",
  "managedFields",
]);

/**
 * Known fields of the kinds whose every field the fake knows (the ones the bridge and the watcher write
 * whole). Other kinds are not checked for unknown fields (documented in docs/kube-fake.md).
 */
const KNOWN_FIELDS: Record<string, Record<string, Set<string>>> = {
  Lease: {
    "": new Set(["apiVersion", "kind", "metadata", "spec"]),
    spec: new Set([
      "holderIdentity",
      "leaseDurationSeconds",
      "acquireTime",
      "renewTime",
      "leaseTransitions",
      "strategy",
      "preferredHolder",
    ]),
  },
  Event: {
    "": new Set([
      "apiVersion",
      "kind",
      "metadata",
      "involvedObject",
      "reason",
      "message",
      "source",
      "firstTimestamp",
      "lastTimestamp",
      "count",
      "type",
      "eventTime",
      "series",
      "action",
      "related",
      "reportingComponent",
      "reportingInstance",
      // events.k8s.io/v1
      "regarding",
      "note",
      "reportingController",
      "deprecatedSource",
      "deprecatedFirstTimestamp",
      "deprecatedLastTimestamp",
      "deprecatedCount",
    ]),
  },
  Node: {
    "": new Set(["apiVersion", "kind", "metadata", "spec", "status"]),
  },
  Pod: {
    "": new Set(["apiVersion", "kind", "metadata", "spec", "status"]),
  },
};

/** `fieldValidation=Strict`: unknown fields, with the path the API server names (`unknown field "spec.x"`). */
export function unknownFields(def: ResourceDef, obj: AnyObject): string[] {
  const known = KNOWN_FIELDS[def.kind];
  const out: string[] = [];
  if (!known) return out;
  for (const [path, fields] of Object.entries(known)) {
    const at = path === "" ? obj : (obj[path] as AnyObject | undefined);
    if (typeof at !== "object" || at === null) continue;
    for (const k of Object.keys(at)) if (!fields.has(k)) out.push(path ? `${path}.${k}` : k);
  }
  const meta = obj.metadata as AnyObject | undefined;
  if (typeof meta === "object" && meta !== null)
    for (const k of Object.keys(meta)) if (!OBJECT_META.has(k)) out.push(`metadata.${k}`);
  return out;
}

/**
 * The strict decoding step for create and update bodies: duplicate fields (from the raw text) and unknown
 * fields, under `fieldValidation=Strict` a 400 naming every one; under `Warn` (the server's default since 1.27)
 * the returned strings become `Warning` headers.
 */
export function strictDecode(
  def: ResourceDef,
  raw: string,
  obj: AnyObject,
  mode: "Strict" | "Warn" | "Ignore",
): string[] {
  if (mode === "Ignore") return [];
  const problems = [
    ...duplicateFields(raw).map((f) => `duplicate field ${JSON.stringify(f)}`),
    ...unknownFields(def, obj).map((f) => `unknown field ${JSON.stringify(f)}`),
  ];
  if (mode === "Strict" && problems.length > 0)
    throw badRequest(`strict decoding error: ${problems.join(", ")}`);
  return problems;
}

/** Reads the `fieldValidation` query parameter like the API server (an unknown value is a 400). */
export function fieldValidationMode(value: string | null): "Strict" | "Warn" | "Ignore" {
  if (value === null || value === "") return "Warn";
  if (value === "Strict" || value === "Warn" || value === "Ignore") return value;
  throw badRequest(`fieldValidation parameter unsupported: ${value}`);
}

const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_MESSAGE =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MESSAGE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const ANNOTATIONS_MAX_BYTES = 256 * 1024;

/** `validation.IsQualifiedName`: an optional DNS-subdomain prefix and a name part of at most 63 characters. */
function qualifiedNameProblem(key: string): string | undefined {
  const parts = key.split("/");
  if (parts.length > 2) return QUALIFIED_NAME_MESSAGE.replace("name part must", "a qualified name must");
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]!];
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)))
    return "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
  if (name.length === 0) return "name part must be non-empty";
  if (name.length > 63) return "name part must be no more than 63 characters";
  if (!QUALIFIED_NAME.test(name)) return QUALIFIED_NAME_MESSAGE;
  return undefined;
}

/**
 * ObjectMeta validation every verb runs (apimachinery `ValidateObjectMeta`): label keys and values, annotation
 * keys and their total size. Returns the causes for a 422 `Invalid`.
 */
export function objectMetaProblems(
  meta: AnyObject,
): Array<{ field: string; reason: string; message: string }> {
  const out: Array<{ field: string; reason: string; message: string }> = [];
  const labels = (meta.labels ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(labels)) {
    const keyProblem = qualifiedNameProblem(k);
    if (keyProblem)
      out.push({
        field: "metadata.labels",
        reason: "FieldValueInvalid",
        message: `Invalid value: "${k}": ${keyProblem}`,
      });
    const value = typeof v === "string" ? v : String(v);
    if (value.length > 63)
      out.push({
        field: "metadata.labels",
        reason: "FieldValueInvalid",
        message: `Invalid value: "${value}": must be no more than 63 characters`,
      });
    else if (value !== "" && !QUALIFIED_NAME.test(value))
      out.push({
        field: "metadata.labels",
        reason: "FieldValueInvalid",
        message: `Invalid value: "${value}": ${LABEL_VALUE_MESSAGE}`,
      });
  }
  const annotations = (meta.annotations ?? {}) as Record<string, unknown>;
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    const keyProblem = qualifiedNameProblem(k.toLowerCase());
    if (keyProblem)
      out.push({
        field: "metadata.annotations",
        reason: "FieldValueInvalid",
        message: `Invalid value: "${k}": ${keyProblem}`,
      });
    size += k.length + String(v).length;
  }
  if (size > ANNOTATIONS_MAX_BYTES)
    out.push({
      field: "metadata.annotations",
      reason: "FieldValueTooLong",
      message: `Too long: may not be more than ${ANNOTATIONS_MAX_BYTES} bytes`,
    });
  return out;
}
