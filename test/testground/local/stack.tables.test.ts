/** Table rendering: kubectl's columns and STATUS logic, az's table, AGE. */
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import {
  formatAzTable,
  formatKubectlTable,
  groupsTable,
  groupViewFromRest,
  groupViewFromSdk,
  humanDuration,
  nodesTable,
  podReadyText,
  podsTable,
  podStatusText,
} from "../../../testground/local/tables.js";

const now = new Date("2026-11-25T12:00:00Z");
const ago = (s: number) => new Date(now.getTime() - s * 1000);

describe("humanDuration (AGE)", () => {
  it.each([
    [-5_000, "<invalid>"],
    [-500, "0s"],
    [0, "0s"],
    [59_000, "59s"],
    [119_000, "119s"],
    [120_000, "2m"],
    [150_000, "2m30s"],
    [600_000, "10m"],
    [3 * 3600_000, "3h"],
    [3 * 3600_000 + 60_000, "3h1m"],
    [10 * 3600_000, "10h"],
    [50 * 3600_000, "2d2h"],
    [30 * 86400_000, "30d"],
    [800 * 86400_000, "2y70d"],
  ])("%d ms → %s", (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});

describe("formatting", () => {
  it("kubectl: columns padded to the widest cell + 3 (at least 6), last column not padded", () => {
    expect(formatKubectlTable(["NAME", "AGE"], [["a-long-name", "5s"]])).toEqual([
      "NAME          AGE",
      "a-long-name   5s",
    ]);
  });
  it("az: two spaces between columns and a dashed rule", () => {
    expect(formatAzTable(["Name", "OsType"], [["g", "Linux"]])).toEqual([
      "Name  OsType",
      "----  ------",
      "g     Linux",
    ]);
  });
});

describe("nodes (kubectl get nodes -o wide)", () => {
  it("renders the virtual node with its role, version, IP and runtime; unknown fields as kubectl does", () => {
    const node: V1Node = {
      metadata: {
        name: "virtual-kubelet-aci-connector-linux-westus",
        creationTimestamp: ago(45),
        labels: { "kubernetes.io/role": "agent", type: "virtual-kubelet" },
      },
      status: {
        conditions: [{ type: "Ready", status: "True" }],
        addresses: [{ type: "InternalIP", address: "10.240.0.250" }],
        nodeInfo: {
          kubeletVersion: "v1.32.0-aci-bridge",
          osImage: "Azure Container Instances",
          kernelVersion: "",
          containerRuntimeVersion: "aci://2023-05-01",
          architecture: "amd64",
          bootID: "",
          kubeProxyVersion: "",
          machineID: "",
          operatingSystem: "linux",
          systemUUID: "",
        },
      },
    };
    expect(nodesTable([node], now)).toEqual([
      "NAME                                         STATUS   ROLES   AGE   VERSION              INTERNAL-IP    EXTERNAL-IP   OS-IMAGE                    KERNEL-VERSION   CONTAINER-RUNTIME",
      "virtual-kubelet-aci-connector-linux-westus   Ready    agent   45s   v1.32.0-aci-bridge   10.240.0.250   <none>        Azure Container Instances   <unknown>        aci://2023-05-01",
    ]);
    const notReady: V1Node = {
      metadata: { name: "n", labels: { "node-role.kubernetes.io/control-plane": "" } },
      spec: { unschedulable: true },
      status: { conditions: [{ type: "Ready", status: "Unknown" }] },
    };
    expect(nodesTable([notReady], now)[1]).toMatch(
      /^n +NotReady,SchedulingDisabled +control-plane +<unknown> /,
    );
    expect(nodesTable([{ metadata: { name: "x" } }], now)[1]).toMatch(/^x +Unknown +<none> /);
  });
});

const basePod = (status: V1Pod["status"], extra: Partial<V1Pod> = {}): V1Pod => ({
  metadata: { name: "p", namespace: "default", creationTimestamp: ago(3) },
  spec: { containers: [{ name: "c", image: "x" }], nodeName: "vk" },
  status,
  ...extra,
});

describe("pod STATUS like kubectl's printPod", () => {
  it.each<[string, V1Pod, string]>([
    ["no status yet", basePod(undefined), "Pending"],
    [
      "waiting ContainerCreating",
      basePod({
        phase: "Pending",
        containerStatuses: [
          {
            name: "c",
            image: "x",
            imageID: "",
            ready: false,
            restartCount: 0,
            state: { waiting: { reason: "ContainerCreating" } },
          },
        ],
      }),
      "ContainerCreating",
    ],
    [
      "running and ready",
      basePod({
        phase: "Running",
        containerStatuses: [
          { name: "c", image: "x", imageID: "", ready: true, restartCount: 0, state: { running: {} } },
        ],
      }),
      "Running",
    ],
    [
      "crash loop",
      basePod({
        phase: "Running",
        containerStatuses: [
          {
            name: "c",
            image: "x",
            imageID: "",
            ready: false,
            restartCount: 3,
            state: { waiting: { reason: "CrashLoopBackOff" } },
          },
        ],
      }),
      "CrashLoopBackOff",
    ],
    [
      "failed with a pod reason",
      basePod({ phase: "Failed", reason: "UnsupportedPodSpec", message: "spec.volumes[0].hostPath" }),
      "UnsupportedPodSpec",
    ],
    [
      "completed",
      basePod({
        phase: "Succeeded",
        containerStatuses: [
          {
            name: "c",
            image: "x",
            imageID: "",
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 0, reason: "Completed" } },
          },
        ],
      }),
      "Completed",
    ],
    [
      "terminated without reason",
      basePod({
        phase: "Failed",
        containerStatuses: [
          {
            name: "c",
            image: "x",
            imageID: "",
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 2 } },
          },
        ],
      }),
      "ExitCode:2",
    ],
    [
      "init container running",
      basePod(
        {
          phase: "Pending",
          initContainerStatuses: [
            { name: "i", image: "x", imageID: "", ready: false, restartCount: 0, state: { running: {} } },
          ],
        },
        { spec: { containers: [{ name: "c" }], initContainers: [{ name: "i" }] } },
      ),
      "Init:0/1",
    ],
    [
      "init container failed",
      basePod(
        {
          phase: "Pending",
          initContainerStatuses: [
            {
              name: "i",
              image: "x",
              imageID: "",
              ready: false,
              restartCount: 0,
              state: { terminated: { exitCode: 1, reason: "Error" } },
            },
          ],
        },
        { spec: { containers: [{ name: "c" }], initContainers: [{ name: "i" }] } },
      ),
      "Init:Error",
    ],
    [
      "deleting",
      basePod({ phase: "Running" }, { metadata: { name: "p", deletionTimestamp: now } }),
      "Terminating",
    ],
    [
      "deleting after it failed",
      basePod(
        { phase: "Failed", reason: "UnsupportedPodSpec" },
        { metadata: { name: "p", deletionTimestamp: now } },
      ),
      "UnsupportedPodSpec",
    ],
  ])("%s", (_name, pod, status) => {
    expect(podStatusText(pod)).toBe(status);
  });

  it("READY counts ready running containers; the table shows <none> for a missing IP or node", () => {
    const pod = basePod({ phase: "Pending" }, { spec: { containers: [{ name: "a" }, { name: "b" }] } });
    expect(podReadyText(pod)).toBe("0/2");
    expect(podsTable([pod], now)).toEqual([
      "NAME   READY   STATUS    IP       NODE     AGE",
      "p      0/2     Pending   <none>   <none>   3s",
    ]);
    expect(podsTable([], now)).toEqual(["No resources found in default namespace."]);
  });
});

describe("container groups (az container list -o table)", () => {
  const rest = {
    name: "default-aci-helloworld-674f5554bd-57z7g",
    tags: { "aci-bridge.node": "vk" },
    properties: {
      provisioningState: "Succeeded",
      osType: "Linux",
      ipAddress: { ip: "10.240.0.4", ports: [{ port: 80 }, { port: 443 }] },
      instanceView: { state: "Running" },
      containers: [
        { properties: { resources: { requests: { cpu: 1, memoryInGB: 1.5 } } } },
        { properties: { resources: { requests: { cpu: 0.5, memoryInGB: 0.5 } } } },
      ],
    },
  };
  it("REST body (simulator): instance state once provisioned, summed resources, ports joined", () => {
    expect(groupsTable([groupViewFromRest(rest)])).toEqual([
      "NAME                                     STATE    IP:PORTS           CPU/MEMORY       OS",
      "---------------------------------------  -------  -----------------  ---------------  -----",
      "default-aci-helloworld-674f5554bd-57z7g  Running  10.240.0.4:80,443  1.5 core/2.0 gb  Linux",
    ]);
  });
  it("provisioning states before that, no IP yet", () => {
    const pending = groupViewFromRest({
      ...rest,
      properties: {
        ...rest.properties,
        provisioningState: "Pending",
        ipAddress: undefined,
        instanceView: undefined,
      },
    });
    expect(pending.state).toBe("Pending");
    expect(groupsTable([pending])[2]).toMatch(/^default-\S+ +Pending +1\.5 core\/2\.0 gb +Linux$/);
  });
  it("SDK model (real ARM list, no instance view)", () => {
    const view = groupViewFromSdk({
      name: "g",
      provisioningState: "Succeeded",
      osType: "Linux",
      containers: [{ name: "c", image: "x", resources: { requests: { cpu: 1, memoryInGB: 1.5 } } }],
      ipAddress: { ip: "20.1.2.3", ports: [{ port: 80 }], type: "Public" },
    });
    expect(view).toMatchObject({
      name: "g",
      state: "Succeeded",
      ip: "20.1.2.3",
      ports: [80],
      cpu: 1,
      memoryGb: 1.5,
    });
  });
});
