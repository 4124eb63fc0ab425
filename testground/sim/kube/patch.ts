/**
 * The three patch flavours the API server accepts from client-node: JSON merge patch (RFC 7386), strategic merge
 * patch (the Kubernetes variant: lists with a patch merge key merge by that key, every other list is replaced) and
 * JSON patch (RFC 6902, including `test`). Pure functions over plain JSON.
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-return -- the fake edits untyped JSON documents, like the API server's unstructured objects */
import { KubeStatusError } from "./errors";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const isObject = (v: unknown): v is Record<string, Json> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

/** RFC 7386: objects merge recursively, `null` deletes, everything else (lists included) replaces. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  const out: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/**
 * Patch merge keys of the Kubernetes types this fake serves (from the `patchStrategy`/`patchMergeKey` struct tags
 * of k8s.io/api 1.32). A path is the field names from the object root, list indices skipped. `key: null` marks a
 * list of primitives merged as a set. Lists not named here are replaced, like the real server does for
 * `+listType=atomic` lists — notably `status.containerStatuses`, `spec.tolerations` and `spec.taints`.
 */
const CONTAINER_LISTS: Record<string, string> = {
  ports: "containerPort",
  env: "name",
  volumeMounts: "mountPath",
  volumeDevices: "devicePath",
};
const MERGE_KEYS: Record<string, Record<string, string | null>> = {
  Pod: {
    "spec.containers": "name",
    "spec.initContainers": "name",
    "spec.ephemeralContainers": "name",
    "spec.volumes": "name",
    "spec.imagePullSecrets": "name",
    "spec.hostAliases": "ip",
    "status.conditions": "type",
    "status.podIPs": "ip",
    "status.hostIPs": "ip",
    "status.resourceClaimStatuses": "name",
  },
  Node: {
    "spec.podCIDRs": null,
    "status.conditions": "type",
    "status.addresses": "type",
    "status.volumesAttached": "name",
  },
};

function mergeKeyFor(kind: string, path: string[]): { key: string | null } | undefined {
  const p = path.join(".");
  if (p === "metadata.finalizers") return { key: null };
  if (p === "metadata.ownerReferences") return { key: "uid" };
  const table = MERGE_KEYS[kind];
  if (!table) return undefined;
  if (p in table) return { key: table[p]! };
  if (
    kind === "Pod" &&
    path.length === 3 &&
    /^(containers|initContainers|ephemeralContainers)$/.test(path[1]!)
  ) {
    const k = CONTAINER_LISTS[path[2]!];
    if (path[0] === "spec" && k) return { key: k };
  }
  return undefined;
}

/** Strategic merge patch for an object of `kind`. Supports `$patch: replace|delete`, `$retainKeys`,
 * `$deleteFromPrimitiveList/<field>`; `$setElementOrder/<field>` is accepted and ignored. */
export function strategicMergePatch(kind: string, target: Json, patch: Json): Json {
  return smpMap(kind, [], target, patch);
}

function smpMap(kind: string, path: string[], target: Json, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  const directive = patch.$patch as string | undefined;
  if (directive === "delete") return undefined;
  if (directive === "replace") {
    const rest = { ...patch };
    delete rest.$patch;
    return stripDirectives(rest);
  }
  let out: Record<string, Json> = isObject(target) ? { ...target } : {};
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys as string[]);
    out = Object.fromEntries(Object.entries(out).filter(([k]) => keep.has(k)));
  }
  for (const [k, v] of Object.entries(patch)) {
    if (k === "$patch" || k === "$retainKeys" || k.startsWith("$setElementOrder/")) continue;
    if (k.startsWith("$deleteFromPrimitiveList/")) {
      const field = k.slice("$deleteFromPrimitiveList/".length);
      const cur: unknown = out[field];
      if (Array.isArray(cur) && Array.isArray(v))
        out[field] = cur.filter((x) => !(v as unknown[]).includes(x));
      continue;
    }
    const sub = [...path, k];
    if (v === null) {
      delete out[k];
    } else if (Array.isArray(v)) {
      const meta = mergeKeyFor(kind, sub);
      out[k] = meta ? smpList(kind, sub, out[k], v, meta.key) : stripDirectives(clone(v));
    } else if (isObject(v)) {
      const merged = smpMap(kind, sub, out[k], v);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    } else {
      out[k] = v;
    }
  }
  return out;
}

function smpList(kind: string, path: string[], target: Json, patch: Json[], key: string | null): Json[] {
  if (patch.some((e) => isObject(e) && e.$patch === "replace")) {
    return stripDirectives(patch.filter((e) => !(isObject(e) && e.$patch === "replace")));
  }
  const out: Json[] = Array.isArray(target) ? clone(target) : [];
  if (key === null) {
    for (const v of patch) if (!out.some((x) => JSON.stringify(x) === JSON.stringify(v))) out.push(clone(v));
    return out;
  }
  for (const el of patch) {
    if (!isObject(el)) {
      out.push(clone(el));
      continue;
    }
    const idx = out.findIndex((x) => isObject(x) && x[key] === el[key]);
    if (el.$patch === "delete") {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) out[idx] = smpMap(kind, path, out[idx], el);
    else out.push(stripDirectives(clone(el)));
  }
  return out;
}

function stripDirectives(v: Json): Json {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObject(v)) return v;
  const out: Record<string, Json> = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith("$")) out[k] = stripDirectives(x);
  return out;
}

/** JSON pointer tokens (RFC 6901). */
function pointer(path: string): string[] {
  if (path === "") return [];
  if (!path.startsWith("/")) throw patchFailed(`invalid JSON pointer ${JSON.stringify(path)}`);
  return path
    .slice(1)
    .split("/")
    .map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** The real server answers a JSON patch that cannot be applied with 422 and the library's message as a cause. */
function patchFailed(message: string): KubeStatusError {
  return new KubeStatusError(
    422,
    "Invalid",
    "the server rejected our request due to an error in our request",
    {
      causes: [{ message }],
    },
  );
}

function getAt(doc: Json, tokens: string[], path: string): Json {
  let cur = doc;
  for (const t of tokens) {
    if (Array.isArray(cur)) {
      const i = Number(t);
      if (!/^\d+$/.test(t) || i >= cur.length) throw patchFailed(`unable to access invalid index: ${t}`);
      cur = cur[i];
    } else if (isObject(cur) && t in cur) cur = cur[t];
    else throw patchFailed(`doc is missing path: "${path}": missing value`);
  }
  return cur;
}

function parentOf(doc: Json, tokens: string[], path: string): { parent: Json; last: string } {
  if (tokens.length === 0) throw patchFailed(`cannot operate on the document root: ${path}`);
  const parent = getAt(doc, tokens.slice(0, -1), path);
  if (!isObject(parent) && !Array.isArray(parent))
    throw patchFailed(`doc is missing path: "${path}": missing value`);
  return { parent, last: tokens[tokens.length - 1]! };
}

function addAt(doc: Json, path: string, value: Json): Json {
  const tokens = pointer(path);
  if (tokens.length === 0) return clone(value);
  const { parent, last } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) {
    const i = last === "-" ? parent.length : Number(last);
    if (!/^(\d+|-)$/.test(last) || i > parent.length)
      throw patchFailed(`Unable to access invalid index: ${last}`);
    parent.splice(i, 0, clone(value));
  } else parent[last] = clone(value);
  return doc;
}

function removeAt(doc: Json, path: string): Json {
  const tokens = pointer(path);
  const { parent, last } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) {
    const i = Number(last);
    if (!/^\d+$/.test(last) || i >= parent.length)
      throw patchFailed(`Unable to access invalid index: ${last}`);
    parent.splice(i, 1);
  } else {
    if (!(last in parent)) throw patchFailed(`Unable to remove nonexistent key: ${last}: missing value`);
    delete parent[last];
  }
  return doc;
}

/** RFC 6902. Operations apply in order to a copy; any failure rejects the whole patch. */
export function jsonPatch(target: Json, ops: Json): Json {
  if (!Array.isArray(ops))
    throw new KubeStatusError(
      400,
      "BadRequest",
      "json: cannot unmarshal object into Go value of type jsonpatch.Patch",
    );
  let doc = clone(target);
  for (const op of ops as Array<Record<string, Json>>) {
    const path = String(op.path ?? "");
    switch (op.op) {
      case "add":
        doc = addAt(doc, path, op.value);
        break;
      case "remove":
        doc = removeAt(doc, path);
        break;
      case "replace": {
        getAt(doc, pointer(path), path);
        doc = removeAt(doc, path);
        doc = addAt(doc, path, op.value);
        break;
      }
      case "move": {
        const v = clone(getAt(doc, pointer(String(op.from)), String(op.from)));
        doc = removeAt(doc, String(op.from));
        doc = addAt(doc, path, v);
        break;
      }
      case "copy":
        doc = addAt(doc, path, getAt(doc, pointer(String(op.from)), String(op.from)));
        break;
      case "test": {
        const actual = getAt(doc, pointer(path), path);
        if (!deepEqual(actual, op.value)) throw patchFailed(`testing value ${path} failed: test failed`);
        break;
      }
      default:
        throw patchFailed(`Unexpected kind: ${String(op.op)}`);
    }
  }
  return doc;
}

export function deepEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a))
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}
