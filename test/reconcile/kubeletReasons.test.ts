/**
 * The container reasons a user sees in `kubectl get`/`describe`, from the ACI states and events that lead to
 * them, against the kubelet's own names: pkg/kubelet/images/types.go (ErrImagePull, ImagePullBackOff),
 * pkg/kubelet/container/sync_result.go (CrashLoopBackOff), the runtime's terminated reasons the kubelet
 * passes through (Completed, Error, OOMKilled), pkg/kubelet/kubelet_pods.go (ContainerCreating).
 */
import type { ContainerGroup, ContainerState, Event as AciEvent } from "@azure/arm-containerinstance";
import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { containerGroupToPodStatus } from "../../lib/translate/index.js";
import type { NodeSettings } from "../../lib/translate/types.js";

const node = { nodeName: "vn", nodeIP: "10.0.0.4" } as NodeSettings;
const pod: V1Pod = {
  metadata: { name: "p", namespace: "default", uid: "u" },
  spec: { containers: [{ name: "app", image: "nginx" }] },
};
const t = new Date("2026-12-01T12:00:00Z");

function groupWith(
  current: ContainerState,
  opts: { previous?: ContainerState; restartCount?: number; events?: AciEvent[]; state?: string } = {},
): ContainerGroup {
  return {
    name: "default-p",
    provisioningState: "Succeeded",
    osType: "Linux",
    instanceView: { state: opts.state ?? "Running" },
    containers: [
      {
        name: "app",
        image: "nginx",
        resources: { requests: { cpu: 1, memoryInGB: 1.5 } },
        instanceView: {
          currentState: current,
          ...(opts.previous ? { previousState: opts.previous } : {}),
          restartCount: opts.restartCount ?? 0,
          events: opts.events ?? [],
        },
      },
    ],
  };
}

const rows: { name: string; group: ContainerGroup; state: "waiting" | "terminated"; reason: string }[] = [
  {
    name: "creating",
    group: groupWith({ state: "Waiting" }, { state: "Pending" }),
    state: "waiting",
    reason: "ContainerCreating",
  },
  {
    name: "pull failed once",
    group: groupWith(
      { state: "Waiting" },
      {
        events: [
          { name: "Failed", type: "Warning", count: 1, message: 'Failed to pull image "x": not found' },
        ],
      },
    ),
    state: "waiting",
    reason: "ErrImagePull",
  },
  {
    name: "pull failing repeatedly",
    group: groupWith(
      { state: "Waiting" },
      { events: [{ name: "BackOff", type: "Normal", count: 3, message: 'Back-off pulling image "x"' }] },
    ),
    state: "waiting",
    reason: "ImagePullBackOff",
  },
  {
    name: "restarting after a crash",
    group: groupWith(
      { state: "Waiting" },
      { restartCount: 2, previous: { state: "Terminated", exitCode: 2 } },
    ),
    state: "waiting",
    reason: "CrashLoopBackOff",
  },
  {
    name: "exit 0",
    group: groupWith({ state: "Terminated", exitCode: 0 }, { state: "Succeeded" }),
    state: "terminated",
    reason: "Completed",
  },
  {
    name: "exit 1",
    group: groupWith({ state: "Terminated", exitCode: 1 }, { state: "Failed" }),
    state: "terminated",
    reason: "Error",
  },
  {
    name: "killed for memory",
    group: groupWith({ state: "Terminated", exitCode: 137, detailStatus: "OOMKilled" }, { state: "Failed" }),
    state: "terminated",
    reason: "OOMKilled",
  },
];

describe("container reasons match the kubelet's", () => {
  it.each(rows)("$name → $reason", ({ group, state, reason }) => {
    const status = containerGroupToPodStatus(group, pod, node, t);
    const s = status.containerStatuses?.[0]?.state;
    expect(state === "waiting" ? s?.waiting?.reason : s?.terminated?.reason).toBe(reason);
  });
});
