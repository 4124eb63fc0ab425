/**
 * Statuses the bridge decides itself (no instance view to read): a pod it fails (invalid spec, ARM refused
 * the group, the group vanished), and whether a status is final.
 */
import type { V1ContainerState, V1ContainerStatus, V1Pod, V1PodStatus } from "@kubernetes/client-node";
import { condition, toTime } from "./podStatusTime.js";

/** Reason on the pod when its group disappeared (deleted outside Kubernetes). */
export const REASON_GONE = "ContainerGroupNotFound";

/**
 * The status for a pod the bridge marks Failed (invalid spec, ARM refused the group, the group vanished):
 * keeps startTime and terminated container states, names the reason on waiting containers.
 */
export function failedPodStatus(pod: V1Pod, reason: string, message: string, now: Date): V1PodStatus {
  const current = pod.status;
  const finishedAt = toTime(now);
  const statusFor = (name: string, image: string): V1ContainerStatus => {
    const previous = [...(current?.containerStatuses ?? []), ...(current?.initContainerStatuses ?? [])].find(
      (s) => s.name === name,
    );
    let state: V1ContainerState;
    if (previous?.state?.terminated) state = { terminated: previous.state.terminated };
    else if (previous?.state?.running) {
      const startedAt = toTime(previous.state.running.startedAt);
      state = {
        terminated: {
          exitCode: 137,
          reason: "Error",
          message,
          ...(startedAt ? { startedAt } : {}),
          ...(finishedAt ? { finishedAt } : {}),
        },
      };
    } else state = { waiting: { reason, message } };
    return {
      name,
      state,
      lastState: previous?.lastState ?? {},
      ready: false,
      restartCount: previous?.restartCount ?? 0,
      image,
      imageID: previous?.imageID ?? "",
      started: false,
      ...(previous?.containerID ? { containerID: previous.containerID } : {}),
    };
  };
  const initSpecs = pod.spec?.initContainers ?? [];
  const status: V1PodStatus = {
    phase: "Failed",
    reason,
    message,
    conditions: [
      condition(
        current,
        "Initialized",
        current?.conditions?.find((c) => c.type === "Initialized")?.status === "True" ||
          initSpecs.length === 0
          ? "True"
          : "False",
        now,
        undefined,
        undefined,
      ),
      condition(current, "Ready", "False", now, "PodCompleted"),
      condition(current, "ContainersReady", "False", now, "PodCompleted"),
      condition(current, "PodScheduled", "True", now),
    ],
  };
  if (current?.hostIP) {
    status.hostIP = current.hostIP;
    status.hostIPs = current.hostIPs ?? [{ ip: current.hostIP }];
  }
  if (current?.podIP) {
    status.podIP = current.podIP;
    status.podIPs = current.podIPs ?? [{ ip: current.podIP }];
  }
  status.startTime = toTime(current?.startTime) ?? toTime(now);
  if (initSpecs.length > 0)
    status.initContainerStatuses = initSpecs.map((c) => statusFor(c.name, c.image ?? ""));
  status.containerStatuses = (pod.spec?.containers ?? []).map((c) => statusFor(c.name, c.image ?? ""));
  if (current?.qosClass) status.qosClass = current.qosClass;
  return status;
}

/** Status for a pod whose container group is gone (deleted outside Kubernetes) while the pod still wants it. */
export function containerGroupGoneStatus(pod: V1Pod, now: Date): V1PodStatus {
  return failedPodStatus(pod, REASON_GONE, "the container group was deleted outside Kubernetes", now);
}

export function isPodFinal(status: V1PodStatus | undefined): boolean {
  return status?.phase === "Succeeded" || status?.phase === "Failed";
}
