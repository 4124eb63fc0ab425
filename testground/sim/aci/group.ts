/**
 * A stored container group and how it renders at a point in time: provisioning state, group and container
 * instance views, operation status. The stored body is the PUT body; everything time-dependent is derived.
 */
import {
  containerView,
  event,
  iso,
  OOM_EXIT_CODE,
  pullFailureView,
  redact,
  waiting,
  type ContainerView,
  type CrashOverride,
  type RestartPolicy,
} from "./timeline.js";
import type { ContainerEvent } from "./timeline.js";
import type { AciSimulatorTiming, ContainerBehavior, GroupCondition, Json } from "./types.js";

export const RESOURCE_TYPE = "Microsoft.ContainerInstance/containerGroups";

export interface StoredContainer {
  name: string;
  image: string;
  behavior: ContainerBehavior;
  crash?: CrashOverride;
}

export interface StoredGroup {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  region: string;
  /** PUT body as received (secrets included; redacted when rendered). */
  body: Json;
  createdAt: number;
  containers: StoredContainer[];
  initContainers: StoredContainer[];
  restartPolicy: RestartPolicy;
  cpu: number;
  ip?: { ip: string; type: "Private" | "Public" };
  createOperationId: string;
  deleting?: { at: number; doneAt: number; operationId: string };
  /** Set by a `stop` call; a `start` clears it. */
  stopped?: { at: number };
  /** An in-place update (same containers) is `Updating` until then. */
  updatingUntil?: number;
  /** Set by `setGroupCondition`. */
  condition?: Exclude<GroupCondition, { kind: "clear" }> & { at: number };
  /** Group-level events (`instanceView.events`): stop, start, restart, repair, eviction. */
  events: ContainerEvent[];
}

export type ProvisioningState = "Pending" | "Creating" | "Updating" | "Succeeded" | "Failed" | "Deleting";

/** Provisioning states in which ACI refuses writes with 409 `ContainerGroupTransitioning`. */
export const TRANSITIONAL_STATES: ReadonlySet<ProvisioningState> = new Set([
  "Pending",
  "Creating",
  "Updating",
  "Deleting",
]);

export interface GroupSnapshot {
  provisioningState: ProvisioningState;
  state: "Pending" | "Running" | "Succeeded" | "Failed" | "Stopped" | "Repairing";
  containers: ContainerView[];
  initContainers: ContainerView[];
  /** When provisioning ended (Succeeded or Failed), if it has. */
  provisionedAt?: number;
  failure?: { code: string; message: string };
}

export function groupId(g: Pick<StoredGroup, "subscriptionId" | "resourceGroup" | "name">): string {
  return `/subscriptions/${g.subscriptionId}/resourceGroups/${g.resourceGroup}/providers/${RESOURCE_TYPE}/${g.name}`;
}

/** Run time of an init container under its behaviour; undefined = never completes by itself. */
function initDuration(b: ContainerBehavior, timing: AciSimulatorTiming): number | undefined {
  if (b.kind === "exit") return b.afterMs;
  if (b.kind === "crashloop" || b.kind === "oomKilled") return b.afterMs;
  if (b.kind === "run") return timing.initContainerMs;
  return undefined;
}

const initExitCode = (b: ContainerBehavior): number =>
  b.kind === "exit"
    ? b.exitCode
    : b.kind === "crashloop"
      ? (b.exitCode ?? 1)
      : b.kind === "oomKilled"
        ? OOM_EXIT_CODE
        : 0;

/**
 * The group at `now`. Timeline: Pending for `pendingMs`; Creating while images pull (`creatingMs`) and init
 * containers run one after the other; then Succeeded and the main containers start. A pull failure keeps
 * the group Creating for `pullFailureGiveUpMs`, then Failed; a failing init container fails the group.
 */
export function snapshot(g: StoredGroup, now: number, timing: AciSimulatorTiming): GroupSnapshot {
  const base = timelineSnapshot(g, now, timing);
  if (base.provisioningState !== "Succeeded" && base.provisioningState !== "Deleting") return base;
  let snap = base;
  if (g.updatingUntil !== undefined && now < g.updatingUntil && !g.deleting) {
    snap = { ...snap, provisioningState: "Updating" };
  }
  const stoppedAt = g.stopped?.at ?? (g.condition?.kind === "spotEvicted" ? g.condition.at : undefined);
  if (stoppedAt !== undefined) {
    const detail = g.stopped ? "Stopped" : "Evicted";
    // Stopped or evicted: every container that was still going is Terminated at that moment.
    const stop = (v: ContainerView): ContainerView =>
      v.finished
        ? v
        : {
            ...v,
            currentState: {
              state: "Terminated",
              ...(v.currentState.startTime ? { startTime: v.currentState.startTime } : {}),
              finishTime: iso(stoppedAt),
              exitCode: g.stopped ? 0 : 137,
              detailStatus: detail,
            },
            finished: true,
            exitCode: g.stopped ? 0 : 137,
          };
    return { ...snap, state: "Stopped", containers: snap.containers.map(stop) };
  }
  if (g.condition?.kind === "repairing") return { ...snap, state: "Repairing" };
  if (g.condition?.kind === "unhealthy") {
    const { at, container } = g.condition;
    const probes = 1 + Math.floor(Math.max(0, now - at) / 1000);
    const unhealthy = event(
      "Unhealthy",
      "Liveness probe failed: the probe did not succeed (aci-sim)",
      at,
      Math.max(at, now),
      probes,
      "Warning",
    );
    return {
      ...snap,
      containers: snap.containers.map((v, i) =>
        container === undefined || g.containers[i]?.name === container
          ? { ...v, events: [...v.events, unhealthy] }
          : v,
      ),
    };
  }
  return snap;
}

function timelineSnapshot(g: StoredGroup, now: number, timing: AciSimulatorTiming): GroupSnapshot {
  const creatingAt = g.createdAt + timing.pendingMs;
  const pulledAt = creatingAt + timing.creatingMs;
  const notStarted = (cs: StoredContainer[]): ContainerView[] =>
    cs.map(() => ({ restartCount: 0, currentState: waiting(), events: [], finished: false }));
  const result = (
    s: Omit<GroupSnapshot, "provisioningState"> & { provisioningState: ProvisioningState },
  ): GroupSnapshot => (g.deleting ? { ...s, provisioningState: "Deleting" } : s);

  if (now < creatingAt) {
    return result({
      provisioningState: "Pending",
      state: "Pending",
      containers: notStarted(g.containers),
      initContainers: notStarted(g.initContainers),
    });
  }
  const pullFailed = [...g.initContainers, ...g.containers].find(
    (c) => c.behavior.kind === "imagePullFailure",
  );
  if (pullFailed) {
    const give = creatingAt + timing.pullFailureGiveUpMs;
    const view = (c: StoredContainer): ContainerView =>
      c.behavior.kind === "imagePullFailure"
        ? pullFailureView(c.image, c.behavior.message, creatingAt, now, timing)
        : { restartCount: 0, currentState: waiting(), events: [], finished: false };
    const failed = now >= give;
    return result({
      provisioningState: failed ? "Failed" : "Creating",
      state: failed ? "Failed" : "Pending",
      containers: g.containers.map(view),
      initContainers: g.initContainers.map(view),
      ...(failed
        ? {
            provisionedAt: give,
            failure: {
              code: "ContainerGroupDeploymentFailed",
              message: `Failed to pull image "${pullFailed.image}" for container '${pullFailed.name}' of container group '${g.name}'.`,
            },
          }
        : {}),
    });
  }
  // Init containers, one after the other.
  const initViews: ContainerView[] = [];
  let t = pulledAt;
  for (const c of g.initContainers) {
    const d = initDuration(c.behavior, timing);
    if (now < t) {
      initViews.push({ restartCount: 0, currentState: waiting(), events: [], finished: false });
      continue;
    }
    const behavior: ContainerBehavior =
      d === undefined ? { kind: "run" } : { kind: "exit", exitCode: initExitCode(c.behavior), afterMs: d };
    const v = containerView({
      name: c.name,
      image: c.image,
      behavior,
      policy: "Never",
      pullStart: creatingAt,
      start: t,
      now,
      timing,
    });
    initViews.push(v);
    if (v.finished && (v.exitCode ?? 0) !== 0) {
      const fin = t + (d ?? 0);
      return result({
        provisioningState: "Failed",
        state: "Failed",
        containers: notStarted(g.containers),
        initContainers: [...initViews, ...notStarted(g.initContainers.slice(initViews.length))],
        provisionedAt: fin,
        failure: {
          code: "ContainerGroupDeploymentFailed",
          message: `Init container '${c.name}' exited with code ${v.exitCode ?? ""}.`,
        },
      });
    }
    t = d === undefined ? Infinity : t + d;
  }
  if (now < t) {
    return result({
      provisioningState: "Creating",
      state: "Pending",
      containers: notStarted(g.containers),
      initContainers: initViews,
    });
  }
  const views = g.containers.map((c) =>
    containerView({
      name: c.name,
      image: c.image,
      behavior: c.behavior,
      policy: g.restartPolicy,
      pullStart: creatingAt,
      start: t,
      now,
      timing,
      ...(c.crash ? { crash: c.crash } : {}),
    }),
  );
  const allDone = views.every((v) => v.finished);
  const state = !allDone ? "Running" : views.every((v) => (v.exitCode ?? 0) === 0) ? "Succeeded" : "Failed";
  return result({
    provisioningState: "Succeeded",
    state,
    containers: views,
    initContainers: initViews,
    provisionedAt: t,
  });
}

function withView(list: unknown, views: ContainerView[] | undefined): unknown {
  if (!Array.isArray(list)) return [];
  return (list as Json[]).map((c, i) => {
    const props = { ...((c.properties as Json | undefined) ?? {}) };
    const v = views?.[i];
    if (v) {
      props.instanceView = {
        restartCount: v.restartCount,
        currentState: v.currentState,
        ...(v.previousState ? { previousState: v.previousState } : {}),
        events: v.events,
      };
    }
    return { ...c, properties: props };
  });
}

/**
 * The REST body ARM returns. `withInstanceView: false` is the list shape: no `instanceView` key at all,
 * neither on the group nor on its containers (see test/fixtures/recordings/aci-list.json).
 */
export function render(
  g: StoredGroup,
  now: number,
  timing: AciSimulatorTiming,
  withInstanceView: boolean,
): Json {
  const snap = snapshot(g, now, timing);
  const body = redact(g.body);
  const p = (body.properties as Json | undefined) ?? {};
  const properties: Json = {
    sku: p.sku ?? "Standard",
    provisioningState: snap.provisioningState,
    containers: withView(p.containers, withInstanceView ? snap.containers : undefined),
    initContainers: withView(p.initContainers, withInstanceView ? snap.initContainers : undefined),
    restartPolicy: g.restartPolicy,
  };
  for (const [k, v] of Object.entries(p)) {
    if (!(k in properties) && k !== "ipAddress" && k !== "instanceView" && k !== "provisioningState")
      properties[k] = v;
  }
  const requestedIp = p.ipAddress as Json | undefined;
  if (g.ip && snap.provisioningState !== "Pending") {
    properties.ipAddress = {
      ...(requestedIp ?? {}),
      ports: requestedIp?.ports ?? [],
      type: g.ip.type,
      ip: g.ip.ip,
    };
  } else if (requestedIp) {
    properties.ipAddress = { ...requestedIp, type: g.ip?.type ?? requestedIp.type };
  }
  if (withInstanceView) properties.instanceView = { events: [...g.events], state: snap.state };
  const out: Json = { properties };
  for (const k of ["identity", "zones"]) if (body[k] !== undefined) out[k] = body[k];
  out.id = groupId(g);
  out.name = g.name;
  out.type = RESOURCE_TYPE;
  out.location = g.region;
  if (body.tags !== undefined) out.tags = body.tags;
  return out;
}

/** Body of `GET …/locations/{region}/operations/{id}` for a create. */
export function createOperationBody(g: StoredGroup, now: number, timing: AciSimulatorTiming): Json {
  const snap = snapshot(g, now, timing);
  const status = snap.provisioningState === "Deleting" ? "Canceled" : snap.provisioningState;
  const events = status === "Succeeded" ? snap.containers.flatMap((c) => c.events) : [];
  return {
    id: groupId(g),
    status,
    startTime: iso(g.createdAt),
    ...(snap.provisionedAt !== undefined && (status === "Succeeded" || status === "Failed")
      ? { endTime: iso(snap.provisionedAt) }
      : {}),
    properties: { events },
    ...(status === "Failed" && snap.failure ? { error: snap.failure } : {}),
  };
}
