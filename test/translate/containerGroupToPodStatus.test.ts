/**
 * Container group instance views (shaped like the real GET in recordings/aci/get.json) → pod status.
 */
import { readFileSync } from "node:fs";
import type { ContainerGroup } from "@azure/arm-containerinstance";
import type { V1Pod, V1PodStatus } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import {
  containerGroupEvents,
  containerGroupGoneStatus,
  containerGroupToPodStatus,
  failedPodStatus,
  isPodFinal,
  podStatusChanged,
} from "../../lib/translate/index.js";
import { TEST_NODE } from "./harness.js";

const NOW = new Date("2026-11-26T10:00:00.123Z");
const LATER = new Date("2026-11-26T10:05:00Z");

const recorded = JSON.parse(readFileSync("/work/shared/recordings/aci/get.json", "utf8")) as {
  Entries: { ResponseBody: { properties: Record<string, unknown>; name: string } }[];
};

/** The SDK flattens `properties`; do the same for raw recorded bodies. */
function flatten(body: { properties: Record<string, unknown>; name?: string }): ContainerGroup {
  const p = body.properties as {
    containers: { name: string; properties: object }[];
    initContainers?: { name: string; properties: object }[];
  };
  return {
    ...body,
    ...body.properties,
    containers: p.containers.map((c) => ({ name: c.name, ...c.properties })),
    initContainers: (p.initContainers ?? []).map((c) => ({ name: c.name, ...c.properties })),
  } as unknown as ContainerGroup;
}

const pod: V1Pod = {
  metadata: { name: "web-0", namespace: "rec", uid: "u1" },
  spec: { containers: [{ name: "web", image: "nginx" }] },
  status: { phase: "Pending", qosClass: "BestEffort" },
};

function group(partial: Record<string, unknown>): ContainerGroup {
  return { name: "rec-web-0", osType: "Linux", containers: [], ...partial };
}

const running = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  image: "nginx",
  resources: { requests: { cpu: 1, memoryInGB: 1.5 } },
  instanceView: {
    restartCount: 0,
    currentState: { state: "Running", startTime: "2026-11-26T09:59:30.500Z", detailStatus: "" },
    ...extra,
  },
});

describe("containerGroupToPodStatus", () => {
  it("maps the recorded running group (real GET body)", () => {
    const cg = flatten(recorded.Entries[0]!.ResponseBody);
    const p: V1Pod = { ...pod, spec: { containers: [{ name: "my-containerinstancexx", image: "nginx" }] } };
    const status = containerGroupToPodStatus(cg, p, TEST_NODE, NOW);
    expect(status.phase).toBe("Running");
    expect(status.containerStatuses).toEqual([
      {
        name: "my-containerinstancexx",
        state: { running: { startedAt: new Date("2023-01-13T06:23:12Z") } },
        lastState: {},
        ready: true,
        restartCount: 0,
        image: "nginx",
        imageID: "nginx@sha256:4c1c50d0ffc614f90b93b07d778028dc765548e823f676fb027f61d281ac380d",
        started: true,
        containerID: "aci://mycontainerGroupxxx/my-containerinstancexx",
      },
    ]);
    expect(status.conditions?.map((c) => [c.type, c.status])).toEqual([
      ["Initialized", "True"],
      ["Ready", "True"],
      ["ContainersReady", "True"],
      ["PodScheduled", "True"],
    ]);
    expect(status.hostIP).toBe("10.240.0.250");
    expect(status.startTime).toEqual(new Date("2026-11-26T10:00:00Z"));
    expect(status.qosClass).toBe("BestEffort");
  });

  it("is Pending with ContainerCreating while provisioning (create response: Pending)", () => {
    const cg = group({
      provisioningState: "Pending",
      instanceView: { state: "Pending", events: [] },
      containers: [{ name: "web", image: "nginx" }],
    });
    const status = containerGroupToPodStatus(cg, pod, TEST_NODE, NOW);
    expect(status.phase).toBe("Pending");
    expect(status.containerStatuses?.[0]?.state).toEqual({ waiting: { reason: "ContainerCreating" } });
    expect(status.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "ContainersNotReady",
      message: "containers with unready status: [web]",
    });
  });

  it("reports CrashLoopBackOff with lastState and restartCount", () => {
    const cg = group({
      provisioningState: "Succeeded",
      instanceView: { state: "Running" },
      ipAddress: { type: "Private", ip: "10.1.0.4", ports: [{ port: 80 }] },
      containers: [
        {
          name: "web",
          image: "nginx",
          instanceView: {
            restartCount: 4,
            currentState: {
              state: "Waiting",
              detailStatus: "CrashLoopBackOff: Back-off 1m20s restarting failed container",
            },
            previousState: {
              state: "Terminated",
              exitCode: 1,
              startTime: "2026-11-26T09:58:00Z",
              finishTime: "2026-11-26T09:58:02Z",
              detailStatus: "Error",
            },
          },
        },
      ],
    });
    const status = containerGroupToPodStatus(cg, pod, TEST_NODE, NOW);
    expect(status.phase).toBe("Running");
    expect(status.podIP).toBe("10.1.0.4");
    expect(status.podIPs).toEqual([{ ip: "10.1.0.4" }]);
    expect(status.containerStatuses?.[0]).toMatchObject({
      state: {
        waiting: {
          reason: "CrashLoopBackOff",
          message: "CrashLoopBackOff: Back-off 1m20s restarting failed container",
        },
      },
      lastState: {
        terminated: {
          exitCode: 1,
          reason: "Error",
          startedAt: new Date("2026-11-26T09:58:00Z"),
          finishedAt: new Date("2026-11-26T09:58:02Z"),
        },
      },
      restartCount: 4,
      ready: false,
      started: false,
    });
  });

  it("is Succeeded with Completed containers for a finished job", () => {
    const cg = group({
      provisioningState: "Succeeded",
      instanceView: { state: "Succeeded" },
      containers: [
        {
          name: "web",
          image: "nginx",
          instanceView: {
            restartCount: 0,
            currentState: {
              state: "Terminated",
              exitCode: 0,
              detailStatus: "Completed",
              startTime: "2026-11-26T09:59:00Z",
              finishTime: "2026-11-26T09:59:40Z",
            },
          },
        },
      ],
    });
    const status = containerGroupToPodStatus(cg, pod, TEST_NODE, NOW);
    expect(status.phase).toBe("Succeeded");
    expect(status.containerStatuses?.[0]?.state).toEqual({
      terminated: {
        exitCode: 0,
        reason: "Completed",
        startedAt: new Date("2026-11-26T09:59:00Z"),
        finishedAt: new Date("2026-11-26T09:59:40Z"),
      },
    });
    expect(status.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "PodCompleted",
    });
    expect(isPodFinal(status)).toBe(true);
  });

  it("reports a failed init container and Initialized=False", () => {
    const p: V1Pod = {
      ...pod,
      spec: {
        restartPolicy: "Never",
        initContainers: [{ name: "migrate", image: "m" }],
        containers: [{ name: "web", image: "nginx" }],
      },
    };
    const cg = group({
      provisioningState: "Succeeded",
      instanceView: { state: "Failed" },
      initContainers: [
        {
          name: "migrate",
          instanceView: {
            restartCount: 0,
            currentState: {
              state: "Terminated",
              exitCode: 2,
              detailStatus: "Error",
              startTime: "2026-11-26T09:59:00Z",
              finishTime: "2026-11-26T09:59:01Z",
            },
          },
        },
      ],
      containers: [{ name: "web", image: "nginx", instanceView: { restartCount: 0 } }],
    });
    const status = containerGroupToPodStatus(cg, p, TEST_NODE, NOW);
    expect(status.phase).toBe("Failed");
    expect(status.initContainerStatuses?.[0]).toMatchObject({
      name: "migrate",
      ready: false,
      state: { terminated: { exitCode: 2, reason: "Error" } },
    });
    expect(status.conditions?.find((c) => c.type === "Initialized")).toMatchObject({
      status: "False",
      reason: "ContainersNotInitialized",
      message: "containers with incomplete status: [migrate]",
    });
    expect(status.containerStatuses?.[0]?.state).toEqual({ waiting: { reason: "ContainerCreating" } });
  });

  it("reports image pull failures from ACI events", () => {
    const cg = group({
      provisioningState: "Creating",
      instanceView: { state: "Pending" },
      containers: [
        {
          name: "web",
          image: "nginx:nope",
          instanceView: {
            restartCount: 0,
            currentState: { state: "Waiting", detailStatus: "Waiting" },
            events: [
              {
                count: 1,
                name: "Pulling",
                type: "Normal",
                message: 'pulling image "nginx:nope"',
                firstTimestamp: "2026-11-26T09:59:00Z",
                lastTimestamp: "2026-11-26T09:59:00Z",
              },
              {
                count: 3,
                name: "Failed",
                type: "Warning",
                message: 'Failed to pull image "nginx:nope": manifest unknown',
                firstTimestamp: "2026-11-26T09:59:01Z",
                lastTimestamp: "2026-11-26T09:59:40Z",
              },
            ],
          },
        },
      ],
    });
    const status = containerGroupToPodStatus(cg, pod, TEST_NODE, NOW);
    expect(status.phase).toBe("Pending");
    expect(status.containerStatuses?.[0]?.state).toEqual({
      waiting: { reason: "ImagePullBackOff", message: 'Failed to pull image "nginx:nope": manifest unknown' },
    });
    const events = containerGroupEvents(cg, pod);
    expect(events).toEqual([
      {
        type: "Normal",
        reason: "Pulling",
        message: 'pulling image "nginx:nope"',
        key: "aci/container/web/Pulling/2026-11-26T09:59:00.000Z",
        count: 1,
        firstTimestamp: "2026-11-26T09:59:00.000Z",
        lastTimestamp: "2026-11-26T09:59:00.000Z",
        fieldPath: "spec.containers{web}",
      },
      {
        type: "Warning",
        reason: "Failed",
        message: 'Failed to pull image "nginx:nope": manifest unknown',
        key: "aci/container/web/Failed/2026-11-26T09:59:01.000Z",
        count: 3,
        firstTimestamp: "2026-11-26T09:59:01.000Z",
        lastTimestamp: "2026-11-26T09:59:40.000Z",
        fieldPath: "spec.containers{web}",
      },
    ]);
  });

  it("is Failed with ProviderFailed when provisioning failed", () => {
    const cg = group({
      provisioningState: "Failed",
      instanceView: {
        state: "Pending",
        events: [
          {
            count: 1,
            name: "Failed",
            type: "Warning",
            message: "The requested resource is not available in the location 'westeurope'",
            firstTimestamp: "2026-11-26T09:59:01Z",
            lastTimestamp: "2026-11-26T09:59:01Z",
          },
        ],
      },
      containers: [{ name: "web", image: "nginx" }],
    });
    const status = containerGroupToPodStatus(cg, pod, TEST_NODE, NOW);
    expect(status).toMatchObject({
      phase: "Failed",
      reason: "ProviderFailed",
      message:
        "ACI could not create container group rec-web-0: The requested resource is not available in the location 'westeurope'",
    });
  });

  it("keeps unchanged conditions' transition times and startTime; podStatusChanged ignores noise", () => {
    const cg = group({
      provisioningState: "Succeeded",
      instanceView: { state: "Running" },
      containers: [running("web")],
    });
    const first = containerGroupToPodStatus(cg, pod, TEST_NODE, NOW);
    // What the API server hands back: JSON strings, seconds, lastProbeTime null.
    const stored = JSON.parse(JSON.stringify(first)) as V1PodStatus;
    for (const c of stored.conditions ?? [])
      (c as unknown as Record<string, unknown>)["lastProbeTime"] = null;
    const again = containerGroupToPodStatus(cg, { ...pod, status: stored }, TEST_NODE, LATER);
    expect(again.startTime).toEqual(first.startTime);
    expect(again.conditions?.map((c) => c.lastTransitionTime)).toEqual(
      first.conditions?.map((c) => c.lastTransitionTime),
    );
    expect(podStatusChanged(stored, again)).toBe(false);
    expect(podStatusChanged(undefined, again)).toBe(true);

    const crashed = group({
      provisioningState: "Succeeded",
      instanceView: { state: "Running" },
      containers: [running("web", { restartCount: 1 })],
    });
    const next = containerGroupToPodStatus(crashed, { ...pod, status: stored }, TEST_NODE, LATER);
    expect(podStatusChanged(stored, next)).toBe(true);

    const stopped = group({
      provisioningState: "Succeeded",
      instanceView: { state: "Stopped" },
      containers: [{ name: "web", image: "nginx" }],
    });
    const afterStop = containerGroupToPodStatus(stopped, { ...pod, status: stored }, TEST_NODE, LATER);
    expect(afterStop.phase).toBe("Failed");
    expect(afterStop.reason).toBe("ContainerGroupStopped");
    expect(afterStop.conditions?.find((c) => c.type === "Ready")?.lastTransitionTime).toEqual(LATER);
    expect(afterStop.conditions?.find((c) => c.type === "PodScheduled")?.lastTransitionTime).toEqual(
      first.conditions?.find((c) => c.type === "PodScheduled")?.lastTransitionTime,
    );
  });

  it("failedPodStatus keeps startTime and ends running containers; gone groups fail the pod", () => {
    const cg = group({
      provisioningState: "Succeeded",
      instanceView: { state: "Running" },
      containers: [running("web")],
    });
    const runningStatus = containerGroupToPodStatus(cg, pod, TEST_NODE, NOW);
    const failed = failedPodStatus(
      { ...pod, status: runningStatus },
      "UnsupportedPodSpec",
      "spec.hostNetwork: no",
      LATER,
    );
    expect(failed).toMatchObject({
      phase: "Failed",
      reason: "UnsupportedPodSpec",
      message: "spec.hostNetwork: no",
      startTime: runningStatus.startTime,
    });
    expect(failed.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 137,
      reason: "Error",
      finishedAt: LATER,
    });
    const fresh = failedPodStatus(pod, "UnsupportedPodSpec", "spec.hostNetwork: no", LATER);
    expect(fresh.containerStatuses?.[0]?.state).toEqual({
      waiting: { reason: "UnsupportedPodSpec", message: "spec.hostNetwork: no" },
    });
    expect(isPodFinal(fresh)).toBe(true);
    expect(containerGroupGoneStatus(pod, LATER)).toMatchObject({
      phase: "Failed",
      reason: "ContainerGroupNotFound",
    });
    expect(isPodFinal(undefined)).toBe(false);
  });
});
