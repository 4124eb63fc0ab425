/**
 * Parses kubeconfig text (YAML or JSON) without ever putting its content into an error. YAML parsers quote
 * the lines around a syntax error in their messages (`yaml`'s and `js-yaml`'s both do), and a kubeconfig's
 * lines hold tokens, keys and passwords; such an error would be logged on every invocation. The error
 * thrown here names the setting (or file) and says where and what (line, column, the parser's error code),
 * nothing else.
 */
import { ConfigError } from "../errors.js";

/**
 * The parsed document. `source` names where the text came from (a setting such as `KUBECONFIG_CONTENT`, or
 * `KUBECONFIG file <path>`) and is the only text the error repeats.
 */
export async function parseKubeconfigText(text: string, source: string): Promise<unknown> {
  if (looksLikeJson(text)) return parseJson(text, source);
  // Loaded only for YAML kubeconfigs (never in a cluster): the parser costs ≈ 10 MiB of RSS.
  const { parseDocument } = await import("yaml");
  return parseYaml(parseDocument, text, source);
}

/** The same, for callers that already load the `yaml` package (the Functions): pass its `parseDocument`. */
export function parseKubeconfigSync(
  text: string,
  source: string,
  parseDocument: typeof import("yaml").parseDocument,
): unknown {
  return looksLikeJson(text) ? parseJson(text, source) : parseYaml(parseDocument, text, source);
}

const looksLikeJson = (text: string) => text.trimStart().startsWith("{");

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Node's JSON messages quote the text around the error: say only that it is not JSON.
    throw new ConfigError(`${source}: not a valid kubeconfig: malformed JSON`);
  }
}

function parseYaml(
  parseDocument: typeof import("yaml").parseDocument,
  text: string,
  source: string,
): unknown {
  let doc;
  try {
    doc = parseDocument(text, { uniqueKeys: false });
  } catch {
    throw new ConfigError(`${source}: not a valid kubeconfig: unreadable YAML`);
  }
  const first = doc.errors[0];
  if (first) {
    const at = first.linePos?.[0];
    const where = at ? ` at line ${at.line}, column ${at.col}` : "";
    throw new ConfigError(`${source}: not a valid kubeconfig: YAML syntax error${where} (${first.code})`);
  }
  try {
    return doc.toJS() as unknown;
  } catch {
    throw new ConfigError(`${source}: not a valid kubeconfig: unreadable YAML`);
  }
}

/** Whether `value` is a kubeconfig-shaped object (the parser accepts any scalar as YAML). */
export function isKubeconfigObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Loads an already parsed kubeconfig into a client-node `KubeConfig`. It goes in as JSON (valid YAML, so
 * client-node's own YAML parser never meets the original text); client-node's validation errors
 * (`clusters[0].name is missing`) are kept, anything else is replaced by a content-free reason.
 */
export function loadKubeconfigObject(
  kc: { loadFromString(text: string): void },
  doc: unknown,
  source: string,
): void {
  try {
    kc.loadFromString(JSON.stringify(doc));
  } catch (error) {
    const message = error instanceof Error ? error.message : "";
    const reason = /^[\w.[\]-]{1,80} is missing$/.test(message) ? message : "client-node cannot load it";
    throw new ConfigError(`${source}: not a valid kubeconfig: ${reason}`);
  }
}
