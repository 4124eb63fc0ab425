/**
 * Latency profiles for the test ground's fakes (Kubernetes API fake, the queue proxy in front of Azurite, and
 * the ACI simulator): per operation class, a delay drawn uniformly from a range with a
 * seeded generator, so a seed reproduces the same sequence of delays. Off unless a profile is passed.
 *
 * Profiles and where their numbers come from: docs/chaos.md ("Latency profiles").
 */

/** A delay range in milliseconds (inclusive), drawn uniformly. */
export interface LatencyRange {
  minMs: number;
  maxMs: number;
}

/**
 * One profile for every fake: each fake looks up the operation classes it knows (`kube.get`, `queue.send`, …)
 * and uses no delay for classes the profile leaves out.
 */
export interface LatencyProfile {
  /** Shown in reports (`realistic`). */
  name: string;
  /** Seed of the jitter; each fake derives its own stream from it and its name. */
  seed: number;
  ranges: Readonly<Partial<Record<LatencyOperation, LatencyRange>>>;
}

/**
 * Operation classes. Kubernetes: single-object GET, LIST (a GET of a collection, also a watch's initial
 * response), writes (POST/PUT/PATCH/DELETE). Queue: Put Message, Get Messages (and Peek), Delete Message,
 * Update Message (visibility), anything else (queue create, properties). ARM (the ACI simulator): a GET, a
 * PUT, a DELETE, one page of a list, anything else (operation status polls, start/stop/restart, logs, exec).
 */
export type LatencyOperation =
  | "kube.get"
  | "kube.list"
  | "kube.write"
  | "queue.send"
  | "queue.receive"
  | "queue.delete"
  | "queue.update"
  | "queue.other"
  | "arm.read"
  | "arm.write"
  | "arm.delete"
  | "arm.list"
  | "arm.other";

/**
 * What a managed control plane and a Storage account in the same region answer in, from the client's side:
 * kube-apiserver GET 5–20 ms, LIST 20–80 ms, writes 10–40 ms (etcd commit); Storage queue operations 10–30 ms.
 */
export const REALISTIC_LATENCY: LatencyProfile = {
  name: "realistic",
  seed: 1,
  ranges: {
    "kube.get": { minMs: 5, maxMs: 20 },
    "kube.list": { minMs: 20, maxMs: 80 },
    "kube.write": { minMs: 10, maxMs: 40 },
    "queue.send": { minMs: 10, maxMs: 30 },
    "queue.receive": { minMs: 10, maxMs: 30 },
    "queue.delete": { minMs: 10, maxMs: 30 },
    "queue.update": { minMs: 10, maxMs: 30 },
    "queue.other": { minMs: 10, maxMs: 30 },
  },
};

/** The same profile with another seed. */
export function withSeed(profile: LatencyProfile, seed: number): LatencyProfile {
  return { ...profile, seed };
}

/** The same profile with every range divided by `scale` (time-scaled runs, where the fakes' clock runs ×scale). */
export function scaleLatency(profile: LatencyProfile, scale: number): LatencyProfile {
  const ranges: Partial<Record<LatencyOperation, LatencyRange>> = {};
  for (const [op, r] of Object.entries(profile.ranges) as Array<[LatencyOperation, LatencyRange]>) {
    ranges[op] = { minMs: r.minMs / scale, maxMs: r.maxMs / scale };
  }
  return { ...profile, ranges };
}

/** mulberry32 seeded with FNV-1a of (seed, stream): independent, reproducible streams per fake. */
function seededRandom(seed: number, stream: string): () => number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < stream.length; i++) {
    h ^= stream.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface LatencySampler {
  readonly profile: LatencyProfile;
  /** A delay for one operation (0 when the profile has no range for it). */
  delayMs(operation: LatencyOperation): number;
  /** Waits that delay. */
  wait(operation: LatencyOperation): Promise<void>;
}

/** A sampler for one fake (`stream` names it, e.g. "kube" or "queue"). */
export function createLatencySampler(profile: LatencyProfile, stream: string): LatencySampler {
  for (const [op, r] of Object.entries(profile.ranges)) {
    if (!r || !(r.minMs >= 0) || !(r.maxMs >= r.minMs)) {
      throw new Error(`latency profile ${profile.name}: ${op} needs 0 <= minMs <= maxMs`);
    }
  }
  const random = seededRandom(profile.seed, stream);
  const delayMs = (operation: LatencyOperation): number => {
    const r = profile.ranges[operation];
    if (!r) return 0;
    return r.minMs + random() * (r.maxMs - r.minMs);
  };
  return {
    profile,
    delayMs,
    wait(operation) {
      const ms = delayMs(operation);
      return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
    },
  };
}

/** The Kubernetes operation class of a request (a watch or a collection GET is a LIST). */
export function kubeOperation(method: string, pathname: string, search: string): LatencyOperation {
  if (method !== "GET") return "kube.write";
  const q = new URLSearchParams(search);
  if (q.get("watch") === "true" || q.get("watch") === "1" || pathname.includes("/watch/")) return "kube.list";
  // /api/v1/pods, /api/v1/namespaces/ns/pods → collection; /api/v1/namespaces/ns/pods/name → object.
  const parts = pathname.split("/").filter(Boolean);
  const rest = parts[0] === "api" ? parts.slice(2) : parts.slice(3);
  const afterNs = rest[0] === "namespaces" && rest.length >= 3 ? rest.slice(2) : rest;
  // A namespace itself (/namespaces/x) is one object; a plural alone is a collection.
  if (rest[0] === "namespaces" && rest.length === 2) return "kube.get";
  return afterNs.length <= 1 ? "kube.list" : "kube.get";
}

/** The Storage queue operation class of a request (Queue service REST API). */
export function queueOperation(method: string, pathname: string): LatencyOperation {
  const messages = /\/messages(\/[^/]+)?$/.exec(pathname);
  if (!messages) return "queue.other";
  if (method === "POST") return "queue.send";
  // Get Messages and Peek Messages (`peekonly=true`) cost the same.
  if (method === "GET") return "queue.receive";
  if (method === "DELETE") return messages[1] ? "queue.delete" : "queue.other";
  if (method === "PUT") return "queue.update";
  return "queue.other";
}
