/**
 * `GET /containerLogs/{ns}/{pod}/{container}` query → log options, with the kubelet's answers to bad input
 * (kubernetes pkg/kubelet/server/server.go `getContainerLogs`): a value that does not decode is 400
 * `{"message": "Unable to decode query."}`, options that decode but fail `ValidatePodLogOptions` are 422
 * (the kubelet says only "Invalid request."; the reason is added here). The legacy `tail` parameter is
 * honoured (`tail=all` means no limit). Pure.
 */

export interface LogOptions {
  follow: boolean;
  timestamps: boolean;
  previous: boolean;
  tailLines?: number;
  limitBytes?: number;
  sinceSeconds?: number;
  /** Epoch ms. */
  sinceTime?: number;
}

export interface LogOptionsError {
  status: 400 | 422;
  message: string;
}

/** Go's strconv.ParseBool, plus the empty value (a bare `?follow`) as false, like the query decoder. */
function parseBool(v: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(v)) return true;
  if (["", "0", "f", "F", "FALSE", "false", "False"].includes(v)) return false;
  return undefined;
}

function parseInt64(v: string): number | undefined {
  return /^[+-]?\d{1,18}$/.test(v) ? Number(v) : undefined;
}

/** RFC 3339 with an explicit zone, as metav1.Time decodes it. */
function parseTime(v: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v)) return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : ms;
}

export function parseLogOptions(query: URLSearchParams): LogOptions | LogOptionsError {
  const q = new URLSearchParams(query);
  const tail = q.get("tail");
  if (tail !== null && tail !== "") {
    if (tail === "all") q.delete("tailLines");
    else q.set("tailLines", tail);
  }
  const decodeError: LogOptionsError = { status: 400, message: '{"message": "Unable to decode query."}' };
  const out: LogOptions = { follow: false, timestamps: false, previous: false };
  for (const key of ["follow", "timestamps", "previous"] as const) {
    const v = q.get(key);
    if (v === null) continue;
    const b = parseBool(v);
    if (b === undefined) return decodeError;
    out[key] = b;
  }
  for (const key of ["tailLines", "limitBytes", "sinceSeconds"] as const) {
    const v = q.get(key);
    if (v === null || v === "") continue;
    const n = parseInt64(v);
    if (n === undefined) return decodeError;
    out[key] = n;
  }
  const since = q.get("sinceTime");
  if (since !== null && since !== "") {
    const t = parseTime(since);
    if (t === undefined) return decodeError;
    out.sinceTime = t;
  }
  const invalid = (why: string): LogOptionsError => ({
    status: 422,
    message: `{"message": "Invalid request: ${why}"}`,
  });
  if (out.tailLines !== undefined && out.tailLines < 0) return invalid("tailLines must be >= 0");
  if (out.limitBytes !== undefined && out.limitBytes < 1) return invalid("limitBytes must be > 0");
  if (out.sinceSeconds !== undefined && out.sinceTime !== undefined)
    return invalid("at most one of sinceTime or sinceSeconds may be specified");
  if (out.sinceSeconds !== undefined && out.sinceSeconds < 1) return invalid("sinceSeconds must be > 0");
  return out;
}

export function isLogOptionsError(v: LogOptions | LogOptionsError): v is LogOptionsError {
  return "status" in v;
}
