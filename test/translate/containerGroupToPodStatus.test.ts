/**
 * Container group instance views (shaped like the real GET in test/fixtures/recordings/aci-get.json) → pod status.
 * Table-driven: each row is a pod, a group as a GET returns it and what the status must hold
 * (`want`, matched as a subset) and, where exactness matters, each container's whole state (`states`).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
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

const recorded = JSON.parse(
  readFileSync(join(__dirname, "..", "fixtures", "recordings", "aci-get.json"), "utf8"),
) as {
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

const pullFailure = group({
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

/** A pod with a native sidecar (`shipper`) and one main container (`report`). */
function sidecarJob(restartPolicy: "Never" | "OnFailure" | "Always"): V1Pod {
  return {
    ...pod,
    spec: {
      restartPolicy,
      initContainers: [{ name: "shipper", image: "fluent-bit", restartPolicy: "Always" }],
      containers: [{ name: "report", image: "busybox" }],
    },
  };
}

/** Its group as ACI reports it: the sidecar is an ACI container; `exit` undefined = main still running. */
function sidecarGroup(
  state: "Running" | "Stopped",
  exit: number | undefined,
  stopped = false,
): ContainerGroup {
  const sidecarState = stopped
    ? {
        state: "Terminated",
        exitCode: 143,
        startTime: "2026-11-26T09:59:30Z",
        finishTime: "2026-11-26T09:59:55Z",
      }
    : { state: "Running", startTime: "2026-11-26T09:59:30Z" };
  const mainState =
    exit === undefined
      ? { state: "Running", startTime: "2026-11-26T09:59:31Z" }
      : {
          state: "Terminated",
          exitCode: exit,
          detailStatus: exit === 0 ? "Completed" : "Error",
          startTime: "2026-11-26T09:59:31Z",
          finishTime: "2026-11-26T09:59:50Z",
        };
  return group({
    provisioningState: "Succeeded",
    instanceView: { state },
    containers: [
      { name: "report", image: "busybox", instanceView: { restartCount: 0, currentState: mainState } },
      { name: "shipper", image: "fluent-bit", instanceView: { restartCount: 0, currentState: sidecarState } },
    ],
  });
}

interface Row {
  name: string;
  pod?: V1Pod;
  group: ContainerGroup;
  /** Subset of the status (toMatchObject). */
  want: Record<string, unknown>;
  /** Exact `state` of each main container, in order. */
  states?: V1PodStatus["containerStatuses"] extends (infer S)[] | undefined
    ? S extends { state?: infer T }
      ? T[]
      : never
    : never;
  /** Exact `state` of each init container, in order. */
  initStates?: Row["states"];
  /** [type, status, reason?] of conditions that must hold. */
  conditions?: [string, string, string?][];
  final?: boolean;
}

const jobPod = (spec: V1Pod["spec"]): V1Pod => ({ ...pod, spec });

const ROWS: Row[] = [
  {
    name: "the recorded running group (real GET body)",
    pod: { ...pod, spec: { containers: [{ name: "my-containerinstancexx", image: "nginx" }] } },
    group: flatten(recorded.Entries[0]!.ResponseBody),
    want: {
      phase: "Running",
      hostIP: "10.240.0.250",
      startTime: new Date("2026-11-26T10:00:00Z"),
      qosClass: "BestEffort",
      containerStatuses: [
        {
          name: "my-containerinstancexx",
          lastState: {},
          ready: true,
          restartCount: 0,
          image: "nginx",
          imageID: "nginx@sha256:4c1c50d0ffc614f90b93b07d778028dc765548e823f676fb027f61d281ac380d",
          started: true,
          containerID: "aci://mycontainerGroupxxx/my-containerinstancexx",
        },
      ],
    },
    states: [{ running: { startedAt: new Date("2023-01-13T06:23:12Z") } }],
    conditions: [
      ["Initialized", "True"],
      ["Ready", "True"],
      ["ContainersReady", "True"],
      ["PodScheduled", "True"],
    ],
    final: false,
  },
  {
    name: "Pending with ContainerCreating while provisioning (create response: Pending)",
    group: group({
      provisioningState: "Pending",
      instanceView: { state: "Pending", events: [] },
      containers: [{ name: "web", image: "nginx" }],
    }),
    want: {
      phase: "Pending",
      conditions: expect.arrayContaining([
        expect.objectContaining({
          type: "Ready",
          status: "False",
          reason: "ContainersNotReady",
          message: "containers with unready status: [web]",
        }),
      ]) as unknown,
    },
    states: [{ waiting: { reason: "ContainerCreating" } }],
  },
  {
    name: "CrashLoopBackOff with lastState and restartCount",
    group: group({
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
    }),
    want: {
      phase: "Running",
      podIP: "10.1.0.4",
      podIPs: [{ ip: "10.1.0.4" }],
      containerStatuses: [
        {
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
        },
      ],
    },
    states: [
      {
        waiting: {
          reason: "CrashLoopBackOff",
          message: "CrashLoopBackOff: Back-off 1m20s restarting failed container",
        },
      },
    ],
  },
  {
    name: "Succeeded with Completed containers for a finished job",
    group: group({
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
    }),
    want: { phase: "Succeeded" },
    states: [
      {
        terminated: {
          exitCode: 0,
          reason: "Completed",
          startedAt: new Date("2026-11-26T09:59:00Z"),
          finishedAt: new Date("2026-11-26T09:59:40Z"),
        },
      },
    ],
    conditions: [["Ready", "False", "PodCompleted"]],
    final: true,
  },
  {
    name: "a failed init container: Initialized=False",
    pod: jobPod({
      restartPolicy: "Never",
      initContainers: [{ name: "migrate", image: "m" }],
      containers: [{ name: "web", image: "nginx" }],
    }),
    group: group({
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
    }),
    want: {
      phase: "Failed",
      initContainerStatuses: [{ name: "migrate", ready: false }],
      conditions: expect.arrayContaining([
        expect.objectContaining({
          type: "Initialized",
          status: "False",
          reason: "ContainersNotInitialized",
          message: "containers with incomplete status: [migrate]",
        }),
      ]) as unknown,
    },
    initStates: [
      {
        terminated: {
          exitCode: 2,
          reason: "Error",
          startedAt: new Date("2026-11-26T09:59:00Z"),
          finishedAt: new Date("2026-11-26T09:59:01Z"),
        },
      },
    ],
    states: [{ waiting: { reason: "ContainerCreating" } }],
    final: true,
  },
  {
    name: "image pull failures from ACI events",
    group: pullFailure,
    want: { phase: "Pending" },
    states: [
      {
        waiting: {
          reason: "ImagePullBackOff",
          message: 'Failed to pull image "nginx:nope": manifest unknown',
        },
      },
    ],
  },
  {
    name: "ProviderFailed when provisioning failed",
    group: group({
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
    }),
    want: {
      phase: "Failed",
      reason: "ProviderFailed",
      message:
        "ACI could not create container group rec-web-0: The requested resource is not available in the location 'westeurope'",
    },
    final: true,
  },
  {
    name: "a group stopped in ACI",
    group: group({
      provisioningState: "Succeeded",
      instanceView: { state: "Stopped" },
      containers: [{ name: "web", image: "nginx" }],
    }),
    want: { phase: "Failed", reason: "ContainerGroupStopped" },
    final: true,
  },
  {
    name: "a Job whose main container finished while its native sidecar runs: Succeeded from the main container",
    pod: sidecarJob("Never"),
    group: sidecarGroup("Running", 0),
    want: {
      phase: "Succeeded",
      initContainerStatuses: [{ name: "shipper", started: true }],
      containerStatuses: [{ name: "report", ready: false }],
    },
    initStates: [{ running: { startedAt: new Date("2026-11-26T09:59:30Z") } }],
    states: [
      {
        terminated: {
          exitCode: 0,
          reason: "Completed",
          startedAt: new Date("2026-11-26T09:59:31Z"),
          finishedAt: new Date("2026-11-26T09:59:50Z"),
        },
      },
    ],
    final: true,
  },
  {
    name: "the same Job once the bridge stopped its group: still Succeeded, not ContainerGroupStopped",
    pod: sidecarJob("Never"),
    group: sidecarGroup("Stopped", 0, true),
    want: { phase: "Succeeded" },
    final: true,
  },
  {
    name: "a Job (Never) whose main container failed beside a running sidecar: Failed",
    pod: sidecarJob("Never"),
    group: sidecarGroup("Running", 3),
    want: { phase: "Failed" },
    final: true,
  },
  {
    name: "OnFailure: a failed main container is restarted, so the pod keeps running",
    pod: sidecarJob("OnFailure"),
    group: sidecarGroup("Running", 3),
    want: { phase: "Running" },
    final: false,
  },
  {
    name: "a Deployment pod with a native sidecar: the sidecar is reported among init containers",
    pod: sidecarJob("Always"),
    group: sidecarGroup("Running", undefined),
    want: {
      phase: "Running",
      initContainerStatuses: [{ name: "shipper", ready: true, started: true }],
      containerStatuses: [{ name: "report", ready: true }],
    },
    conditions: [
      ["Initialized", "True"],
      ["Ready", "True"],
    ],
    final: false,
  },
];

describe("containerGroupToPodStatus", () => {
  it.each(ROWS.map((r) => [r.name, r] as const))("%s", (_name, row) => {
    const status = containerGroupToPodStatus(row.group, row.pod ?? pod, TEST_NODE, NOW);
    expect(status).toMatchObject(row.want);
    if (row.states) expect(status.containerStatuses?.map((s) => s.state)).toEqual(row.states);
    if (row.initStates) expect(status.initContainerStatuses?.map((s) => s.state)).toEqual(row.initStates);
    for (const [type, value, reason] of row.conditions ?? []) {
      const c = status.conditions?.find((x) => x.type === type);
      expect(c?.status, type).toBe(value);
      if (reason) expect(c?.reason, type).toBe(reason);
    }
    if (row.final !== undefined) expect(isPodFinal(status)).toBe(row.final);
  });

  it("lists the conditions in a fixed order", () => {
    const status = containerGroupToPodStatus(ROWS[0]!.group, ROWS[0]!.pod ?? pod, TEST_NODE, NOW);
    expect(status.conditions?.map((c) => c.type)).toEqual([
      "Initialized",
      "Ready",
      "ContainersReady",
      "PodScheduled",
    ]);
  });
});

describe("containerGroupEvents", () => {
  it("turns a container's ACI events into Kubernetes Events with stable keys", () => {
    expect(containerGroupEvents(pullFailure, pod)).toEqual([
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
});

describe("containerGroupToPodStatus over stored statuses", () => {
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
