import type { ContainerGroup } from "@azure/arm-containerinstance";
import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import {
  isSidecar,
  mainContainersOutcome,
  shouldStopForCompletedSidecarPod,
} from "../../lib/translate/index.js";

const pod = (restartPolicy: string, sidecar = true): V1Pod => ({
  metadata: { name: "job-x", namespace: "default" },
  spec: {
    restartPolicy,
    initContainers: sidecar ? [{ name: "proxy", image: "envoy", restartPolicy: "Always" }] : [],
    containers: [
      { name: "a", image: "busybox" },
      { name: "b", image: "busybox" },
    ],
  },
});

const terminated = (exitCode: number) => ({ state: "Terminated", exitCode });
const running = { state: "Running" };

function group(state: string, a: object, b: object): ContainerGroup {
  return {
    name: "default-job-x",
    provisioningState: "Succeeded",
    instanceView: { state },
    containers: [
      {
        name: "a",
        image: "busybox",
        resources: { requests: { cpu: 1, memoryInGB: 1 } },
        instanceView: { currentState: a },
      },
      {
        name: "b",
        image: "busybox",
        resources: { requests: { cpu: 1, memoryInGB: 1 } },
        instanceView: { currentState: b },
      },
      {
        name: "proxy",
        image: "envoy",
        resources: { requests: { cpu: 1, memoryInGB: 1 } },
        instanceView: { currentState: running },
      },
    ],
  } as ContainerGroup;
}

describe("native sidecars: when the main containers are done", () => {
  it.each([
    ["Never", terminated(0), terminated(0), { finished: true, phase: "Succeeded" }],
    ["Never", terminated(0), terminated(2), { finished: true, phase: "Failed" }],
    ["Never", terminated(0), running, { finished: false }],
    ["OnFailure", terminated(0), terminated(0), { finished: true, phase: "Succeeded" }],
    ["OnFailure", terminated(1), terminated(0), { finished: false }],
    ["Always", terminated(0), terminated(0), { finished: false }],
  ] as const)("restartPolicy %s, a %j, b %j → %j", (policy, a, b, expected) => {
    expect(mainContainersOutcome(group("Running", a, b), pod(policy))).toEqual(expected);
  });

  it("asks to stop a running group only for a finished pod with sidecars", () => {
    const done = group("Running", terminated(0), terminated(0));
    expect(shouldStopForCompletedSidecarPod(done, pod("Never"))).toBe(true);
    expect(shouldStopForCompletedSidecarPod(done, pod("Never", false))).toBe(false);
    expect(
      shouldStopForCompletedSidecarPod(group("Stopped", terminated(0), terminated(0)), pod("Never")),
    ).toBe(false);
    expect(shouldStopForCompletedSidecarPod(group("Running", terminated(0), running), pod("Never"))).toBe(
      false,
    );
    expect(shouldStopForCompletedSidecarPod({ ...done, provisioningState: "Creating" }, pod("Never"))).toBe(
      false,
    );
  });

  it("recognizes sidecars by restartPolicy Always only", () => {
    expect(isSidecar({ name: "x", restartPolicy: "Always" })).toBe(true);
    expect(isSidecar({ name: "x" })).toBe(false);
  });
});
