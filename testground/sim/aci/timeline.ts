/**
 * Container and group state computed lazily from timestamps: a GET asks "what does this group look like at
 * `now`?" instead of timers mutating thousands of groups. Pure functions, no I/O.
 */
import type { AciSimulatorTiming, ContainerBehavior, Json } from "./types.js";

export type RestartPolicy = "Always" | "OnFailure" | "Never";

export interface ContainerState {
  state: "Waiting" | "Running" | "Terminated";
  startTime?: string;
  finishTime?: string;
  exitCode?: number;
  detailStatus: string;
}

export interface ContainerEvent {
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  name: string;
  message: string;
  type: "Normal" | "Warning";
}

export interface ContainerView {
  restartCount: number;
  currentState: ContainerState;
  previousState?: ContainerState;
  events: ContainerEvent[];
  /** The container will not change state any more by itself. */
  finished: boolean;
  exitCode?: number;
}

/** A crash injected by `crashContainer`: rebases the container's timeline. */
export interface CrashOverride {
  previous: ContainerState;
  restartOffset: number;
  /** When the behaviour timeline starts again; undefined = never (restartPolicy forbids a restart). */
  restartAt?: number;
}

export const iso = (ms: number): string => new Date(ms).toISOString();
/** ACI event timestamps have second precision (`2022-07-11T08:34:01Z`). */
const isoSeconds = (ms: number): string =>
  new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");

export function event(
  name: string,
  message: string,
  first: number,
  last: number,
  count = 1,
  type: ContainerEvent["type"] = "Normal",
): ContainerEvent {
  return { count, firstTimestamp: isoSeconds(first), lastTimestamp: isoSeconds(last), name, message, type };
}

export function exitDetail(exitCode: number): string {
  return exitCode === 0 ? "Completed" : "Error";
}

export function restarts(policy: RestartPolicy, exitCode: number): boolean {
  return policy === "Always" || (policy === "OnFailure" && exitCode !== 0);
}

function terminated(start: number, finish: number, exitCode: number, detail?: string): ContainerState {
  return {
    state: "Terminated",
    startTime: iso(start),
    finishTime: iso(finish),
    exitCode,
    detailStatus: detail ?? exitDetail(exitCode),
  };
}

/** Exit code of a container killed by the kernel's OOM killer (SIGKILL: 128 + 9). */
export const OOM_EXIT_CODE = 137;

export const waiting = (detailStatus = ""): ContainerState => ({ state: "Waiting", detailStatus });

function pullEvents(image: string, pullStart: number, pulledAt: number, name: string): ContainerEvent[] {
  return [
    event("Pulling", `pulling image "${image}"`, pullStart, pullStart),
    event("Pulled", `Successfully pulled image "${image}"`, pulledAt, pulledAt),
    event("Created", `Created container ${name}`, pulledAt, pulledAt),
  ];
}

/**
 * State of a container whose image pull fails forever: Waiting, with Pulling/Failed/BackOff events whose
 * counts grow every `pullRetryMs`.
 */
export function pullFailureView(
  image: string,
  message: string | undefined,
  pullStart: number,
  now: number,
  timing: AciSimulatorTiming,
): ContainerView {
  if (now < pullStart) return { restartCount: 0, currentState: waiting(), events: [], finished: false };
  const attempts = 1 + Math.floor((now - pullStart) / timing.pullRetryMs);
  const last = pullStart + (attempts - 1) * timing.pullRetryMs;
  const why =
    message ??
    `Failed to pull image "${image}": rpc error: code = NotFound desc = failed to resolve reference "${image}": not found`;
  return {
    restartCount: 0,
    currentState: waiting("ImagePullBackOff"),
    events: [
      event("Pulling", `pulling image "${image}"`, pullStart, last, attempts),
      event("Failed", why, pullStart, last, attempts, "Warning"),
      event("BackOff", `Back-off pulling image "${image}"`, pullStart, last, attempts),
    ],
    finished: false,
  };
}

/**
 * State of a container started at `start` (image pulled during the `pullStart`..`start` window) at `now`,
 * following `behavior` and the group's restart policy. Crash-loop back-off doubles from `restartBackoffMs` up
 * to `restartBackoffMaxMs`, like the kubelet's 10 s → 5 min.
 */
export function containerView(args: {
  name: string;
  image: string;
  behavior: ContainerBehavior;
  policy: RestartPolicy;
  pullStart: number;
  start: number;
  now: number;
  timing: AciSimulatorTiming;
  crash?: CrashOverride;
}): ContainerView {
  const { name, image, behavior, policy, pullStart, now, timing, crash } = args;
  if (behavior.kind === "imagePullFailure")
    return pullFailureView(image, behavior.message, pullStart, now, timing);
  if (now < args.start) {
    return {
      restartCount: 0,
      currentState: waiting(),
      events: now >= pullStart ? [event("Pulling", `pulling image "${image}"`, pullStart, pullStart)] : [],
      finished: false,
    };
  }
  const base = pullEvents(image, pullStart, args.start, name);
  const offset = crash?.restartOffset ?? 0;
  let start = args.start;
  if (crash) {
    if (crash.restartAt === undefined || now < crash.restartAt) {
      const final = crash.restartAt === undefined;
      return {
        restartCount: final ? offset - 1 : offset,
        currentState: final
          ? crash.previous
          : waiting("CrashLoopBackOff: Back-off restarting failed container"),
        ...(final ? {} : { previousState: crash.previous }),
        events: [...base, event("Started", `Started container ${name}`, args.start, args.start, offset)],
        finished: final,
        ...(final && crash.previous.exitCode !== undefined ? { exitCode: crash.previous.exitCode } : {}),
      };
    }
    start = crash.restartAt;
  }
  const started = (count: number, last: number): ContainerEvent =>
    event("Started", `Started container ${name}`, args.start, last, count + offset);
  if (behavior.kind === "run") {
    return {
      restartCount: offset,
      currentState: { state: "Running", startTime: iso(start), detailStatus: "" },
      ...(crash ? { previousState: crash.previous } : {}),
      events: [...base, started(1, start)],
      finished: false,
    };
  }
  const exitCode =
    behavior.kind === "exit"
      ? behavior.exitCode
      : behavior.kind === "oomKilled"
        ? OOM_EXIT_CODE
        : (behavior.exitCode ?? 1);
  const detail = behavior.kind === "oomKilled" ? "OOMKilled" : undefined;
  const runMs = behavior.afterMs;
  if (!restarts(policy, exitCode)) {
    if (now < start + runMs) {
      return {
        restartCount: offset,
        currentState: { state: "Running", startTime: iso(start), detailStatus: "" },
        ...(crash ? { previousState: crash.previous } : {}),
        events: [...base, started(1, start)],
        finished: false,
      };
    }
    return {
      restartCount: offset,
      currentState: terminated(start, start + runMs, exitCode, detail),
      ...(crash ? { previousState: crash.previous } : {}),
      events: [...base, started(1, start)],
      finished: true,
      exitCode,
    };
  }
  // Restarting: run i occupies [s_i, s_i + runMs), then back-off b_i = min(base * 2^i, max).
  let i = 0;
  let s = start;
  let backoff = timing.restartBackoffMs;
  while (backoff < timing.restartBackoffMaxMs && now >= s + runMs + backoff) {
    s += runMs + backoff;
    i += 1;
    backoff = Math.min(backoff * 2, timing.restartBackoffMaxMs);
  }
  if (backoff >= timing.restartBackoffMaxMs && now >= s + runMs + backoff) {
    const period = runMs + timing.restartBackoffMaxMs;
    const n = Math.floor((now - s) / period);
    s += n * period;
    i += n;
  }
  const prevFinish = i > 0 ? s - previousBackoff(i, timing) : 0;
  const previous: ContainerState | undefined =
    i > 0 ? terminated(prevFinish - runMs, prevFinish, exitCode, detail) : crash?.previous;
  const backoffEvents = (count: number, last: number): ContainerEvent[] =>
    count > 0
      ? [event("BackOff", "Back-off restarting failed container", start + runMs, last, count, "Warning")]
      : [];
  if (now < s + runMs) {
    return {
      restartCount: i + offset,
      currentState: { state: "Running", startTime: iso(s), detailStatus: "" },
      ...(previous ? { previousState: previous } : {}),
      events: [...base, started(i + 1, s), ...backoffEvents(i, prevFinish)],
      finished: false,
    };
  }
  return {
    restartCount: i + 1 + offset,
    currentState: waiting("CrashLoopBackOff: Back-off restarting failed container"),
    previousState: terminated(s, s + runMs, exitCode, detail),
    events: [...base, started(i + 1, s), ...backoffEvents(i + 1, s + runMs)],
    finished: false,
  };
}

function previousBackoff(i: number, timing: AciSimulatorTiming): number {
  return Math.min(timing.restartBackoffMs * 2 ** (i - 1), timing.restartBackoffMaxMs);
}

/** Strips what ARM never returns: secure values, registry passwords, storage keys, workspace keys. */
export function redact(body: Json): Json {
  const copy = structuredClone(body);
  const props = copy.properties as Json | undefined;
  if (!props) return copy;
  for (const list of [props.containers, props.initContainers]) {
    if (!Array.isArray(list)) continue;
    for (const c of list as Json[]) {
      const env = (c.properties as Json | undefined)?.environmentVariables;
      if (Array.isArray(env)) for (const e of env as Json[]) delete e.secureValue;
    }
  }
  if (Array.isArray(props.imageRegistryCredentials))
    for (const cred of props.imageRegistryCredentials as Json[]) delete cred.password;
  if (Array.isArray(props.volumes)) {
    for (const v of props.volumes as Json[]) {
      if (v.secret && typeof v.secret === "object")
        v.secret = Object.fromEntries(Object.keys(v.secret as Json).map((k) => [k, null]));
      if (v.azureFile && typeof v.azureFile === "object") delete (v.azureFile as Json).storageAccountKey;
    }
  }
  const la = (props.diagnostics as Json | undefined)?.logAnalytics as Json | undefined;
  if (la) delete la.workspaceKey;
  return copy;
}
