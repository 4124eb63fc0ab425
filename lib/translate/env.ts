/**
 * Container environment: `env` (value, secretKeyRef, configMapKeyRef, fieldRef, resourceFieldRef),
 * `envFrom` (with prefix; keys that are not valid names are skipped with a Warning, like the kubelet),
 * the API server variables, and `$(VAR)` expansion in values, command and args with the kubelet's rules.
 * Secret-sourced values, and values expanded from them, become ACI `secureValue`; a command or argument that
 * would expand a secret is rejected, because ACI shows the command in clear text.
 */
import type { EnvironmentVariable } from "@azure/arm-containerinstance";
import type { V1Container } from "@kubernetes/client-node";
import { InvalidPodSpecError } from "../errors.js";
import { attempt, lookupConfigMap, lookupSecret, warn, type TranslateContext } from "./context.js";
import { fieldRefValue, resourceFieldRefValue } from "./downward.js";

export interface EnvValue {
  value: string;
  secret: boolean;
}

/** The kubelet's classic env var name rule (C identifier plus `-` and `.`). */
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

export function isValidEnvName(name: string): boolean {
  return ENV_NAME.test(name);
}

/**
 * Kubernetes `$(VAR)` expansion: `$$` → `$`, `$(NAME)` → the variable when defined, left as written otherwise.
 * Reports whether a secret-sourced variable was substituted.
 */
export function expand(
  text: string,
  vars: ReadonlyMap<string, EnvValue>,
): { value: string; secretsUsed: string[] } {
  const secretsUsed: string[] = [];
  const value = text.replace(/\$\$|\$\(([^)]*)\)/g, (match: string, name: string | undefined) => {
    if (match === "$$") return "$";
    const found = name === undefined ? undefined : vars.get(name);
    if (!found) return match;
    if (found.secret && name !== undefined) secretsUsed.push(name);
    return found.value;
  });
  return { value, secretsUsed };
}

/** The container's variables in kubelet order: API server vars, then envFrom, then env (later wins). */
export function buildEnv(ctx: TranslateContext, container: V1Container, path: string): Map<string, EnvValue> {
  const vars = new Map<string, EnvValue>();
  const api = ctx.node.apiServer;
  if (api) {
    const host = api.host.includes(":") ? `[${api.host}]` : api.host;
    vars.set("KUBERNETES_SERVICE_HOST", { value: api.host, secret: false });
    vars.set("KUBERNETES_SERVICE_PORT", { value: String(api.port), secret: false });
    vars.set("KUBERNETES_SERVICE_PORT_HTTPS", { value: String(api.port), secret: false });
    vars.set("KUBERNETES_PORT", { value: `tcp://${host}:${api.port}`, secret: false });
  }

  // Each source and variable is one step: a failure is recorded and the others still checked (context.ts).
  (container.envFrom ?? []).forEach((source, i) => attempt(ctx, () => envFromSource(source, i), undefined));
  function envFromSource(source: NonNullable<V1Container["envFrom"]>[number], i: number): void {
    const field = `${path}.envFrom[${i}]`;
    const prefix = source.prefix ?? "";
    let entries: Map<string, Buffer> | undefined;
    let secret = false;
    if (source.secretRef) {
      entries = lookupSecret(ctx, source.secretRef.name, source.secretRef.optional, `${field}.secretRef`);
      secret = true;
    } else if (source.configMapRef) {
      entries = lookupConfigMap(
        ctx,
        source.configMapRef.name,
        source.configMapRef.optional,
        `${field}.configMapRef`,
      );
    } else {
      throw new InvalidPodSpecError(field, "needs secretRef or configMapRef", "InvalidPodSpec");
    }
    if (!entries) return;
    const skipped: string[] = [];
    for (const key of [...entries.keys()].sort()) {
      const name = prefix + key;
      if (!isValidEnvName(name)) {
        skipped.push(name);
        continue;
      }
      vars.set(name, { value: entries.get(key)?.toString("utf8") ?? "", secret });
    }
    if (skipped.length > 0) {
      warn(
        ctx,
        "InvalidEnvironmentVariableNames",
        field,
        `keys skipped because they are not valid environment variable names: ${skipped.join(", ")}`,
      );
    }
  }

  (container.env ?? []).forEach((env, i) => attempt(ctx, () => envVar(env, i), undefined));
  function envVar(env: NonNullable<V1Container["env"]>[number], i: number): void {
    const field = `${path}.env[${i}]`;
    const source = env.valueFrom;
    if (!source) {
      // A value may refer to variables defined before it (dependent environment variables).
      const expanded = expand(env.value ?? "", vars);
      vars.set(env.name, { value: expanded.value, secret: expanded.secretsUsed.length > 0 });
      return;
    }
    if (source.secretKeyRef) {
      const ref = source.secretKeyRef;
      const entries = lookupSecret(ctx, ref.name, ref.optional, `${field}.valueFrom.secretKeyRef`);
      if (!entries) return;
      const value = entries.get(ref.key);
      if (value === undefined) {
        if (ref.optional) return;
        throw new InvalidPodSpecError(
          `${field}.valueFrom.secretKeyRef`,
          `key "${ref.key}" not found in secret "${ref.name}"`,
          "MissingReference",
        );
      }
      vars.set(env.name, { value: value.toString("utf8"), secret: true });
      return;
    }
    if (source.configMapKeyRef) {
      const ref = source.configMapKeyRef;
      const entries = lookupConfigMap(ctx, ref.name, ref.optional, `${field}.valueFrom.configMapKeyRef`);
      if (!entries) return;
      const value = entries.get(ref.key);
      if (value === undefined) {
        if (ref.optional) return;
        throw new InvalidPodSpecError(
          `${field}.valueFrom.configMapKeyRef`,
          `key "${ref.key}" not found in configmap "${ref.name}"`,
          "MissingReference",
        );
      }
      vars.set(env.name, { value: value.toString("utf8"), secret: false });
      return;
    }
    if (source.fieldRef) {
      vars.set(env.name, {
        value: fieldRefValue(ctx, source.fieldRef, `${field}.valueFrom.fieldRef`, false),
        secret: false,
      });
      return;
    }
    if (source.resourceFieldRef) {
      vars.set(env.name, {
        value: resourceFieldRefValue(
          ctx,
          source.resourceFieldRef,
          container.name,
          `${field}.valueFrom.resourceFieldRef`,
        ),
        secret: false,
      });
      return;
    }
    throw new InvalidPodSpecError(`${field}.valueFrom`, "unsupported value source", "UnsupportedPodSpec");
  }
  return vars;
}

export function toAciEnv(vars: ReadonlyMap<string, EnvValue>): EnvironmentVariable[] {
  return [...vars].map(([name, v]) => (v.secret ? { name, secureValue: v.value } : { name, value: v.value }));
}

/** Expands command or args; a secret-sourced variable in them is refused (ACI shows commands in clear text). */
export function expandCommand(
  items: string[] | undefined,
  vars: ReadonlyMap<string, EnvValue>,
  field: string,
): string[] {
  return (items ?? []).map((item, i) => {
    const { value, secretsUsed } = expand(item, vars);
    if (secretsUsed.length > 0) {
      throw new InvalidPodSpecError(
        `${field}[${i}]`,
        `expands the secret-sourced variable ${secretsUsed.join(", ")}; ACI stores the command in clear text, so read the variable at run time instead (e.g. sh -c '... $${secretsUsed[0]}')`,
      );
    }
    return value;
  });
}
