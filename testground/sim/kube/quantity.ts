/**
 * Canonical form of resource quantities, as the API server re-serialises them (`cpu: "10000"` → `"10k"`,
 * `"1.5Gi"` → `"1536Mi"`, `"0.5"` → `"500m"`). Values are kept exactly as BigInt nano-units.
 */

const DEC_SUFFIX: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  "": 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const BIN_SUFFIX: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const NANO = 10n ** 9n;

/** Returns the canonical string, or the input unchanged when it does not parse (validation is not emulated). */
export function canonicalQuantity(input: string | number): string {
  const s = String(input).trim();
  const m = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/.exec(s);
  if (!m) return String(input);
  const negative = m[1] === "-";
  const [intPart, fracPart = ""] = m[2]!.split(".");
  const suffix = m[3] ?? "";
  // mantissa as an integer scaled by 10^-frac
  let value = BigInt((intPart || "0") + fracPart) * NANO; // value * 10^frac, in nano-units
  let divisor = 10n ** BigInt(fracPart.length);
  let format: "dec" | "bin" | "exp" = "dec";
  if (suffix in BIN_SUFFIX) {
    format = "bin";
    value *= 1024n ** BigInt(BIN_SUFFIX[suffix]!);
  } else if (/^[eE]/.test(suffix)) {
    format = "exp";
    const e = Number(suffix.slice(1));
    if (e >= 0) value *= 10n ** BigInt(e);
    else divisor *= 10n ** BigInt(-e);
  } else {
    const e = DEC_SUFFIX[suffix]!;
    if (e >= 0) value *= 10n ** BigInt(e);
    else divisor *= 10n ** BigInt(-e);
  }
  // round up to nano precision like the API server does
  let nano = value / divisor + (value % divisor === 0n ? 0n : 1n);
  if (nano === 0n) return "0";
  const sign = negative ? "-" : "";
  if (format === "bin") {
    const isInt = nano % NANO === 0n;
    const units = nano / NANO;
    if (isInt && (units >= 1024n || units <= -1024n)) {
      let exp = 0;
      let mant = units;
      while (exp < 6 && mant % 1024n === 0n) {
        mant /= 1024n;
        exp++;
      }
      return `${sign}${mant}${["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][exp]}`;
    }
    format = "dec";
  }
  let exp = -9;
  while (exp < 18 && nano % 1000n === 0n) {
    nano /= 1000n;
    exp += 3;
  }
  if (format === "exp") return `${sign}${nano}${exp === 0 ? "" : `e${exp}`}`;
  const suffixFor = Object.entries(DEC_SUFFIX).find(([, e]) => e === exp)![0];
  return `${sign}${nano}${suffixFor}`;
}

export function canonicalResourceList(list: unknown): unknown {
  if (typeof list !== "object" || list === null || Array.isArray(list)) return list;
  return Object.fromEntries(
    Object.entries(list as Record<string, unknown>).map(([k, v]) => [
      k,
      typeof v === "string" || typeof v === "number" ? canonicalQuantity(v) : v,
    ]),
  );
}
