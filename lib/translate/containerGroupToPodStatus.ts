/**
 * Container group (as a GET returns it) → pod status (docs/translation.md). Pure: the
 * clock comes in as `now`. The status is complete and stable: conditions whose status did not change keep
 * their lastTransitionTime from the pod's current status, startTime is set once, and timestamps are cut to
 * whole seconds (what the API server stores), so computing it twice gives the same object.
 */
import type { ContainerGroup, ContainerState, Event as AciEvent } from "@azure/arm-containerinstance";
import type {
  V1ContainerState,
  V1ContainerStatus,
  V1Pod,
  V1PodCondition,
  V1PodStatus,
} from "@kubernetes/client-node";
import { containerGroupName } from "./names.js";
import { condition, toTime } from "./podStatusTime.js";
import { mainContainersOutcome, sidecarNames } from "./sidecars.js";
import type { NodeSettings } from "./types.js";

export type PodPhase = "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";

/** Reason on the pod when ACI could not provision the group. */
export const REASON_PROVIDER_FAILED = "ProviderFailed";
/** Reason on the pod when its group was stopped in ACI (not by Kubernetes). */
export const REASON_STOPPED = "ContainerGroupStopped";

/** Phase (docs/translation.md): provisioningState until Succeeded, then instanceView.state. */
export function containerGroupPhase(cg: ContainerGroup, current?: string): PodPhase {
  const provisioning = (cg.provisioningState ?? "").toLowerCase();
  if (provisioning === "failed") return "Failed";
  if (provisioning !== "succeeded") return "Pending";
  const state = cg.instanceView?.state?.toLowerCase();
  switch (state) {
    case "running":
      return "Running";
    case "succeeded":
      return "Succeeded";
    case "failed":
    case "stopped":
      return "Failed";
    case undefined:
      // A list item has no instance view: keep what we knew rather than guess.
      return (current as PodPhase | undefined) ?? "Pending";
    default:
      return "Pending";
  }
}

interface AciContainerView {
  restartCount?: number;
  currentState?: ContainerState;
  previousState?: ContainerState;
  events?: AciEvent[];
}

function containerView(cg: ContainerGroup, name: string, init: boolean): AciContainerView | undefined {
  const list = init ? cg.initContainers : cg.containers;
  return list?.find((c) => c.name === name)?.instanceView;
}

function imagePullFailure(events: AciEvent[] | undefined): { reason: string; message: string } | undefined {
  const failures = (events ?? []).filter(
    (e) =>
      (e.name === "Failed" || e.name === "BackOff" || e.type === "Warning") &&
      /pull|image/i.test(e.message ?? ""),
  );
  const last = failures.at(-1);
  if (!last) return undefined;
  const backoff = last.name === "BackOff" || failures.some((e) => (e.count ?? 1) > 1);
  return { reason: backoff ? "ImagePullBackOff" : "ErrImagePull", message: last.message ?? "" };
}

function mapState(state: ContainerState | undefined, view: AciContainerView | undefined): V1ContainerState {
  const kind = state?.state?.toLowerCase();
  const detail = state?.detailStatus?.trim() || undefined;
  if (kind === "running") {
    const startedAt = toTime(state?.startTime);
    return { running: startedAt ? { startedAt } : {} };
  }
  if (kind === "terminated") {
    const exitCode = state?.exitCode ?? 0;
    const startedAt = toTime(state?.startTime);
    const finishedAt = toTime(state?.finishTime);
    return {
      terminated: {
        exitCode,
        // The kubelet passes the runtime's reason through: OOMKilled when the kernel killed it for memory.
        reason: detail && /oom/i.test(detail) ? "OOMKilled" : exitCode === 0 ? "Completed" : "Error",
        ...(detail && !/^(completed|error|oomkilled)$/i.test(detail) ? { message: detail } : {}),
        ...(startedAt ? { startedAt } : {}),
        ...(finishedAt ? { finishedAt } : {}),
      },
    };
  }
  const pull = imagePullFailure(view?.events);
  let reason = "ContainerCreating";
  if (detail && /crashloopbackoff/i.test(detail)) reason = "CrashLoopBackOff";
  else if (detail && /imagepullbackoff/i.test(detail)) reason = "ImagePullBackOff";
  else if (detail && /errimagepull|failed to pull/i.test(detail)) reason = "ErrImagePull";
  else if (pull) reason = pull.reason;
  else if ((view?.restartCount ?? 0) > 0 && view?.previousState?.state?.toLowerCase() === "terminated") {
    reason = "CrashLoopBackOff";
  }
  const message = detail && detail.toLowerCase() !== "waiting" ? detail : pull?.message;
  return { waiting: { reason, ...(message ? { message } : {}) } };
}

/** The digest ACI pulled, from its "Pulled" event (`… image "nginx@sha256:…"`), else "". */
function imageID(events: AciEvent[] | undefined): string {
  for (const e of events ?? []) {
    const match = /"([^"\s]+@sha256:[0-9a-f]{64})"/.exec(e.message ?? "");
    if (match?.[1]) return match[1];
  }
  return "";
}

function containerStatus(
  cgName: string,
  name: string,
  image: string,
  view: AciContainerView | undefined,
  init: boolean,
  groupRunning: boolean,
): V1ContainerStatus {
  const state = mapState(view?.currentState, view);
  const last = view?.previousState?.state ? mapState(view.previousState, undefined) : undefined;
  const running = state.running !== undefined;
  const ready = init ? state.terminated?.exitCode === 0 : running && groupRunning;
  const status: V1ContainerStatus = {
    name,
    state,
    lastState: last?.terminated ? last : {},
    ready,
    restartCount: view?.restartCount ?? 0,
    image,
    imageID: imageID(view?.events),
    started: running,
  };
  if (state.running || state.terminated) status.containerID = `aci://${cgName}/${name}`;
  return status;
}

function lastWarning(cg: ContainerGroup): string | undefined {
  const events: AciEvent[] = [
    ...(cg.instanceView?.events ?? []),
    ...(cg.initContainers ?? []).flatMap((c) => c.instanceView?.events ?? []),
    ...(cg.containers ?? []).flatMap((c) => c.instanceView?.events ?? []),
  ].filter((e) => e.type === "Warning");
  events.sort(
    (a, b) => (toTime(a.lastTimestamp)?.getTime() ?? 0) - (toTime(b.lastTimestamp)?.getTime() ?? 0),
  );
  return events.at(-1)?.message;
}

function buildConditions(
  pod: V1Pod,
  current: V1PodStatus | undefined,
  phase: PodPhase,
  init: V1ContainerStatus[],
  main: V1ContainerStatus[],
  now: Date,
): V1PodCondition[] {
  const final = phase === "Succeeded" || phase === "Failed";
  // A sidecar counts as initialized once started (the kubelet's rule); other init containers once exited 0.
  const sidecars = sidecarNames(pod);
  const notInitialized = init
    .filter((s) => (sidecars.has(s.name) ? !s.started : !s.ready))
    .map((s) => s.name);
  const initialized = notInitialized.length === 0 || phase === "Running" || phase === "Succeeded";
  const unready = main.filter((s) => !s.ready).map((s) => s.name);
  const gates = (pod.spec?.readinessGates ?? []).map((g) => g.conditionType);
  const gatesOpen = gates.filter((g) => current?.conditions?.find((c) => c.type === g)?.status !== "True");
  const containersReady = unready.length === 0 && !final;
  const ready = containersReady && gatesOpen.length === 0;
  const unreadyMessage = `containers with unready status: [${unready.join(" ")}]`;
  const readyReason = final ? "PodCompleted" : "ContainersNotReady";
  const readyMessage = final
    ? undefined
    : unready.length > 0
      ? unreadyMessage
      : `the status of pod readiness gate${gatesOpen.length > 1 ? "s" : ""} "${gatesOpen.join(", ")}" is not "True", but False`;
  return [
    initialized
      ? condition(current, "Initialized", "True", now)
      : condition(
          current,
          "Initialized",
          "False",
          now,
          "ContainersNotInitialized",
          `containers with incomplete status: [${notInitialized.join(" ")}]`,
        ),
    ready
      ? condition(current, "Ready", "True", now)
      : condition(
          current,
          "Ready",
          "False",
          now,
          unready.length > 0 || final ? readyReason : "ReadinessGatesNotReady",
          readyMessage,
        ),
    containersReady
      ? condition(current, "ContainersReady", "True", now)
      : condition(current, "ContainersReady", "False", now, readyReason, final ? undefined : unreadyMessage),
    condition(current, "PodScheduled", "True", now),
  ];
}

export function containerGroupToPodStatus(
  cg: ContainerGroup,
  pod: V1Pod,
  node: NodeSettings,
  now: Date,
): V1PodStatus {
  const current = pod.status;
  const cgName =
    cg.name ?? containerGroupName(pod.metadata?.namespace ?? "default", pod.metadata?.name ?? "");
  const sidecars = sidecarNames(pod);
  // A completing pod with sidecars is done when its main containers are, whatever the sidecars (and so the
  // group) do: its phase comes from the main containers (sidecars.ts).
  const outcome = sidecars.size > 0 ? mainContainersOutcome(cg, pod) : { finished: false };
  const groupPhase = containerGroupPhase(cg, current?.phase);
  const phase = outcome.finished && outcome.phase ? outcome.phase : groupPhase;
  const groupRunning = groupPhase === "Running";
  // Sidecars run as ACI containers; the kubelet reports them among the init container statuses.
  const init = (pod.spec?.initContainers ?? []).map((c) =>
    sidecars.has(c.name)
      ? containerStatus(cgName, c.name, c.image ?? "", containerView(cg, c.name, false), false, groupRunning)
      : containerStatus(cgName, c.name, c.image ?? "", containerView(cg, c.name, true), true, groupRunning),
  );
  const main = (pod.spec?.containers ?? []).map((c) =>
    containerStatus(cgName, c.name, c.image ?? "", containerView(cg, c.name, false), false, groupRunning),
  );
  const status: V1PodStatus = { phase };
  const provisioning = (cg.provisioningState ?? "").toLowerCase();
  if (provisioning === "failed") {
    status.reason = REASON_PROVIDER_FAILED;
    status.message = `ACI could not create container group ${cgName}${lastWarning(cg) ? `: ${lastWarning(cg)}` : ""}`;
  } else if (
    !outcome.finished &&
    provisioning === "succeeded" &&
    cg.instanceView?.state?.toLowerCase() === "stopped"
  ) {
    status.reason = REASON_STOPPED;
    status.message = `container group ${cgName} was stopped in ACI`;
  }
  status.conditions = buildConditions(pod, current, phase, init, main, now);
  status.hostIP = node.nodeIP;
  status.hostIPs = [{ ip: node.nodeIP }];
  const podIP = cg.ipAddress?.ip ?? current?.podIP;
  if (podIP) {
    status.podIP = podIP;
    status.podIPs = [{ ip: podIP }];
  }
  status.startTime = toTime(current?.startTime) ?? toTime(now);
  if (init.length > 0) status.initContainerStatuses = init;
  status.containerStatuses = main;
  if (current?.qosClass) status.qosClass = current.qosClass;
  return status;
}
