/**
 * Reading settings: a typed reader that names the setting in every error and never repeats its value, and
 * the small parsers both programs share (lib/config.ts and lib/config/watcher.ts use them).
 */
import { ConfigError } from "../errors.js";

export type Env = Readonly<Record<string, string | undefined>>;

/** Name of the app setting (connection prefix) for the pod-events queue, used by the trigger binding. */
export const POD_EVENTS_CONNECTION = "PodEventsStorage";

/** `10.0.0.1:443` or `my-aks-dns-abc.hcp.eastus.azmk8s.io:443` (port defaults to 443). */
export function parseHostPort(value: string | undefined): { host: string; port: number } | undefined {
  if (!value) return undefined;
  const match = /^([A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(value);
  const port = Number(match?.[2] ?? 443);
  if (!match || port < 1 || port > 65535) {
    throw new ConfigError("ACI_API_SERVER must be host[:port]");
  }
  return { host: match[1] ?? "", port };
}

/** An App Service Key Vault reference, as the setting holds it when the reference did not resolve. */
const KEY_VAULT_REFERENCE = /^@Microsoft\.KeyVault\s*\(/i;

/** Reads typed settings and names the setting in every error. */
export class Reader {
  constructor(private readonly env: Env) {}

  optional(name: string): string | undefined {
    const value = this.env[name]?.trim();
    if (value && KEY_VAULT_REFERENCE.test(value)) {
      // App Service keeps the literal reference when it cannot resolve it (identity without access, a
      // wrong secret URI, a deleted version): using it as the value would fail far from the cause.
      throw new ConfigError(
        `${name}: the Key Vault reference did not resolve (the app setting still holds the literal @Microsoft.KeyVault(...) text); check the reference and the app's access to the vault`,
      );
    }
    return value ? value : undefined;
  }

  required(name: string): string {
    const value = this.optional(name);
    if (value === undefined) throw new ConfigError(`${name} must be set`);
    return value;
  }

  string(name: string, fallback: string): string {
    return this.optional(name) ?? fallback;
  }

  number(name: string, fallback: number): number {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) {
      throw new ConfigError(`${name} must be a non-negative number`);
    }
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.optional(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (["true", "1", "yes"].includes(raw)) return true;
    if (["false", "0", "no"].includes(raw)) return false;
    throw new ConfigError(`${name} must be true or false`);
  }

  list(name: string): string[] {
    return (this.optional(name) ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    const match = allowed.find((a) => a.toLowerCase() === raw.toLowerCase());
    if (!match) throw new ConfigError(`${name} must be one of ${allowed.join(", ")}`);
    return match;
  }
}

export function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** A TCP port setting (1–65535). */
export function port(r: Reader, name: string, fallback: number): number {
  const value = r.number(name, fallback);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new ConfigError(`${name} must be a TCP port (1–65535), got "${value}"`);
  }
  return value;
}
