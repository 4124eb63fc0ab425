/**
 * The ACI simulator's HTTP server: ARM routing, api-version check, token-bucket throttling, ACI quotas and
 * create/delete rate limits, fault injection, the call log, and the container group store.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  createOperationBody,
  groupId,
  render,
  snapshot,
  TRANSITIONAL_STATES,
  type StoredContainer,
  type StoredGroup,
} from "./group.js";
import { event, iso, restarts, type RestartPolicy } from "./timeline.js";
import type {
  AciSimulatorLimits,
  AciSimulatorOptions,
  AciSimulatorQuotas,
  AciSimulatorTiming,
  BehaviorRule,
  BucketConfig,
  CallFilter,
  CallKind,
  CallRecord,
  ContainerBehavior,
  FaultRule,
  GroupCondition,
  Json,
  Operation,
} from "./types.js";
import {
  createLatencySampler,
  withSeed,
  type LatencyOperation,
  type LatencyProfile,
  type LatencySampler,
} from "../latency.js";
import { validateBody, validateName } from "./validate.js";
import { containerNotFound, SimStreams, STREAM_ROUTES } from "./exec.js";
import { listLogsBody } from "./logs.js";
import { METRICS_ROUTES, metricsBatchBody } from "./metrics.js";

export const DEFAULT_SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000";
/** api-version ACI uses in its operation URLs (test/fixtures/recordings/aci-create.json). */
export const OPERATION_API_VERSION = "2018-06-01";

export const DEFAULT_TIMING: AciSimulatorTiming = {
  pendingMs: 100,
  creatingMs: 200,
  initContainerMs: 50,
  restartBackoffMs: 100,
  restartBackoffMaxMs: 1600,
  pullRetryMs: 100,
  pullFailureGiveUpMs: 1000,
  deleteMs: 100,
  updatingMs: 0,
};
/**
 * Response times of `latency: true`, in the range ARM answers container group calls from inside a region
 * (docs/aci-simulator.md, "Latency"): a GET ~150 ms, a PUT ~400 ms (validation and the create quota), a
 * DELETE ~300 ms, a list page ~250 ms, anything else ~100 ms; ±30 % (uniform), drawn from a stream seeded by
 * the simulator's `seed`.
 */
export const DEFAULT_LATENCY: LatencyProfile = {
  name: "arm-in-region",
  seed: 1,
  ranges: {
    "arm.read": { minMs: 105, maxMs: 195 },
    "arm.write": { minMs: 280, maxMs: 520 },
    "arm.delete": { minMs: 210, maxMs: 390 },
    "arm.list": { minMs: 175, maxMs: 325 },
    "arm.other": { minMs: 70, maxMs: 130 },
  },
};
export const DEFAULT_QUOTAS: AciSimulatorQuotas = {
  groupsPerRegion: 100,
  coresPerRegion: 100,
  createsPer5Min: 100,
  createsPerHour: 300,
  deletesPer5Min: 100,
  deletesPerHour: 300,
};
export const DEFAULT_LIMITS: AciSimulatorLimits = {
  maxCpuPerGroup: 4,
  maxMemoryGbPerGroup: 16,
  maxContainersPerGroup: 60,
  maxVolumesPerGroup: 20,
  maxPortsPerIp: 5,
};
/** ARM's token buckets per principal and region (docs/architecture.md#platform-facts). */
export const DEFAULT_BUCKETS = {
  read: { burst: 250, refillPerSecond: 25 },
  write: { burst: 200, refillPerSecond: 10 },
  delete: { burst: 200, refillPerSecond: 10 },
} satisfies Record<CallKind, BucketConfig>;
/** Default run time before an `aci-sim/exit-N` or `aci-sim/crashloop` image exits (ms). */
export const CONVENTION_EXIT_AFTER_MS = 100;

const FIVE_MIN = 5 * 60_000;
const HOUR = 60 * 60_000;

class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly cfg: BucketConfig,
    now: number,
  ) {
    this.tokens = cfg.burst;
    this.last = now;
  }
  private refill(now: number): void {
    this.tokens = Math.min(
      this.cfg.burst,
      this.tokens + ((now - this.last) / 1000) * this.cfg.refillPerSecond,
    );
    this.last = now;
  }
  /** Takes a token; returns the seconds to wait when there is none. */
  take(now: number): { ok: true; remaining: number } | { ok: false; retryAfterSeconds: number } {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true, remaining: Math.floor(this.tokens) };
    }
    return {
      ok: false,
      retryAfterSeconds: Math.max(1, Math.ceil((1 - this.tokens) / this.cfg.refillPerSecond)),
    };
  }
  remaining(now: number): number {
    this.refill(now);
    return Math.floor(this.tokens);
  }
}

/** Sliding windows of create (or delete) timestamps per region: ACI's 100 / 5 min and 300 / h. */
class RateWindow {
  private readonly times = new Map<string, number[]>();
  constructor(
    private readonly per5m: number,
    private readonly perHour: number,
  ) {}
  private list(region: string, now: number): number[] {
    const all = (this.times.get(region) ?? []).filter((t) => t > now - HOUR);
    this.times.set(region, all);
    return all;
  }
  remaining(region: string, now: number): { pt5m: number; pt1h: number } {
    const all = this.list(region, now);
    const in5 = all.filter((t) => t > now - FIVE_MIN).length;
    return { pt5m: Math.max(0, this.per5m - in5), pt1h: Math.max(0, this.perHour - all.length) };
  }
  /** Seconds until one more is allowed, or 0 if allowed now. */
  wait(region: string, now: number): number {
    const all = this.list(region, now);
    const in5 = all.filter((t) => t > now - FIVE_MIN);
    let until = 0;
    if (in5.length >= this.per5m)
      until = Math.max(until, (in5[in5.length - this.per5m] ?? now) + FIVE_MIN - now);
    if (all.length >= this.perHour)
      until = Math.max(until, (all[all.length - this.perHour] ?? now) + HOUR - now);
    return until > 0 ? Math.max(1, Math.ceil(until / 1000)) : 0;
  }
  record(region: string, now: number): void {
    this.list(region, now).push(now);
  }
}

/** mulberry32: small seedable PRNG for fault probabilities. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The ACI answer to a write on a group that is mid-operation (Microsoft Learn: StatusCode 409). */
export function transitioningError(name: string): Reply {
  return armError(
    409,
    "ContainerGroupTransitioning",
    `The container group '${name}' is still transitioning, please retry later.`,
  );
}

interface Route {
  operation: Operation;
  kind: CallKind;
  params: Record<string, string>;
}

const SEG = "([^/]+)";
const ROUTES: Array<{ method: string; re: RegExp; operation: Operation; names: string[] }> = [
  {
    method: "GET",
    re: new RegExp(`^/subscriptions/${SEG}/providers/Microsoft\\.ContainerInstance/containerGroups$`, "i"),
    operation: "containerGroups.list",
    names: ["sub"],
  },
  {
    method: "GET",
    re: new RegExp(
      `^/subscriptions/${SEG}/resourceGroups/${SEG}/providers/Microsoft\\.ContainerInstance/containerGroups$`,
      "i",
    ),
    operation: "containerGroups.listByResourceGroup",
    names: ["sub", "rg"],
  },
  {
    method: "GET",
    re: new RegExp(
      `^/subscriptions/${SEG}/resourceGroups/${SEG}/providers/Microsoft\\.ContainerInstance/containerGroups/${SEG}$`,
      "i",
    ),
    operation: "containerGroups.get",
    names: ["sub", "rg", "name"],
  },
  {
    method: "PUT",
    re: new RegExp(
      `^/subscriptions/${SEG}/resourceGroups/${SEG}/providers/Microsoft\\.ContainerInstance/containerGroups/${SEG}$`,
      "i",
    ),
    operation: "containerGroups.createOrUpdate",
    names: ["sub", "rg", "name"],
  },
  {
    method: "DELETE",
    re: new RegExp(
      `^/subscriptions/${SEG}/resourceGroups/${SEG}/providers/Microsoft\\.ContainerInstance/containerGroups/${SEG}$`,
      "i",
    ),
    operation: "containerGroups.delete",
    names: ["sub", "rg", "name"],
  },
  // Container group actions: POST …/containerGroups/{name}/stop | start | restart.
  ...(["stop", "start", "restart"] as const).map((action) => ({
    method: "POST",
    re: new RegExp(
      `^/subscriptions/${SEG}/resourceGroups/${SEG}/providers/Microsoft\\.ContainerInstance/containerGroups/${SEG}/${action}$`,
      "i",
    ),
    operation: `containerGroups.${action}` as const,
    names: ["sub", "rg", "name"],
  })),
  {
    method: "GET",
    re: new RegExp(
      `^/subscriptions/${SEG}/resourceGroups/${SEG}/providers/Microsoft\\.ContainerInstance/containerGroups/${SEG}/containers/${SEG}/logs$`,
      "i",
    ),
    operation: "containers.listLogs",
    names: ["sub", "rg", "name", "container"],
  },
  ...STREAM_ROUTES,
  ...METRICS_ROUTES,
  {
    method: "GET",
    re: new RegExp(
      `^/subscriptions/${SEG}/providers/Microsoft\\.ContainerInstance/locations/${SEG}/operations/${SEG}$`,
      "i",
    ),
    operation: "operations.get",
    names: ["sub", "region", "id"],
  },
  {
    method: "GET",
    re: new RegExp(
      `^/subscriptions/${SEG}/providers/Microsoft\\.ContainerInstance/locations/${SEG}/operationResults/${SEG}$`,
      "i",
    ),
    operation: "operations.get",
    names: ["sub", "region", "id"],
  },
];

function kindOf(method: string): CallKind {
  if (method === "DELETE") return "delete";
  if (method === "GET" || method === "HEAD") return "read";
  return "write";
}

function route(method: string, path: string): Route {
  for (const r of ROUTES) {
    if (r.method !== method) continue;
    const m = r.re.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    r.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1] ?? "")));
    return { operation: r.operation, kind: kindOf(method), params };
  }
  return { operation: "unimplemented", kind: kindOf(method), params: {} };
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const armError = (
  status: number,
  code: string,
  message: string,
  headers?: Record<string, string>,
): Reply => ({
  status,
  body: { error: { code, message } },
  ...(headers ? { headers } : {}),
});

interface Operation_ {
  kind: "create" | "delete";
  group: StoredGroup;
  region: string;
}

/** Image-name conventions so scenario YAML can ask for behaviours without code (docs/aci-simulator.md). */
export function behaviorFromImage(image: string): ContainerBehavior | "inaccessible" | undefined {
  if (image.includes("aci-sim/inaccessible")) return "inaccessible";
  const oom = /aci-sim\/oom(?:-after-(\d+)ms)?/.exec(image);
  if (oom) return { kind: "oomKilled", afterMs: oom[1] ? Number(oom[1]) : CONVENTION_EXIT_AFTER_MS };
  if (image.includes("aci-sim/pull-error") || /:does-not-exist(@|$)/.test(image))
    return { kind: "imagePullFailure" };
  const after = /-after-(\d+)ms/.exec(image);
  const afterMs = after ? Number(after[1]) : CONVENTION_EXIT_AFTER_MS;
  const exit = /aci-sim\/exit-(\d+)/.exec(image);
  if (exit) return { kind: "exit", exitCode: Number(exit[1]), afterMs };
  const crash = /aci-sim\/crashloop(?:-(\d+))?/.exec(image);
  if (crash) return { kind: "crashloop", exitCode: crash[1] ? Number(crash[1]) : 1, afterMs };
  return undefined;
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");

const matches = (pattern: string | RegExp | undefined, value: string): boolean =>
  pattern === undefined || (typeof pattern === "string" ? value === pattern : pattern.test(value));

export class AciSimulatorCore {
  readonly subscriptionId: string;
  readonly calls: CallRecord[] = [];
  readonly timing: AciSimulatorTiming;
  private readonly quotas: AciSimulatorQuotas;
  private readonly limits: AciSimulatorLimits;
  private readonly pageSize: number;
  private readonly deleteMode: "async" | "sync";
  private readonly defaultRegion: string;
  readonly now: () => number;
  private readonly random: () => number;
  private readonly latency: LatencySampler | undefined;
  private readonly transitionConflicts: boolean;
  private readonly createRateRetryAfter: boolean;
  private readonly buckets: Record<CallKind, TokenBucket> | undefined;
  private readonly bucketCfg: Record<CallKind, BucketConfig>;
  private readonly creates: RateWindow;
  private readonly deletes: RateWindow;
  private readonly groups = new Map<string, StoredGroup>();
  private readonly operations = new Map<string, Operation_>();
  private readonly behaviors: BehaviorRule[];
  private faultRules: Array<FaultRule & { fired: number }> = [];
  /** exec/attach sessions and their websockets (exec.ts). */
  readonly streams: SimStreams;
  private nextPrivate = 4;
  private nextPublic = 1;
  endpoint = "";

  constructor(opts: AciSimulatorOptions = {}) {
    this.subscriptionId = opts.subscriptionId ?? DEFAULT_SUBSCRIPTION_ID;
    this.timing = { ...DEFAULT_TIMING, ...opts.timing };
    this.quotas = { ...DEFAULT_QUOTAS, ...opts.quotas };
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.pageSize = opts.pageSize ?? 100;
    this.deleteMode = opts.deleteMode ?? "async";
    this.defaultRegion = opts.defaultRegion ?? "westeurope";
    this.now = opts.now ?? Date.now;
    this.random = rng(opts.seed ?? 1);
    // A stream of its own, so turning latency on does not change which requests faults pick.
    this.latency =
      opts.latency === true
        ? createLatencySampler(withSeed(DEFAULT_LATENCY, opts.seed ?? 1), "aci")
        : opts.latency
          ? createLatencySampler(opts.latency, "aci")
          : undefined;
    this.transitionConflicts = opts.transitionConflicts ?? false;
    this.createRateRetryAfter = opts.createRateRetryAfter ?? true;
    this.behaviors = [...(opts.behaviors ?? [])];
    const t = opts.throttling;
    this.bucketCfg = {
      read: (t && t.reads) || DEFAULT_BUCKETS.read,
      write: (t && t.writes) || DEFAULT_BUCKETS.write,
      delete: (t && t.deletes) || DEFAULT_BUCKETS.delete,
    };
    const now = this.now();
    this.buckets =
      t === false
        ? undefined
        : {
            read: new TokenBucket(this.bucketCfg.read, now),
            write: new TokenBucket(this.bucketCfg.write, now),
            delete: new TokenBucket(this.bucketCfg.delete, now),
          };
    this.streams = new SimStreams(this);
    this.creates = new RateWindow(this.quotas.createsPer5Min, this.quotas.createsPerHour);
    this.deletes = new RateWindow(this.quotas.deletesPer5Min, this.quotas.deletesPerHour);
  }

  // ---- test-facing API -------------------------------------------------------------------------------

  countCalls(filter: CallFilter = {}): number {
    return this.calls.filter(
      (c) =>
        (filter.method === undefined || c.method === filter.method) &&
        (filter.kind === undefined || c.kind === filter.kind) &&
        (filter.operation === undefined || c.operation === filter.operation) &&
        (filter.since === undefined || c.at >= filter.since),
    ).length;
  }

  resetCalls(): void {
    this.calls.length = 0;
  }

  addFault(rule: FaultRule): () => void {
    const entry = { ...rule, fired: 0 };
    this.faultRules.push(entry);
    return () => {
      this.faultRules = this.faultRules.filter((r) => r !== entry);
    };
  }

  clearFaults(): void {
    this.faultRules = [];
  }

  setBehavior(rule: BehaviorRule): void {
    this.behaviors.push(rule);
  }

  private key(rg: string, name: string): string {
    return `${rg.toLowerCase()}/${name.toLowerCase()}`;
  }

  /** Removes groups whose async delete has finished. */
  private live(g: StoredGroup | undefined, now: number): StoredGroup | undefined {
    if (g?.deleting && now >= g.deleting.doneAt) {
      this.groups.delete(this.key(g.resourceGroup, g.name));
      return undefined;
    }
    return g;
  }

  private liveGroups(now: number): StoredGroup[] {
    const out: StoredGroup[] = [];
    for (const g of [...this.groups.values()]) if (this.live(g, now)) out.push(g);
    return out;
  }

  /** The live stored group (exec/attach sessions look it up when their websocket connects). */
  findStoredGroup(resourceGroup: string, name: string): StoredGroup | undefined {
    return this.live(this.groups.get(this.key(resourceGroup, name)), this.now());
  }

  getGroup(resourceGroup: string, name: string): Json | undefined {
    const now = this.now();
    const g = this.live(this.groups.get(this.key(resourceGroup, name)), now);
    return g ? render(g, now, this.timing, true) : undefined;
  }

  listGroups(): Array<{ resourceGroup: string; name: string; body: Json }> {
    const now = this.now();
    return this.liveGroups(now).map((g) => ({
      resourceGroup: g.resourceGroup,
      name: g.name,
      body: render(g, now, this.timing, true),
    }));
  }

  seedGroup(resourceGroup: string, name: string, body: Json, opts: { startedAgoMs?: number } = {}): void {
    const v = validateBody(name, body, {
      ...this.limits,
      maxCpuPerGroup: Infinity,
      maxMemoryGbPerGroup: Infinity,
    });
    if ("code" in v) throw new Error(`seedGroup: ${v.code}: ${v.message}`);
    const provisioning = this.timing.pendingMs + this.timing.creatingMs + this.initTotal(body);
    const g = this.build(
      this.subscriptionId,
      resourceGroup,
      name,
      body,
      v.cpu,
      this.now() - provisioning - (opts.startedAgoMs ?? 0),
    );
    this.groups.set(this.key(resourceGroup, name), g);
  }

  crashContainer(resourceGroup: string, name: string, containerName: string, exitCode = 1): void {
    const now = this.now();
    const g = this.live(this.groups.get(this.key(resourceGroup, name)), now);
    if (!g) throw new Error(`crashContainer: no container group ${resourceGroup}/${name}`);
    const idx = g.containers.findIndex((c) => c.name === containerName);
    const c = g.containers[idx];
    const view = snapshot(g, now, this.timing).containers[idx];
    if (!c || !view)
      throw new Error(`crashContainer: no container ${containerName} in ${resourceGroup}/${name}`);
    if (view.currentState.state !== "Running")
      throw new Error(`crashContainer: ${containerName} is ${view.currentState.state}, not Running`);
    const previous = {
      state: "Terminated" as const,
      startTime: view.currentState.startTime ?? iso(now),
      finishTime: iso(now),
      exitCode,
      detailStatus: exitCode === 0 ? "Completed" : "Error",
    };
    c.crash = {
      previous,
      restartOffset: view.restartCount + 1,
      ...(restarts(g.restartPolicy, exitCode) ? { restartAt: now + this.timing.restartBackoffMs } : {}),
    };
  }

  /** Applies a condition to an existing group (docs/aci-simulator.md, "States and answers"). */
  setGroupCondition(resourceGroup: string, name: string, condition: GroupCondition): void {
    const now = this.now();
    const g = this.live(this.groups.get(this.key(resourceGroup, name)), now);
    if (!g) throw new Error(`setGroupCondition: no container group ${resourceGroup}/${name}`);
    if (condition.kind === "clear") {
      delete g.condition;
      return;
    }
    if (condition.kind === "spotEvicted" && (g.body.properties as Json | undefined)?.priority !== "Spot") {
      throw new Error(`setGroupCondition: ${resourceGroup}/${name} is not a priority Spot group`);
    }
    g.condition = { ...condition, at: now };
    if (condition.kind === "repairing") {
      g.events.push(
        event(
          "Repairing",
          "The container group is being moved to a healthy host (aci-sim).",
          now,
          now,
          1,
          "Warning",
        ),
      );
    } else if (condition.kind === "spotEvicted") {
      g.events.push(
        event(
          "SpotEviction",
          "The Spot container group was evicted because Azure needed the capacity back (aci-sim).",
          now,
          now,
          1,
          "Warning",
        ),
      );
    }
  }

  /** Whether ACI would refuse a write on `g` now because it is mid-operation. */
  private transitioning(g: StoredGroup, now: number): boolean {
    if (g.deleting) return true;
    if (!this.transitionConflicts) return false;
    return TRANSITIONAL_STATES.has(snapshot(g, now, this.timing).provisioningState);
  }

  // ---- model -----------------------------------------------------------------------------------------

  private initTotal(body: Json): number {
    const init = ((body.properties as Json | undefined)?.initContainers as Json[] | undefined) ?? [];
    return init.reduce((sum, c) => {
      const b = this.behaviorFor("", c);
      return (
        sum +
        (b !== "inaccessible" && (b.kind === "exit" || b.kind === "crashloop" || b.kind === "oomKilled")
          ? b.afterMs
          : this.timing.initContainerMs)
      );
    }, 0);
  }

  private behaviorFor(group: string, c: Json): ContainerBehavior | "inaccessible" {
    const image = str((c.properties as Json | undefined)?.image);
    const name = str(c.name);
    for (let i = this.behaviors.length - 1; i >= 0; i--) {
      const r = this.behaviors[i];
      if (!r) continue;
      const m = r.match;
      if (
        matches(m.image, image) &&
        matches(m.group, group) &&
        (m.container === undefined || m.container === name)
      ) {
        return r.behavior;
      }
    }
    return behaviorFromImage(image) ?? { kind: "run" };
  }

  private build(
    sub: string,
    rg: string,
    name: string,
    body: Json,
    cpu: number,
    createdAt: number,
  ): StoredGroup {
    const p = (body.properties as Json | undefined) ?? {};
    const toStored = (list: unknown): StoredContainer[] =>
      ((list as Json[] | undefined) ?? []).map((c) => {
        const b = this.behaviorFor(name, c);
        return {
          name: String(c.name),
          image: String((c.properties as Json).image),
          behavior: b === "inaccessible" ? { kind: "run" } : b,
        };
      });
    const subnets = Array.isArray(p.subnetIds) && p.subnetIds.length > 0;
    const wantsIp = subnets || p.ipAddress !== undefined;
    let ip: StoredGroup["ip"];
    if (wantsIp) {
      if (subnets) {
        const n = this.nextPrivate++;
        ip = { type: "Private", ip: `10.240.${Math.floor(n / 250)}.${(n % 250) + 4}` };
      } else {
        const n = this.nextPublic++;
        ip = {
          type: "Public",
          ip: `20.${50 + Math.floor(n / 65536)}.${Math.floor(n / 256) % 256}.${n % 256}`,
        };
      }
    }
    return {
      subscriptionId: sub,
      resourceGroup: rg,
      name,
      region: str(body.location) || this.defaultRegion,
      body: structuredClone(body),
      createdAt,
      containers: toStored(p.containers),
      initContainers: toStored(p.initContainers),
      restartPolicy: (p.restartPolicy as RestartPolicy | undefined) ?? "Always",
      cpu,
      ...(ip ? { ip } : {}),
      createOperationId: randomUUID(),
      events: [],
    };
  }

  private operationUrl(
    region: string,
    id: string,
    kind: "operations" | "operationResults" = "operations",
  ): string {
    return `${this.endpoint}/subscriptions/${this.subscriptionId}/providers/Microsoft.ContainerInstance/locations/${region}/${kind}/${id}?api-version=${OPERATION_API_VERSION}`;
  }

  // ---- request handling ------------------------------------------------------------------------------

  handle(method: string, path: string, query: URLSearchParams, rawBody: string, r: Route): Reply {
    const now = this.now();
    const { params } = r;
    if (r.operation === "unimplemented") {
      return armError(501, "NotImplemented", `The ACI simulator does not implement ${method} ${path}`);
    }
    if (params.sub?.toLowerCase() !== this.subscriptionId.toLowerCase()) {
      return armError(
        404,
        "SubscriptionNotFound",
        `The subscription '${params.sub ?? ""}' could not be found.`,
      );
    }
    switch (r.operation) {
      case "containerGroups.get": {
        const g = this.live(this.groups.get(this.key(params.rg!, params.name!)), now);
        if (!g) return this.notFound(params.rg!, params.name!);
        return { status: 200, body: render(g, now, this.timing, true) };
      }
      case "containerGroups.list":
      case "containerGroups.listByResourceGroup": {
        const rg = params.rg?.toLowerCase();
        const all = this.liveGroups(now).filter(
          (g) => rg === undefined || g.resourceGroup.toLowerCase() === rg,
        );
        const skip = Number(query.get("$skipToken") ?? "0") || 0;
        const page = all.slice(skip, skip + this.pageSize);
        const body: Json = { value: page.map((g) => render(g, now, this.timing, false)) };
        if (skip + this.pageSize < all.length) {
          const next = new URLSearchParams({
            "api-version": query.get("api-version") ?? "",
            $skipToken: String(skip + this.pageSize),
          });
          body.nextLink = `${this.endpoint}${path}?${next.toString()}`;
        }
        return { status: 200, body };
      }
      case "containerGroups.createOrUpdate":
        return this.put(params.rg!, params.name!, rawBody, now);
      case "containerGroups.delete":
        return this.delete(params.rg!, params.name!, now);
      case "containerGroups.stop":
      case "containerGroups.start":
      case "containerGroups.restart":
        return this.action(r.operation, params.rg!, params.name!, now);
      case "containers.listLogs": {
        const g = this.live(this.groups.get(this.key(params.rg!, params.name!)), now);
        if (!g) return this.notFound(params.rg!, params.name!);
        const body = listLogsBody(g, params.container ?? "", now, this.timing, query);
        if (!body) return containerNotFound(params.container ?? "", g.name);
        return { status: 200, body };
      }
      case "containers.executeCommand":
      case "containers.attach": {
        const g = this.live(this.groups.get(this.key(params.rg!, params.name!)), now);
        if (!g) return this.notFound(params.rg!, params.name!);
        if (!g.containers.some((c) => c.name === params.container))
          return containerNotFound(params.container ?? "", g.name);
        return this.streams.start(r.operation, g, params.container ?? "", rawBody);
      }
      case "metrics.getBatch":
        return metricsBatchBody(this.liveGroups(now), query, rawBody, now, this.timing);
      case "operations.get": {
        const op = this.operations.get(params.id!);
        if (!op)
          return armError(404, "OperationNotFound", `The operation '${params.id ?? ""}' could not be found.`);
        const results = /\/operationResults\//i.test(path);
        if (op.kind === "create") {
          const body = createOperationBody(op.group, now, this.timing);
          if (results)
            return body.status === "Succeeded" || body.status === "Failed"
              ? { status: 204 }
              : { status: 202 };
          return { status: 200, body };
        }
        const d = op.group.deleting;
        const done = d !== undefined && now >= d.doneAt;
        if (done) this.live(this.groups.get(this.key(op.group.resourceGroup, op.group.name)), now);
        if (results) return done ? { status: 204 } : { status: 202, headers: { "Retry-After": "1" } };
        return {
          status: 200,
          body: {
            id: groupId(op.group),
            status: done ? "Succeeded" : "InProgress",
            startTime: iso(d?.at ?? now),
            ...(done && d ? { endTime: iso(d.doneAt) } : {}),
            properties: { events: [] },
          },
        };
      }
      default:
        return armError(501, "NotImplemented", `The ACI simulator does not implement ${method} ${path}`);
    }
  }

  private notFound(rg: string, name: string): Reply {
    return armError(
      404,
      "ResourceNotFound",
      `The Resource '${"Microsoft.ContainerInstance/containerGroups"}/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    );
  }

  private rateHeaders(w: RateWindow, region: string, now: number): Record<string, string> {
    const r = w.remaining(region, now);
    return {
      "x-ms-ratelimit-remaining-subscription-resource-requests-pt5m": String(r.pt5m),
      "x-ms-ratelimit-remaining-subscription-resource-requests-pt1h": String(r.pt1h),
    };
  }

  private put(rg: string, name: string, rawBody: string, now: number): Reply {
    const nameError = validateName(name);
    if (nameError) return armError(nameError.status, nameError.code, nameError.message);
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      return armError(
        400,
        "InvalidRequestContent",
        "The request content was invalid and could not be deserialized: malformed JSON.",
      );
    }
    const v = validateBody(name, body, this.limits);
    if ("code" in v) return armError(v.status, v.code, v.message);
    const json = body as Json;
    const region = String(json.location);
    for (const c of [
      ...(((json.properties as Json).containers as Json[]) ?? []),
      ...(((json.properties as Json).initContainers as Json[] | undefined) ?? []),
    ]) {
      if (this.behaviorFor(name, c) === "inaccessible") {
        const image = String((c.properties as Json).image);
        return armError(
          400,
          "InaccessibleImage",
          `The image '${image}' in container group '${name}' is not accessible. Please check the image and registry credential.`,
        );
      }
    }
    const key = this.key(rg, name);
    const existing = this.live(this.groups.get(key), now);
    if (existing && this.transitioning(existing, now)) return transitioningError(name);
    const others = this.liveGroups(now).filter(
      (g) => g.region.toLowerCase() === region.toLowerCase() && g !== existing,
    );
    if (!existing && others.length + 1 > this.quotas.groupsPerRegion) {
      return armError(
        400,
        "ContainerGroupQuotaReached",
        `Resource type 'Microsoft.ContainerInstance/containerGroups' container group quota 'ContainerGroups' exceeded in region '${region}'. Limit: '${this.quotas.groupsPerRegion}', Usage: '${others.length}' Requested: '1'.`,
      );
    }
    const used = others.reduce((s, g) => s + g.cpu, 0);
    if (used + v.cpu > this.quotas.coresPerRegion) {
      return armError(
        400,
        "ContainerGroupQuotaReached",
        `Resource type 'Microsoft.ContainerInstance/containerGroups' container group quota 'StandardCores' exceeded in region '${region}'. Limit: '${this.quotas.coresPerRegion}', Usage: '${used}' Requested: '${v.cpu}'.`,
      );
    }
    if (!existing) {
      const wait = this.creates.wait(region, now);
      if (wait > 0) {
        return armError(
          429,
          "TooManyRequests",
          `The number of container group create requests in region '${region}' exceeded the limit ('${this.quotas.createsPer5Min}' per 5 minutes, '${this.quotas.createsPerHour}' per hour). Please retry after '${wait}' seconds.`,
          {
            ...(this.createRateRetryAfter ? { "Retry-After": String(wait) } : {}),
            ...this.rateHeaders(this.creates, region, now),
          },
        );
      }
      this.creates.record(region, now);
    }
    let g: StoredGroup;
    if (
      existing &&
      JSON.stringify((existing.body.properties as Json).containers) ===
        JSON.stringify(json.properties && (json.properties as Json).containers) &&
      JSON.stringify((existing.body.properties as Json).initContainers) ===
        JSON.stringify((json.properties as Json).initContainers)
    ) {
      // Same containers: an in-place update (tags, etc.) keeps the running timeline.
      existing.body = structuredClone(json);
      existing.cpu = v.cpu;
      const updatingMs = this.timing.updatingMs ?? 0;
      if (updatingMs > 0) existing.updatingUntil = now + updatingMs;
      g = existing;
    } else {
      g = this.build(this.subscriptionId, existing?.resourceGroup ?? rg, name, json, v.cpu, now);
      if (existing?.ip && g.ip && existing.ip.type === g.ip.type) g.ip = existing.ip;
      this.groups.set(key, g);
      this.operations.set(g.createOperationId, { kind: "create", group: g, region });
    }
    return {
      status: existing ? 200 : 201,
      body: render(g, now, this.timing, true),
      headers: {
        "Azure-AsyncOperation": this.operationUrl(g.region, g.createOperationId),
        ...this.rateHeaders(this.creates, region, now),
      },
    };
  }

  private delete(rg: string, name: string, now: number): Reply {
    const key = this.key(rg, name);
    const g = this.live(this.groups.get(key), now);
    const region = g?.region ?? this.defaultRegion;
    if (!g) return { status: 204, headers: this.rateHeaders(this.deletes, region, now) };
    if (this.transitionConflicts && this.transitioning(g, now)) return transitioningError(g.name);
    if (!g.deleting) {
      const wait = this.deletes.wait(region, now);
      if (wait > 0) {
        return armError(
          429,
          "TooManyRequests",
          `The number of container group delete requests in region '${region}' exceeded the limit. Please retry after '${wait}' seconds.`,
          { "Retry-After": String(wait), ...this.rateHeaders(this.deletes, region, now) },
        );
      }
      this.deletes.record(region, now);
    }
    if (this.deleteMode === "sync") {
      const body = render(g, now, this.timing, true);
      this.groups.delete(key);
      return { status: 200, body, headers: this.rateHeaders(this.deletes, region, now) };
    }
    if (!g.deleting) {
      const operationId = randomUUID();
      g.deleting = { at: now, doneAt: now + this.timing.deleteMs, operationId };
      this.operations.set(operationId, { kind: "delete", group: g, region });
    }
    const id = g.deleting?.operationId ?? "";
    return {
      status: 202,
      headers: {
        "Azure-AsyncOperation": this.operationUrl(region, id),
        Location: this.operationUrl(region, id, "operationResults"),
        ...this.rateHeaders(this.deletes, region, now),
      },
    };
  }

  /** POST stop / start / restart: 204 (ACI answers these synchronously) or 409 while transitioning. */
  private action(operation: Operation, rg: string, name: string, now: number): Reply {
    const g = this.live(this.groups.get(this.key(rg, name)), now);
    if (!g) return this.notFound(rg, name);
    if (this.transitioning(g, now)) return transitioningError(name);
    if (operation === "containerGroups.stop") {
      g.stopped ??= { at: now };
      g.events.push(event("Stopped", `Stopped container group ${name} (aci-sim).`, now, now));
    } else {
      // start after a stop, or restart: the timeline runs again from Pending with the same containers.
      delete g.stopped;
      if (g.condition?.kind === "spotEvicted") delete g.condition;
      for (const c of [...g.containers, ...g.initContainers]) delete c.crash;
      g.createdAt = now;
      const what = operation === "containerGroups.start" ? "Started" : "Restarted";
      g.events.push(event(what, `${what} container group ${name} (aci-sim).`, now, now));
    }
    return { status: 204 };
  }

  /** How long to wait before answering, under the latency profile (0 when it is off). */
  private latencyMs(operation: Operation): number {
    return this.latency ? Math.round(this.latency.delayMs(latencyOperation(operation))) : 0;
  }

  // ---- HTTP plumbing ---------------------------------------------------------------------------------

  private pickFault(
    method: string,
    path: string,
    operation: Operation,
  ): { latencyMs: number; effect?: FaultRule["effect"] } {
    let latencyMs = 0;
    let effect: FaultRule["effect"] | undefined;
    for (const r of this.faultRules) {
      if (r.method !== undefined && r.method.toUpperCase() !== method) continue;
      if (r.operation !== undefined && r.operation !== operation) continue;
      if (r.path !== undefined && !r.path.test(path)) continue;
      if (r.times !== undefined && r.fired >= r.times) continue;
      if (r.effect.kind !== "latency" && effect) continue;
      if (r.probability !== undefined && this.random() >= r.probability) continue;
      r.fired += 1;
      if (r.effect.kind === "latency") latencyMs += r.effect.ms;
      else effect = r.effect;
    }
    return { latencyMs, ...(effect ? { effect } : {}) };
  }

  async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = this.now();
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = url.pathname.replace(/\/+$/, "") || "/";
    const r = route(method, path);
    const record: CallRecord = { method, path, status: 0, at, kind: r.kind, operation: r.operation };
    this.calls.push(record);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString("utf8");

    const fault = this.pickFault(method, path, r.operation);
    const waitMs = fault.latencyMs + this.latencyMs(r.operation);
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    // Region for x-ms-request-id, looked up when answering so a new group's own region is used.
    const region = (): string =>
      r.params.region ??
      this.groups.get(this.key(r.params.rg ?? "", r.params.name ?? ""))?.region ??
      this.defaultRegion;
    const headers: Record<string, string> = { "x-ms-correlation-request-id": randomUUID() };
    const bucketHeader = `x-ms-ratelimit-remaining-subscription-${r.kind === "read" ? "reads" : r.kind === "write" ? "writes" : "deletes"}`;
    const send = (reply: Reply): void => {
      record.status = reply.status;
      const h: Record<string, string> = {
        "x-ms-request-id": `${region()}:${randomUUID()}`,
        ...headers,
        ...reply.headers,
      };
      if (reply.body !== undefined) h["content-type"] = "application/json; charset=utf-8";
      res.writeHead(reply.status, h);
      res.end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
    };
    const destroy = (): void => {
      record.status = 0;
      req.socket.destroy();
    };

    const effect = fault.effect;
    if (effect?.kind === "reset") return destroy();
    if (effect?.kind === "status") {
      return send(
        armError(
          effect.status,
          effect.code ?? (effect.status === 500 ? "InternalServerError" : "ServiceUnavailable"),
          `Injected fault: HTTP ${effect.status}.`,
          effect.retryAfterSeconds !== undefined
            ? { "Retry-After": String(effect.retryAfterSeconds) }
            : undefined,
        ),
      );
    }
    if (effect?.kind === "throttle") {
      return send(
        armError(
          429,
          "SubscriptionRequestsThrottled",
          "Injected fault: too many requests.",
          effect.retryAfterSeconds !== undefined
            ? { "Retry-After": String(effect.retryAfterSeconds) }
            : undefined,
        ),
      );
    }
    if (effect?.kind === "auth") {
      return effect.status === 401
        ? send(
            armError(
              401,
              "AuthenticationFailed",
              "Authentication failed. The 'Authorization' header is missing or invalid (injected fault).",
            ),
          )
        : send(
            armError(
              403,
              "AuthorizationFailed",
              `The client does not have authorization to perform action '${r.operation}' over scope '${path}' (injected fault).`,
            ),
          );
    }
    if (r.operation !== "unimplemented" && !url.searchParams.get("api-version")) {
      return send(
        armError(
          400,
          "MissingApiVersionParameter",
          "The api-version query parameter (?api-version=) is required for all requests.",
        ),
      );
    }
    if (this.buckets) {
      const t = this.buckets[r.kind].take(this.now());
      if (!t.ok) {
        headers[bucketHeader] = "0";
        const label = r.kind === "read" ? "read" : r.kind === "write" ? "write" : "delete";
        return send(
          armError(
            429,
            "SubscriptionRequestsThrottled",
            `Number of '${label}' requests for subscription '${this.subscriptionId}' actor 'aci-sim' exceeded. Please try again after '${t.retryAfterSeconds}' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling`,
            { "Retry-After": String(t.retryAfterSeconds) },
          ),
        );
      }
      headers[bucketHeader] = String(t.remaining);
    } else {
      headers[bucketHeader] = String(this.bucketCfg[r.kind].burst);
    }
    let reply: Reply;
    try {
      reply = this.handle(method, path, url.searchParams, rawBody, r);
    } catch (e) {
      reply = armError(
        500,
        "InternalServerError",
        `ACI simulator error: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    if (effect?.kind === "lostResponse") return destroy();
    send(reply);
  }
}

export interface StartedServer {
  endpoint: string;
  close(): Promise<void>;
}

export async function listen(core: AciSimulatorCore, port: number): Promise<StartedServer> {
  const server = createServer((req, res) => {
    core.serve(req, res).catch((e: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { code: "InternalServerError", message: String(e) } }));
      }
    });
  });
  server.on("upgrade", (req, socket, head) => core.streams.upgrade(req, socket, head));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  core.endpoint = endpoint;
  let closing: Promise<void> | undefined;
  return {
    endpoint,
    /** Idempotent: a second call returns the first call's promise. */
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        core.streams.closeAll();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      })),
  };
}

/** The latency class of an ARM operation (testground/sim/latency.ts). */
function latencyOperation(operation: Operation): LatencyOperation {
  switch (operation) {
    case "containerGroups.get":
      return "arm.read";
    case "containerGroups.createOrUpdate":
      return "arm.write";
    case "containerGroups.delete":
      return "arm.delete";
    case "containerGroups.list":
    case "containerGroups.listByResourceGroup":
      return "arm.list";
    default:
      return "arm.other";
  }
}
