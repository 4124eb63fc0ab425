/**
 * Shared state of one pod → container group translation: the pod, the caller's resolved references, the
 * node settings and the warnings gathered on the way. Also the small readers for secret and configmap data,
 * which never put a value into an error message.
 */
import type { V1ConfigMap, V1Pod, V1Secret } from "@kubernetes/client-node";
import { DEFAULT_TRANSLATION_POLICY } from "./policy.js";
import { InvalidPodSpecError } from "../errors.js";
import type { NodeSettings, KubeEventSpec, ResolvedReferences, TranslationPolicy } from "./types.js";

/** Effective resources of one container after ACI rounding, for resourceFieldRef. */
export interface EffectiveResources {
  cpuRequest: number;
  cpuLimit: number;
  memoryRequestBytes: number;
  memoryLimitBytes: number;
}

export interface TranslateContext {
  pod: V1Pod;
  refs: ResolvedReferences;
  node: NodeSettings;
  warnings: KubeEventSpec[];
  /** container name → effective resources (regular and init containers). */
  resources: Map<string, EffectiveResources>;
  /** The node's policies with defaults filled in. */
  policy: TranslationPolicy;
  /** Problems found so far; `firstError` picks the one to report (see `attempt`). */
  errors: InvalidPodSpecError[];
}

export function newContext(pod: V1Pod, refs: ResolvedReferences, node: NodeSettings): TranslateContext {
  return {
    pod,
    refs,
    node,
    warnings: [],
    resources: new Map(),
    policy: { ...DEFAULT_TRANSLATION_POLICY, ...(node.policy ?? {}) },
    errors: [],
  };
}

/**
 * A rejection the operator or the pod chose (a policy such as "reject tcpSocket probes"): ACI could run the
 * pod under another setting. Reported after fields ACI truly cannot run (docs/translation.md "Errors").
 */
export class PolicyRejection extends InvalidPodSpecError {}

/** Lower ranks are reported first: what ACI truly cannot run, malformed specs, policies, missing references. */
function rank(error: InvalidPodSpecError): number {
  if (error.reason === "MissingReference") return 3;
  if (error instanceof PolicyRejection) return 2;
  if (error.reason === "InvalidPodSpec") return 1;
  return 0;
}

/**
 * Runs one independent step of the translation; an `InvalidPodSpecError` is recorded instead of ending the
 * translation, so that every problem is seen and the most fundamental one is reported (`throwFirstError`).
 * Returns `fallback` when the step failed.
 */
export function attempt<T>(ctx: TranslateContext, step: () => T, fallback: T): T {
  try {
    return step();
  } catch (error) {
    if (!(error instanceof InvalidPodSpecError)) throw error;
    ctx.errors.push(error);
    return fallback;
  }
}

/** Records a problem without ending the translation (see `attempt`). */
export function record(ctx: TranslateContext, error: InvalidPodSpecError): void {
  ctx.errors.push(error);
}

/** Throws the error to report: lowest rank, then first in pod order. */
export function throwFirstError(ctx: TranslateContext): void {
  let best: InvalidPodSpecError | undefined;
  for (const e of ctx.errors) if (!best || rank(e) < rank(best)) best = e;
  if (best) throw best;
}

export function warn(ctx: TranslateContext, reason: string, field: string, message: string): void {
  const key = `translate/${reason}/${field}`;
  if (ctx.warnings.some((w) => w.key === key)) return;
  ctx.warnings.push({ type: "Warning", reason, message: `${field}: ${message}`, key, count: 1 });
}

export function podNamespace(pod: V1Pod): string {
  return pod.metadata?.namespace ?? "default";
}

/** A secret's entries as bytes (`data` is base64; `stringData` is accepted for manifests that were never stored). */
export function secretEntries(secret: V1Secret): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [key, value] of Object.entries(secret.data ?? {})) out.set(key, Buffer.from(value, "base64"));
  for (const [key, value] of Object.entries(secret.stringData ?? {}))
    out.set(key, Buffer.from(value, "utf8"));
  return out;
}

/** A configmap's entries as bytes (`data` is text, `binaryData` base64). */
export function configMapEntries(configMap: V1ConfigMap): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [key, value] of Object.entries(configMap.data ?? {})) out.set(key, Buffer.from(value, "utf8"));
  for (const [key, value] of Object.entries(configMap.binaryData ?? {})) {
    out.set(key, Buffer.from(value, "base64"));
  }
  return out;
}

/**
 * The named secret's entries, or undefined when it is missing and `optional`; a missing required secret is a
 * `MissingReference` error naming the field (names are not secret; values never appear).
 */
export function lookupSecret(
  ctx: TranslateContext,
  name: string | undefined,
  optional: boolean | undefined,
  field: string,
): Map<string, Buffer> | undefined {
  if (!name) throw new InvalidPodSpecError(field, "a secret name is required", "InvalidPodSpec");
  const secret = ctx.refs.secrets.get(name);
  if (secret) return secretEntries(secret);
  if (optional) return undefined;
  throw new InvalidPodSpecError(
    field,
    `secret "${name}" not found in namespace "${podNamespace(ctx.pod)}"`,
    "MissingReference",
  );
}

export function lookupConfigMap(
  ctx: TranslateContext,
  name: string | undefined,
  optional: boolean | undefined,
  field: string,
): Map<string, Buffer> | undefined {
  if (!name) throw new InvalidPodSpecError(field, "a configmap name is required", "InvalidPodSpec");
  const configMap = ctx.refs.configMaps.get(name);
  if (configMap) return configMapEntries(configMap);
  if (optional) return undefined;
  throw new InvalidPodSpecError(
    field,
    `configmap "${name}" not found in namespace "${podNamespace(ctx.pod)}"`,
    "MissingReference",
  );
}
