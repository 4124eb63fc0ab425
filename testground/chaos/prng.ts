/**
 * The chaos run's only source of randomness: a small seeded PRNG (mulberry32), so `--seed N` replays the same
 * workload, the same fault schedule and the same per-message coin flips. (Timing on a loaded machine still
 * varies between runs, so a seed reproduces the run's shape, not every interleaving.)
 */

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** Integer in [min, max] (inclusive). */
  int(min: number, max: number): number;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** `n` hex characters. */
  hex(n: number): string;
  /** An independent stream derived from this one (so adding draws in one place does not shift another). */
  fork(label: string): Rng;
}

export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng: Rng = {
    next,
    chance: (p) => next() < p,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new Error("pick from an empty array");
      return item;
    },
    hex: (n) => {
      let out = "";
      while (out.length < n) out += Math.floor(next() * 16).toString(16);
      return out;
    },
    fork: (label) => createRng(hashSeed(seed, label)),
  };
  return rng;
}

/** Mixes a label into a seed (FNV-1a over the label, xor the seed). */
export function hashSeed(seed: number, label: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
