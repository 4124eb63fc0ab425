/**
 * Kubernetes resource quantities (`500m`, `1.5`, `2Gi`, `1G`, `512Mi`, `1e3`) → numbers, and ACI's
 * granularity: CPU in steps of 0.01 core, memory in steps of 0.1 GB (10^8 bytes), always rounded up so a
 * container never gets less than it asked for. Pure.
 */

const BINARY_SUFFIX: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL_SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

/** Parses a Kubernetes quantity into its value in base units; undefined when it is not a quantity. */
export function parseQuantity(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  const match = QUANTITY.exec(value.trim());
  if (!match) return undefined;
  const [, digits = "", exponent, suffix] = match;
  const base = Number(digits);
  if (exponent) return Number(`${digits}${exponent}`);
  const factor = suffix === undefined ? 1 : (BINARY_SUFFIX[suffix] ?? DECIMAL_SUFFIX[suffix]);
  if (factor === undefined || !Number.isFinite(base)) return undefined;
  return base * factor;
}

/** Smallest multiple of `step` that is ≥ value (tolerates binary floating-point noise), at least `step`. */
export function ceilToStep(value: number, step: number, decimals: number): number {
  const steps = Math.max(1, Math.ceil(value / step - 1e-9));
  return Number((steps * step).toFixed(decimals));
}

/** CPU cores for ACI: multiples of 0.01, at least 0.01. */
export function aciCpu(cores: number): number {
  return ceilToStep(cores, 0.01, 2);
}

export const BYTES_PER_GB = 1e9;

/** Memory for ACI in GB (10^9 bytes): multiples of 0.1, at least 0.1. */
export function aciMemoryGb(bytes: number): number {
  return ceilToStep(bytes / BYTES_PER_GB, 0.1, 1);
}
