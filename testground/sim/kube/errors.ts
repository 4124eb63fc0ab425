/**
 * Kubernetes `Status` error bodies, shaped exactly like a real kube-apiserver 1.32 answers them
 * (see test/fixtures/recordings/kube-apiserver-1.32.json: `pod.get.missing`, `lease.update.stale`, `pod.delete.wronguid`, `pod.list.badselector`).
 */
import type { ResourceDef } from "./resources";

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: Array<{ reason?: string; message?: string; field?: string }>;
  retryAfterSeconds?: number;
}

export interface StatusBody {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure" | "Success";
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** Thrown inside the fake; the HTTP layer turns it into a `Status` response, direct helpers rethrow it. */
export class KubeStatusError extends Error {
  readonly status: StatusBody;
  constructor(code: number, reason: string, message: string, details?: StatusDetails) {
    super(message);
    this.name = "KubeStatusError";
    // key order as the real server serialises it: ..., message, reason, details, code
    const status: Omit<StatusBody, "code"> & { code?: number } = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message,
    };
    if (reason) status.reason = reason;
    if (details) status.details = details;
    status.code = code;
    this.status = status as StatusBody;
  }
  get code(): number {
    return this.status.code;
  }
}

/** `pods "x"` / `leases.coordination.k8s.io "x"`: the qualified resource the real server names in messages. */
export function qualified(def: ResourceDef): string {
  return def.group ? `${def.plural}.${def.group}` : def.plural;
}

function resourceDetails(def: ResourceDef, name: string): StatusDetails {
  return def.group ? { name, group: def.group, kind: def.plural } : { name, kind: def.plural };
}

export function notFound(def: ResourceDef, name: string): KubeStatusError {
  return new KubeStatusError(
    404,
    "NotFound",
    `${qualified(def)} "${name}" not found`,
    resourceDetails(def, name),
  );
}

export function namespaceNotFound(ns: string): KubeStatusError {
  return new KubeStatusError(404, "NotFound", `namespaces "${ns}" not found`, {
    name: ns,
    kind: "namespaces",
  });
}

export function alreadyExists(def: ResourceDef, name: string): KubeStatusError {
  return new KubeStatusError(
    409,
    "AlreadyExists",
    `${qualified(def)} "${name}" already exists`,
    resourceDetails(def, name),
  );
}

export function conflict(def: ResourceDef, name: string): KubeStatusError {
  return new KubeStatusError(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualified(def)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    resourceDetails(def, name),
  );
}

/** Precondition failures name the Kind, not the resource (recording `pod.delete.wronguid`). */
export function preconditionConflict(def: ResourceDef, name: string, what: string): KubeStatusError {
  const kind = def.group ? `${def.kind}.${def.group}` : def.kind;
  const details: StatusDetails = def.group
    ? { name, group: def.group, kind: def.kind }
    : { name, kind: def.kind };
  return new KubeStatusError(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${kind} "${name}": ${what}`,
    details,
  );
}

export function badRequest(message: string): KubeStatusError {
  return new KubeStatusError(400, "BadRequest", message);
}

/** 422 Invalid, e.g. `Pod "x" is invalid: metadata.name: Required value: ...`. */
export function invalid(
  def: ResourceDef,
  name: string,
  causes: Array<{ field: string; reason: string; message: string }>,
): KubeStatusError {
  const kind = def.group ? `${def.kind}.${def.group}` : def.kind;
  const text = causes.map((c) => `${c.field}: ${c.message}`).join(", ");
  const message =
    causes.length === 1 ? `${kind} "${name}" is invalid: ${text}` : `${kind} "${name}" is invalid: [${text}]`;
  const details: StatusDetails = def.group
    ? { name, group: def.group, kind: def.kind, causes }
    : { name, kind: def.kind, causes };
  return new KubeStatusError(422, "Invalid", message, details);
}

export function notImplemented(method: string, path: string): KubeStatusError {
  return new KubeStatusError(
    501,
    "NotImplemented",
    `kube fake: ${method} ${path} is not implemented (see docs/kube-fake.md)`,
  );
}

export function successStatus(
  def: ResourceDef,
  name: string,
  uid: string | undefined,
): Record<string, unknown> {
  const details: Record<string, unknown> = { name };
  if (def.group) details.group = def.group;
  details.kind = def.plural;
  if (uid) details.uid = uid;
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details };
}
