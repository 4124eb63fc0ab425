/**
 * Public types of the ACI simulator: options, behaviour and fault rules, the call log.
 * Bodies are plain JSON in the ARM REST shape (camelCase, `properties` nesting), not SDK model objects.
 */
import type { LatencyProfile } from "../latency.js";

/** A JSON object as sent or received on the wire. */
export type Json = Record<string, unknown>;

export type CallKind = "read" | "write" | "delete";

export type Operation =
  | "containerGroups.get"
  | "containerGroups.list"
  | "containerGroups.listByResourceGroup"
  | "containerGroups.createOrUpdate"
  | "containerGroups.delete"
  | "containerGroups.stop"
  | "containerGroups.start"
  | "containerGroups.restart"
  | "operations.get"
  | "containers.listLogs"
  | "containers.executeCommand"
  | "containers.attach"
  | "metrics.getBatch"
  | "unimplemented";

export interface CallRecord {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Status sent; 0 when the connection was destroyed without a response (reset / lost response). */
  status: number;
  /** Simulator clock (`now()`) when the request arrived, ms. */
  at: number;
  kind: CallKind;
  operation: Operation;
}

export type CallFilter = Partial<Pick<CallRecord, "method" | "kind" | "operation">> & {
  /** Only calls with `at >= since`. */
  since?: number;
};

export type ContainerBehavior =
  | { kind: "run" }
  /** Exits with `exitCode` `afterMs` after each start; the group's restartPolicy decides what follows. */
  | { kind: "exit"; exitCode: number; afterMs: number }
  /** Like `exit` with a non-zero code (default 1): restarts under Always/OnFailure, with growing back-off. */
  | { kind: "crashloop"; exitCode?: number; afterMs: number }
  /** The image never pulls: container Waiting, events Pulling/Failed/BackOff, then the group fails. */
  | { kind: "imagePullFailure"; message?: string }
  /**
   * Killed for exceeding its memory limit `afterMs` after each start: Terminated, exit code 137, detail
   * status `OOMKilled`; the restart policy decides what follows (like `crashloop`).
   */
  | { kind: "oomKilled"; afterMs: number };

/**
 * Something that happens to a running group, set with `setGroupCondition` (docs/aci-simulator.md, "States
 * and answers"). Each adds a group event to `instanceView.events`.
 * - `repairing`: ACI is moving the group to another host: `instanceView.state` `Repairing` until cleared.
 * - `unhealthy`: a container's liveness probe keeps failing: Warning `Unhealthy` events on the container
 *   (the group stays Running).
 * - `spotEvicted`: a `priority: Spot` group was evicted: `instanceView.state` `Stopped`, containers
 *   Terminated with detail status `Evicted`, a Warning `SpotEviction` group event.
 * - `clear`: back to the normal timeline.
 */
export type GroupCondition =
  | { kind: "repairing" }
  | { kind: "unhealthy"; container?: string }
  | { kind: "spotEvicted" }
  | { kind: "clear" };

/** Response time per operation (ms), each with ± `jitter` (a fraction, e.g. 0.3) from the seeded PRNG. */
export interface BehaviorRule {
  match: { image?: string | RegExp; group?: string | RegExp; container?: string };
  behavior: ContainerBehavior;
}

export type FaultEffect =
  | { kind: "status"; status: 500 | 502 | 503 | 504; code?: string; retryAfterSeconds?: number }
  | { kind: "throttle"; retryAfterSeconds?: number }
  | { kind: "latency"; ms: number }
  | { kind: "reset" }
  /** The request is applied server-side, then the connection is destroyed before any response. */
  | { kind: "lostResponse" }
  | { kind: "auth"; status: 401 | 403 };

export interface FaultRule {
  method?: string;
  operation?: Operation;
  path?: RegExp;
  /** Fire this many times, then stop matching. Default: unlimited. */
  times?: number;
  /** Fire with this probability (0..1) per matching request; uses the seeded RNG. Default 1. */
  probability?: number;
  effect: FaultEffect;
}

export interface BucketConfig {
  burst: number;
  /** Tokens added per second. */
  refillPerSecond: number;
}

export interface AciSimulatorTiming {
  /** Provisioning `Pending` before `Creating` (ms). Default 100. */
  pendingMs: number;
  /** Provisioning `Creating` (image pull, container creation) before containers start (ms). Default 200. */
  creatingMs: number;
  /** Default run time of an init container (ms). Default 50. */
  initContainerMs: number;
  /** First crash-loop back-off (ms), doubled per restart. Default 100 (kubelet: 10 s). */
  restartBackoffMs: number;
  /** Back-off cap (ms). Default 1600 (kubelet: 300 s). */
  restartBackoffMaxMs: number;
  /** Interval between image pull retries (ms), for event counts. Default 100. */
  pullRetryMs: number;
  /** After this long (from start of Creating) a group whose image never pulls goes Failed (ms). Default 1000. */
  pullFailureGiveUpMs: number;
  /** An async DELETE (202) finishes after this long (ms). Default 100. */
  deleteMs: number;
  /** A PUT that updates a group in place keeps it `Updating` this long (ms). Default 0. */
  updatingMs?: number;
}

export interface AciSimulatorQuotas {
  /** Container groups per region. Default 100. */
  groupsPerRegion: number;
  /** Sum of cpu requests per region. Default 100. */
  coresPerRegion: number;
  /** New-group creates per 5 minutes per region. Default 100. */
  createsPer5Min: number;
  /** New-group creates per hour per region. Default 300. */
  createsPerHour: number;
  /** Deletes per 5 minutes per region. Default 100. */
  deletesPer5Min: number;
  /** Deletes per hour per region. Default 300. */
  deletesPerHour: number;
}

export interface AciSimulatorLimits {
  /** Max cpu per group (sum of requests). Default 4. */
  maxCpuPerGroup: number;
  /** Max memory per group in GB. Default 16. */
  maxMemoryGbPerGroup: number;
  maxContainersPerGroup: number;
  maxVolumesPerGroup: number;
  maxPortsPerIp: number;
}

export interface AciSimulatorOptions {
  /** Port to bind on 127.0.0.1. Default 0 (any free port). */
  port?: number;
  subscriptionId?: string;
  /** Region used in ids and operation URLs when a body has no `location`. Default "westeurope". */
  defaultRegion?: string;
  timing?: Partial<AciSimulatorTiming>;
  quotas?: Partial<AciSimulatorQuotas>;
  limits?: Partial<AciSimulatorLimits>;
  /** ARM token buckets; `false` disables throttling (headers are still sent). Defaults: ARM's. */
  throttling?:
    | false
    | {
        reads?: BucketConfig;
        writes?: BucketConfig;
        deletes?: BucketConfig;
      };
  /** List page size before a `nextLink`. Default 100. */
  pageSize?: number;
  /** DELETE answer: `async` 202 + Azure-AsyncOperation (default) or `sync` 200 with the body (recording). */
  deleteMode?: "async" | "sync";
  /** Injectable clock (ms since epoch). Default `Date.now`. */
  now?: () => number;
  /** Seed for the fault-probability and latency-jitter RNG. Default 1. */
  seed?: number;
  /**
   * Writes (PUT, DELETE, stop/start/restart) on a group that is Pending, Creating, Updating or Deleting are
   * answered 409 `ContainerGroupTransitioning`, as ACI does. Default false: a PUT on a group being deleted
   * is always refused, but tests whose groups provision in 300 ms and are deleted at once would otherwise
   * turn into retry-later waits (docs/aci-simulator.md, "States and answers").
   */
  transitionConflicts?: boolean;
  /** Whether the create-rate 429 carries `Retry-After` (without it the SDK does not retry). Default true. */
  createRateRetryAfter?: boolean;
  /**
   * Response times: `true` for `DEFAULT_LATENCY` (GET 150 ms, PUT 400 ms, DELETE 300 ms, list page 250 ms,
   * ±30 %, jitter seeded by `seed`), or a profile of your own (testground/sim/latency.ts; its `arm.*` ranges, the classes
   * it leaves out answer at once). Default off (answers at once).
   */
  latency?: boolean | LatencyProfile;
  behaviors?: BehaviorRule[];
}
