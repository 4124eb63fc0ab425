/**
 * planPod: the pod reconciler's decisions as a table, without HTTP. Each row is what the reconciler read
 * (pod, group, context) and the one action plus the next look it must answer.
 */
import type { ContainerGroup } from "@azure/arm-containerinstance";
import type { V1Pod, V1PodStatus } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { CLAIM_TTL_MS } from "../../lib/reconcile/createClaim.js";
import { planPod, UNREAD, type GroupView, type PlanContext } from "../../lib/reconcile/planPod.js";
import { containerGroupTags } from "../../lib/translate/names.js";
import type { NodeSettings } from "../../lib/translate/types.js";

const NOW = new Date("2026-12-01T12:00:00Z");
const UID = "11111111-2222-3333-4444-555555555555";
const OLD_UID = "99999999-2222-3333-4444-555555555555";

const node: NodeSettings = {
  clusterName: "c1",
  nodeName: "vn",
  region: "westeurope",
  os: "Linux",
  allowPublicIp: false,
  dnsServers: [],
  clusterDomain: "cluster.local",
  nodeIP: "10.0.0.4",
  maxCpuPerGroup: 4,
  maxMemoryGbPerGroup: 16,
};

function ctx(over: Partial<PlanContext> = {}): PlanContext {
  return {
    ns: "default",
    name: "web",
    reason: "added",
    clusterName: "c1",
    nodes: new Map([["vn", node]]),
    resourceGroup: "rg",
    statusFastSeconds: 3,
    statusSlowSeconds: 60,
    followUpPending: false,
    createGateMs: 0,
    now: NOW,
    instance: "me",
    ...over,
  };
}

function pod(
  over: {
    status?: V1PodStatus;
    deleting?: boolean;
    nodeName?: string;
    uid?: string;
    spec?: Partial<V1Pod["spec"]>;
  } = {},
): V1Pod {
  return {
    metadata: {
      name: "web",
      namespace: "default",
      uid: over.uid ?? UID,
      ...(over.deleting ? { deletionTimestamp: NOW } : {}),
    },
    spec: {
      nodeName: over.nodeName ?? "vn",
      containers: [{ name: "app", image: "nginx" }],
      ...over.spec,
    },
    ...(over.status ? { status: over.status } : {}),
  };
}

function group(
  over: {
    uid?: string;
    owner?: { namespace: string; pod: string };
    tags?: Record<string, string>;
    provisioningState?: string;
    state?: string;
  } = {},
): ContainerGroup {
  const tags =
    over.tags ??
    containerGroupTags({
      cluster: "c1",
      node: "vn",
      namespace: over.owner?.namespace ?? "default",
      pod: over.owner?.pod ?? "web",
      uid: over.uid ?? UID,
    });
  return {
    name: "default-web",
    tags,
    provisioningState: over.provisioningState ?? "Succeeded",
    containers: [
      {
        name: "app",
        image: "nginx",
        resources: { requests: { cpu: 1, memoryInGB: 1.5 } },
        instanceView: {
          restartCount: 0,
          currentState: { state: over.state ?? "Running", startTime: new Date("2026-12-01T11:59:00Z") },
        },
      },
    ],
    instanceView: { state: over.state ?? "Running" },
    ipAddress: { ip: "10.1.0.7", ports: [], type: "Private" },
    osType: "Linux",
  };
}

const running: V1PodStatus = {
  phase: "Running",
  containerStatuses: [
    {
      name: "app",
      image: "nginx",
      imageID: "",
      ready: true,
      restartCount: 0,
      state: { running: { startedAt: new Date("2026-12-01T11:59:00Z") } },
    },
  ],
  podIP: "10.1.0.7",
};
const creating: V1PodStatus = {
  phase: "Pending",
  containerStatuses: [
    {
      name: "app",
      image: "nginx",
      imageID: "",
      ready: false,
      restartCount: 0,
      state: { waiting: { reason: "ContainerCreating" } },
    },
  ],
};
const succeeded: V1PodStatus = { phase: "Succeeded" };

const waitingForSecret: V1PodStatus = {
  phase: "Pending",
  containerStatuses: [
    {
      name: "app",
      image: "nginx",
      imageID: "",
      ready: false,
      restartCount: 0,
      state: { waiting: { reason: "CreateContainerConfigError", message: 'secret "db" not found' } },
    },
  ],
  conditions: [
    {
      type: "aci-bridge.io/ContainerGroup",
      status: "False",
      reason: "WaitingForReferences",
      message: 'secret "db" not found',
      lastTransitionTime: NOW,
    },
  ],
};

function claimedBy(instance: string, at: Date): V1PodStatus {
  return {
    ...creating,
    conditions: [
      {
        type: "aci-bridge.io/ContainerGroup",
        status: "True",
        reason: "CreateClaimed",
        message: `claimed by ${instance} to create container group default-web`,
        lastTransitionTime: at,
      },
    ],
  };
}

const sidecarSpec: Partial<V1Pod["spec"]> = {
  restartPolicy: "Never",
  initContainers: [{ name: "proxy", image: "envoy", restartPolicy: "Always" }],
};

/** The group as ACI runs a native sidecar next to the main container: main terminated, sidecar running. */
function sidecarGroup(exitCode: number): ContainerGroup {
  const g = group();
  return {
    ...g,
    containers: [
      {
        name: "app",
        image: "nginx",
        resources: { requests: { cpu: 1, memoryInGB: 1.5 } },
        instanceView: {
          restartCount: 0,
          currentState: { state: "Terminated", exitCode, startTime: new Date("2026-12-01T11:59:00Z") },
        },
      },
      {
        name: "proxy",
        image: "envoy",
        resources: { requests: { cpu: 1, memoryInGB: 1.5 } },
        instanceView: {
          restartCount: 0,
          currentState: { state: "Running", startTime: new Date("2026-12-01T11:59:00Z") },
        },
      },
    ],
    instanceView: { state: "Running" },
  };
}

interface Row {
  name: string;
  pod: V1Pod | undefined;
  group: GroupView;
  ctx?: Partial<PlanContext>;
  action: string;
  /** Extra fields the action must carry. */
  detail?: Record<string, unknown>;
  next: string;
  seconds?: number;
}

const rows: Row[] = [
  {
    name: "pod gone, group not read yet → read it",
    pod: undefined,
    group: UNREAD,
    action: "read-group",
    next: "keep",
  },
  { name: "pod gone, no group → nothing", pod: undefined, group: undefined, action: "none", next: "keep" },
  {
    name: "pod gone, its group left → delete it, forget the chain",
    pod: undefined,
    group: group(),
    action: "delete-group",
    detail: { why: "pod gone", uid: UID },
    next: "forget",
  },
  {
    name: "pod gone, group already Deleting → no DELETE",
    pod: undefined,
    group: group({ provisioningState: "Deleting" }),
    action: "none",
    detail: { outcome: "deleting" },
    next: "forget",
  },
  {
    name: "pod gone, group without our tags → never touched",
    pod: undefined,
    group: group({ tags: {} }),
    action: "none",
    next: "keep",
  },
  {
    name: "pod on another node → ignored",
    pod: pod({ nodeName: "aks-node-0" }),
    group: UNREAD,
    action: "none",
    detail: { outcome: "ignored" },
    next: "keep",
  },
  {
    name: "final pod → no ARM read, chain forgotten",
    pod: pod({ status: succeeded }),
    group: UNREAD,
    action: "none",
    next: "forget",
  },
  {
    name: "resync of a pod whose chain is alive → no ARM read",
    pod: pod({ status: running }),
    group: UNREAD,
    ctx: { reason: "resync", followUpPending: true },
    action: "none",
    next: "keep",
  },
  {
    name: "new pod behind a closed create gate → deferred without a GET",
    pod: pod(),
    group: UNREAD,
    ctx: { createGateMs: 20_000 },
    action: "none",
    detail: { outcome: "deferred" },
    next: "defer",
  },
  {
    name: "claimed pod behind a closed create gate → read the group (its PUT may have been applied)",
    pod: pod({ status: claimedBy("me", NOW) }),
    group: UNREAD,
    ctx: { createGateMs: 20_000 },
    action: "read-group",
    next: "keep",
  },
  {
    name: "claimed pod whose group runs, gate closed → its status is reported, not deferred",
    pod: pod({ status: claimedBy("me", NOW) }),
    group: group(),
    ctx: { createGateMs: 20_000 },
    action: "patch-status",
    detail: { status: { phase: "Running" } },
    next: "follow-up",
  },
  {
    name: "another instance's claim, its group runs, gate closed → status reported",
    pod: pod({ status: claimedBy("other", NOW) }),
    group: group(),
    ctx: { createGateMs: 20_000 },
    action: "patch-status",
    next: "follow-up",
  },
  {
    name: "claimed pod whose PUT was throttled (no group), gate still closed → deferred, no PUT",
    pod: pod({ status: claimedBy("me", NOW) }),
    group: undefined,
    ctx: { createGateMs: 20_000 },
    action: "none",
    detail: { outcome: "deferred" },
    next: "defer",
  },
  { name: "new pod → read the group", pod: pod(), group: UNREAD, action: "read-group", next: "keep" },
  {
    name: "new pod, no group → create, look again fast",
    pod: pod(),
    group: undefined,
    action: "create",
    next: "follow-up",
    seconds: 3,
  },
  {
    name: "pod that ran, group vanished → Failed ContainerGroupLost",
    pod: pod({ status: running }),
    group: undefined,
    action: "fail",
    detail: { reason: "ContainerGroupLost" },
    next: "forget",
  },
  {
    name: "foreign group holds the name → Failed ContainerGroupNameConflict",
    pod: pod(),
    group: group({ tags: { owner: "someone" } }),
    action: "fail",
    detail: { reason: "ContainerGroupNameConflict", outcome: "conflict" },
    next: "forget",
  },
  {
    name: "terminating pod, foreign group holds the name → finalize only",
    pod: pod({ deleting: true }),
    group: group({ tags: { owner: "someone" } }),
    action: "finalize",
    next: "forget",
  },
  {
    name: "another pod's group (name clash) → Failed",
    pod: pod(),
    group: group({ owner: { namespace: "default-web", pod: "x" } }),
    action: "fail",
    detail: { reason: "ContainerGroupNameConflict" },
    next: "forget",
  },
  {
    name: "group of an earlier pod with the same name → delete it, look again fast",
    pod: pod(),
    group: group({ uid: OLD_UID }),
    action: "delete-group",
    detail: { uid: OLD_UID, why: "replaced by a new pod" },
    next: "follow-up",
    seconds: 3,
  },
  {
    name: "terminating pod, earlier pod's group → delete it and finalize",
    pod: pod({ deleting: true }),
    group: group({ uid: OLD_UID }),
    action: "delete-group",
    detail: { then: "finalize" },
    next: "forget",
  },
  {
    name: "terminating pod with its group → DELETE, finalize once gone",
    pod: pod({ deleting: true, status: running }),
    group: group(),
    action: "delete-group",
    detail: { then: "finalize-if-gone", why: "pod terminating" },
    next: "follow-up",
    seconds: 3,
  },
  {
    name: "terminating pod, group Deleting → wait, no second DELETE",
    pod: pod({ deleting: true, status: running }),
    group: group({ provisioningState: "Deleting" }),
    action: "none",
    detail: { outcome: "deleting" },
    next: "follow-up",
    seconds: 3,
  },
  {
    name: "terminating pod, group gone → finalize",
    pod: pod({ deleting: true, status: running }),
    group: undefined,
    action: "finalize",
    next: "forget",
  },
  {
    name: "creating pod, group Running → patch status, look again slowly",
    pod: pod({ status: creating }),
    group: group(),
    action: "patch-status",
    next: "follow-up",
    seconds: 60,
  },
  {
    name: "group Succeeded → patch the final status, forget the chain",
    pod: pod({ status: running }),
    group: group({ state: "Succeeded" }),
    action: "patch-status",
    next: "forget",
  },
  {
    name: "pod waiting for a Secret → look at the references again, no ARM read",
    pod: pod({ status: waitingForSecret }),
    group: UNREAD,
    action: "create",
    next: "follow-up",
  },
  {
    name: "another instance's fresh claim, no group yet → wait, no PUT",
    pod: pod({ status: claimedBy("other", NOW) }),
    group: undefined,
    action: "none",
    detail: { outcome: "waiting" },
    next: "follow-up",
  },
  {
    name: "this instance's own claim (a retry after a failed PUT) → create",
    pod: pod({ status: claimedBy("me", NOW) }),
    group: undefined,
    action: "create",
    next: "follow-up",
  },
  {
    name: "another instance's claim older than CLAIM_TTL_MS (it failed or died) → create",
    pod: pod({ status: claimedBy("other", new Date(NOW.getTime() - CLAIM_TTL_MS - 1000)) }),
    group: undefined,
    action: "create",
    next: "follow-up",
  },
  {
    name: "activeDeadlineSeconds passed, group running → kill it and fail DeadlineExceeded",
    pod: pod({
      status: { ...running, startTime: new Date(NOW.getTime() - 31_000) },
      spec: { activeDeadlineSeconds: 30 },
    }),
    group: group(),
    action: "fail",
    detail: { reason: "DeadlineExceeded", kill: "default-web", eventType: "Normal" },
    next: "forget",
  },
  {
    name: "activeDeadlineSeconds passed while waiting for a Secret → fail without an ARM read",
    pod: pod({
      status: { ...waitingForSecret, startTime: new Date(NOW.getTime() - 31_000) },
      spec: { activeDeadlineSeconds: 30 },
    }),
    group: UNREAD,
    action: "fail",
    detail: { reason: "DeadlineExceeded" },
    next: "forget",
  },
  {
    name: "activeDeadlineSeconds 10 s away, Running and Ready → next look at the deadline, not the slow period",
    pod: pod({
      status: { ...creating, startTime: new Date(NOW.getTime() - 20_000) },
      spec: { activeDeadlineSeconds: 30 },
    }),
    group: group(),
    action: "patch-status",
    next: "follow-up",
    seconds: 10,
  },
  {
    name: "Job pod, main container done, native sidecar still running → delete the group, report Succeeded",
    pod: pod({ status: running, spec: sidecarSpec }),
    group: sidecarGroup(0),
    action: "complete",
    detail: { cgName: "default-web", status: { phase: "Succeeded" } },
    next: "forget",
  },
  {
    name: "Job pod, main container failed, sidecar running → Failed with the main container's result",
    pod: pod({ status: running, spec: sidecarSpec }),
    group: sidecarGroup(2),
    action: "complete",
    detail: { status: { phase: "Failed" } },
    next: "forget",
  },
  {
    name: "restartPolicy Always with a sidecar: a terminated main container is not the end",
    pod: pod({ status: running, spec: { ...sidecarSpec, restartPolicy: "Always" } }),
    group: sidecarGroup(0),
    action: "patch-status",
    next: "follow-up",
  },
];

describe("planPod", () => {
  it.each(rows)("$name", (row) => {
    const plan = planPod(row.pod, row.group, ctx(row.ctx));
    expect(plan.action.kind).toBe(row.action);
    if (row.detail) expect(plan.action).toMatchObject(row.detail);
    expect(plan.next.kind).toBe(row.next);
    if (row.seconds !== undefined) expect(plan.next).toMatchObject({ seconds: row.seconds });
  });

  it("an unchanged running pod costs no patch and is looked at again after the slow period", () => {
    const first = planPod(pod({ status: creating }), group(), ctx());
    expect(first.action.kind).toBe("patch-status");
    const status = (first.action as { status: V1PodStatus }).status;
    const again = planPod(pod({ status }), group(), ctx());
    expect(again.action).toEqual({ kind: "none", outcome: "unchanged" });
    expect(again.next).toEqual({ kind: "follow-up", seconds: 60 });
  });

  it("the deferral of a gated create covers the gate and a per-pod jitter of at most 4 s", () => {
    const plan = planPod(pod(), UNREAD, ctx({ createGateMs: 20_500 }));
    expect(plan.next.kind).toBe("defer");
    const seconds = (plan.next as { seconds: number }).seconds;
    expect(seconds).toBeGreaterThanOrEqual(21);
    expect(seconds).toBeLessThanOrEqual(25);
    expect(plan.log?.map((l) => l.event)).toEqual(["cg.create.deferred"]);
  });
});
