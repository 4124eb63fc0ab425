/**
 * Finds the chaos run's distinctive secret values (`CHAOS-SECRET-<hex>`) in text the bridge produced: log
 * lines, queue messages, Events, pod status, thrown errors. A value counts as leaked in raw form, base64 form
 * (how Secret data and ACI secret volumes carry it), or inside any base64 run that decodes to text holding it
 * (a whole `.dockerconfigjson` echoed, a queue body). The prefix check keeps the scan cheap per line.
 */

export const SECRET_PREFIX = "CHAOS-SECRET-";
/** base64("CHAOS-SECRET") — 12 bytes, so it is the exact start of the base64 of any value with the prefix. */
const SECRET_PREFIX_B64 = Buffer.from("CHAOS-SECRET").toString("base64");
const BASE64_RUN = /[A-Za-z0-9+/]{24,}={0,2}/g;

export interface Leak {
  /** Where it was found: `host-log`, `watcher-log`, `queue`, `poison-queue`, `event`, `pod-status`, `error`. */
  source: string;
  /** Which pod/line/message (never the secret itself). */
  where: string;
  /** The text around it with the secret replaced by `<SECRET>`, for the report. */
  excerpt: string;
}

export class SecretScanner {
  private readonly values = new Set<string>();
  /** Credentials without the chaos prefix (service-account tokens, kubeconfig tokens): label → marker. */
  private readonly markers = new Map<string, string>();
  readonly leaks: Leak[] = [];
  /** Texts scanned, by source (shows the scan was not vacuous). */
  readonly scanned: Record<string, number> = {};

  /** Registers a distinctive value (must start with `SECRET_PREFIX`). */
  add(value: string): void {
    if (!value.startsWith(SECRET_PREFIX)) throw new Error(`chaos secret must start with ${SECRET_PREFIX}`);
    this.values.add(value);
  }

  /**
   * Registers a credential that does not carry the prefix: `marker` is a part every such credential
   * contains (a token's fixed header, a kubeconfig token's fixed prefix) and nothing legitimate prints.
   * Found raw, or inside a base64 run that decodes to text holding it.
   */
  addMarker(label: string, marker: string): void {
    if (marker.length < 12) throw new Error("a secret marker must be distinctive (12+ characters)");
    this.markers.set(label, marker);
  }

  get size(): number {
    return this.values.size;
  }

  get markerLabels(): string[] {
    return [...this.markers.keys()];
  }

  /** The secret values (or marker labels) found in `text` (raw, base64, or inside a decodable base64 run). */
  find(text: string): string[] {
    const found = new Set<string>();
    if (text.includes(SECRET_PREFIX)) {
      for (const v of this.values) if (text.includes(v)) found.add(v);
    }
    if (text.includes(SECRET_PREFIX_B64)) {
      for (const v of this.values) if (text.includes(Buffer.from(v).toString("base64"))) found.add(v);
    }
    for (const [label, marker] of this.markers) if (text.includes(marker)) found.add(label);
    for (const run of text.match(BASE64_RUN) ?? []) {
      const decoded = Buffer.from(run, "base64").toString("latin1");
      if (
        decoded.includes(SECRET_PREFIX) ||
        decoded.includes(SECRET_PREFIX_B64) ||
        [...this.markers.values()].some((m) => decoded.includes(m))
      ) {
        for (const v of this.find(decoded)) found.add(v);
      }
    }
    return [...found];
  }

  /** Scans one text; records a leak per secret value found. Returns the number found. */
  scan(source: string, where: string, text: string): number {
    this.scanned[source] = (this.scanned[source] ?? 0) + 1;
    if (!text) return 0;
    const found = this.find(text);
    for (const value of found) {
      if (this.leaks.length < 200) {
        const marker = this.markers.get(value);
        this.leaks.push({
          source,
          where: marker ? `${where} (${value})` : where,
          // For a credential only what precedes it: the rest of a token follows the marker.
          excerpt: marker
            ? `${text.slice(Math.max(0, text.indexOf(marker) - 80), Math.max(0, text.indexOf(marker)))}<CREDENTIAL>`
            : excerpt(text, value),
        });
      } else {
        this.leaks.push({ source, where, excerpt: "" });
      }
    }
    return found.length;
  }
}

function excerpt(text: string, value: string): string {
  const i = text.indexOf(value);
  const start = Math.max(0, i - 80);
  const clip = text.slice(start, i < 0 ? 160 : i + value.length + 80);
  return clip.split(value).join("<SECRET>").split(Buffer.from(value).toString("base64")).join("<SECRET-B64>");
}

/** Text of an error for scanning: message, stack and the whole cause chain. */
export function errorText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    if (current instanceof Error) {
      parts.push(current.name, current.message, current.stack ?? "");
      const extra = current as Error & { response?: { bodyAsText?: string }; body?: unknown };
      if (extra.response?.bodyAsText) parts.push(extra.response.bodyAsText);
      if (extra.body !== undefined) parts.push(safeStringify(extra.body));
      current = current.cause;
    } else {
      parts.push(safeStringify(current));
      break;
    }
  }
  return parts.join("\n");
}

export function safeStringify(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
