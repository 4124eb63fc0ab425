/**
 * Pod → the status of a pod that has no container group yet and waits for something that may still appear
 * (a Secret, a ConfigMap): phase Pending, every container Waiting, the way the kubelet reports a pod whose
 * volumes cannot be mounted (`ContainerCreating`) or whose container cannot be configured
 * (`CreateContainerConfigError` with the error as message). Init containers that are not the one concerned
 * wait with `PodInitializing`, main containers behind init containers likewise. Pure: the clock comes in.
 */
import type { V1ContainerStatus, V1Pod, V1PodCondition, V1PodStatus } from "@kubernetes/client-node";
import { condition, toTime } from "./podStatusTime.js";
import type { NodeSettings } from "./types.js";

export interface PendingContainer {
  name: string;
  init: boolean;
  reason: string;
  message?: string;
}

/**
 * `waiting`: the container the wait is about (its reason and message); every other container gets the
 * neutral reason. `extraConditions` are appended as they are (e.g. the bridge's own condition).
 */
export function pendingPodStatus(
  pod: V1Pod,
  waiting: PendingContainer | undefined,
  node: NodeSettings,
  now: Date,
  extraConditions: V1PodCondition[] = [],
): V1PodStatus {
  const current = pod.status;
  const initSpecs = pod.spec?.initContainers ?? [];
  const neutral = initSpecs.length > 0 ? "PodInitializing" : "ContainerCreating";
  const statusFor = (name: string, image: string, init: boolean): V1ContainerStatus => {
    const mine = waiting && waiting.name === name && waiting.init === init;
    return {
      name,
      state: {
        waiting: mine
          ? { reason: waiting.reason, ...(waiting.message ? { message: waiting.message } : {}) }
          : { reason: init ? "PodInitializing" : neutral },
      },
      lastState: {},
      ready: false,
      restartCount: 0,
      image,
      imageID: "",
      started: false,
    };
  };
  const main = (pod.spec?.containers ?? []).map((c) => statusFor(c.name, c.image ?? "", false));
  const init = initSpecs.map((c) => statusFor(c.name, c.image ?? "", true));
  const unready = `containers with unready status: [${main.map((c) => c.name).join(" ")}]`;
  const status: V1PodStatus = {
    phase: "Pending",
    conditions: [
      init.length > 0
        ? condition(
            current,
            "Initialized",
            "False",
            now,
            "ContainersNotInitialized",
            `containers with incomplete status: [${init.map((c) => c.name).join(" ")}]`,
          )
        : condition(current, "Initialized", "True", now),
      condition(current, "Ready", "False", now, "ContainersNotReady", unready),
      condition(current, "ContainersReady", "False", now, "ContainersNotReady", unready),
      condition(current, "PodScheduled", "True", now),
      ...extraConditions,
    ],
    hostIP: node.nodeIP,
    hostIPs: [{ ip: node.nodeIP }],
    containerStatuses: main,
  };
  status.startTime = toTime(current?.startTime) ?? toTime(now);
  if (init.length > 0) status.initContainerStatuses = init;
  if (current?.qosClass) status.qosClass = current.qosClass;
  return status;
}
