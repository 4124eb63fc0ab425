/**
 * The executor's actions: carries out one `PodAction` of the plan (`planPod.ts`) against Kubernetes and ARM —
 * at most one ARM write — and says what it came to. Scheduling the follow-up is the caller's (`pod.ts`).
 * Kubernetes Events are best effort; terminal errors mark the pod Failed with a reason and an Event.
 */
import type { V1Pod, V1PodStatus } from "@kubernetes/client-node";
import { ConflictError, InvalidPodSpecError, ThrottledError } from "../errors.js";
import type { Logger } from "../log.js";
import { podKey } from "../queue/message.js";
import {
  collectReferences,
  containerGroupToPodStatus,
  failedPodStatus,
  isPodFinal,
  podStatusChanged,
  podToContainerGroup,
} from "../translate/index.js";
import { pendingPodStatus } from "../translate/pendingPodStatus.js";
import type { NodeSettings, KubeEventSpec, ResolvedReferences } from "../translate/types.js";
import { claimCondition, readMark, waitingCondition } from "./createClaim.js";
import { findMissingReference, referenceWait, type MissingReference } from "./missingReferences.js";
import type { Next, PodAction, PodOutcome } from "./planTypes.js";
import type { ContainerGroupApi, PodReader, PodWriter, ReferenceReader } from "./ports.js";
import {
  readReferencedObjects,
  resolveReferences,
  scrub,
  secretValues,
  type EntrypointResolver,
} from "./references.js";

/** What the actions need: the two services, the image entrypoint lookup, and who and when this is. */
export interface ActionDeps {
  kube: PodReader & PodWriter & ReferenceReader;
  aci: ContainerGroupApi;
  entrypoints: EntrypointResolver;
  config: { readonly aci: { readonly resourceGroup: string } };
  /** Reported as the Events' reportingInstance (e.g. the Functions instance id). */
  instance: string;
  now: () => Date;
  log: Logger;
}

/** What an action came to; `next` replaces the plan's when the action learnt more (a reference wait). */
export interface Done {
  outcome: PodOutcome;
  next?: Next;
}

/** Carries out one action; `pod` is the pod as read (undefined when it is gone). */
export async function execute(action: PodAction, pod: V1Pod | undefined, deps: ActionDeps): Promise<Done> {
  switch (action.kind) {
    case "none":
      return { outcome: action.outcome };
    case "read-group":
      throw new Error("planPod asked to read the group twice"); // a planner bug, never a pod's fault
    case "create":
      return create(required(pod), action.node, deps);
    case "delete-group": {
      const result = await deleteGroup(action.cgName, pod, deps, { uid: action.uid, why: action.why });
      if (pod && action.events) await recordEvents(pod, deps, action.events);
      if (pod && (action.then === "finalize" || (action.then === "finalize-if-gone" && result === "gone"))) {
        return { outcome: await finalize(pod, deps) };
      }
      return { outcome: result === "gone" ? "orphan-deleted" : "deleting" };
    }
    case "finalize":
      return { outcome: await finalize(required(pod), deps) };
    case "fail": {
      const target = required(pod);
      // Kill first: a Failed status written before a failed DELETE would leave the group running for good.
      if (action.kill) {
        await deleteGroup(action.kill, target, deps, { uid: target.metadata?.uid ?? "", why: action.reason });
      }
      await failPod(target, deps, action.reason, action.message, action.eventType, Boolean(action.kill));
      return { outcome: action.outcome === "deadline-exceeded" ? "deadline-exceeded" : action.outcome };
    }
    case "complete": {
      const target = required(pod);
      await deleteGroup(action.cgName, target, deps, {
        uid: target.metadata?.uid ?? "",
        why: "main containers finished",
      });
      await patchStatus(
        target,
        { kind: "patch-status", status: action.status, events: [], groupState: null },
        deps,
        true,
      );
      return { outcome: "completed" };
    }
    case "patch-status":
      return { outcome: await patchStatus(required(pod), action, deps) };
  }
}

async function deleteGroup(
  cgName: string,
  pod: V1Pod | undefined,
  deps: ActionDeps,
  context: { uid: string; why: string },
): Promise<"gone" | "deleting"> {
  const result = await deps.aci.beginDelete(cgName);
  deps.log.info("cg.deleted", {
    pod: pod ? identity(pod).key : cgName,
    uid: context.uid,
    why: context.why,
    containerGroup: cgName,
    done: result === "gone",
  });
  return result;
}

/**
 * Every status write applies only to the version of the pod it was decided on: a status computed from an
 * older read must not land on a pod changed since — least of all on a pod deleted and re-created with the
 * same name, which a Running/Failed status meant for its predecessor would make look as if it had run
 * (docs/chaos.md). A stale version is a `ConflictError`; the executor then reads the pod again and decides
 * once more (`pod.ts`).
 */
function readVersion(pod: V1Pod): { resourceVersion?: string } {
  return { resourceVersion: pod.metadata?.resourceVersion };
}

/**
 * Writes the status on the version of the pod it was decided on (`readVersion`). A final status written
 * right after this action deleted the pod's group (`afterDelete`) must land even when something else was
 * written meanwhile: were it lost to a conflict, the next look would find the group gone and call a pod
 * that ran `ContainerGroupLost`. So on a conflict it is written again on the pod as it is now, if that is
 * still the same pod (uid) and not final already. False when there was nothing left to write.
 */
async function writeStatus(
  pod: V1Pod,
  status: V1PodStatus,
  deps: ActionDeps,
  afterDelete: boolean,
): Promise<boolean> {
  const { ns, name, uid } = identity(pod);
  try {
    await deps.kube.patchPodStatus(ns, name, status, readVersion(pod));
    return true;
  } catch (error) {
    if (!afterDelete || !(error instanceof ConflictError)) throw error;
    const now = await deps.kube.getPod(ns, name);
    if (!now || now.metadata?.uid !== uid || isPodFinal(now.status)) return false;
    await deps.kube.patchPodStatus(ns, name, status, readVersion(now));
    return true;
  }
}

function required(pod: V1Pod | undefined): V1Pod {
  if (!pod) throw new Error("planPod chose an action on a pod that does not exist");
  return pod;
}

/**
 * Reads what the pod references; waits (Pending, the kubelet's reason and Event, a back-off) while a
 * Secret/ConfigMap is missing; else translates, claims the create on the pod (one create across instances,
 * docs/adr/0004-one-create-across-instances.md) and sends the PUT.
 */
async function create(pod: V1Pod, node: NodeSettings, deps: ActionDeps): Promise<Done> {
  const { ns, name, uid, key } = identity(pod);
  const request = collectReferences(pod);
  const objects = await readReferencedObjects(pod, request, deps.kube);
  const missing = findMissingReference(pod, objects);
  if (missing) return waitForReference(pod, node, missing, deps);
  let refs: ResolvedReferences | undefined;
  // The pod as this instance last wrote it: a failure after the claim is written on the claimed version.
  let current = pod;
  try {
    refs = await resolveReferences(pod, request, deps.kube, deps.entrypoints, deps.log, objects);
    const translated = podToContainerGroup(pod, refs, node);
    // Show ContainerCreating at once, like a kubelet, from what will be sent (no extra ARM read), and claim
    // the create in the same patch: the pod's resourceVersion is the precondition, so of two instances that
    // read this version of the pod only one gets past here.
    const now = deps.now();
    const creating = containerGroupToPodStatus(
      { ...translated.containerGroup, name: translated.name, provisioningState: "Pending" },
      pod,
      node,
      now,
    );
    creating.conditions = [
      ...(creating.conditions ?? []),
      claimCondition(deps.instance, translated.name, now),
    ];
    try {
      const claimed = await deps.kube.patchPodStatus(ns, name, creating, readVersion(pod));
      current = { ...pod, metadata: { ...pod.metadata, resourceVersion: claimed }, status: creating };
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      deps.log.info("cg.create.claim.lost", { pod: key, uid, containerGroup: translated.name });
      return { outcome: "claim-lost" };
    }
    await deps.aci.beginCreate(translated.name, translated.containerGroup);
    deps.log.info("cg.created", { pod: key, uid, containerGroup: translated.name, region: node.region });
    await recordEvents(pod, deps, [
      ...(translated.warnings ?? []),
      {
        type: "Normal",
        reason: "ContainerGroupCreated",
        message: `Created container group ${translated.name} in ${deps.config.aci.resourceGroup} (${node.region})`,
        key: `created/${translated.name}`,
        count: 1,
      },
    ]);
  } catch (error) {
    if (error instanceof InvalidPodSpecError) {
      const text = truncate(scrub(error.message, secretValues(refs)));
      deps.log.error("cg.create.failed", {
        pod: key,
        uid,
        reason: error.reason,
        field: error.field,
        error: text,
      });
      await failPod(current, deps, error.reason, text);
      return { outcome: "failed" };
    }
    if (!(error instanceof ThrottledError)) {
      deps.log.warn("cg.create.retry", { pod: key, uid, error: scrub(errorText(error), secretValues(refs)) });
    }
    throw error;
  }
  return { outcome: "created" };
}

/**
 * The kubelet keeps such a pod Pending and retries: the same status, the same Event (its count bumped), and
 * a follow-up after the back-off. Costs Kubernetes reads only; no ARM call, no poison budget.
 */
async function waitForReference(
  pod: V1Pod,
  node: NodeSettings,
  missing: MissingReference,
  deps: ActionDeps,
): Promise<Done> {
  const { ns, name, key } = identity(pod);
  const now = deps.now();
  const mark = readMark(pod.status);
  const since = (mark?.state === "waiting" && mark.since) || now;
  const wait = referenceWait(missing, since, now);
  const status = pendingPodStatus(pod, wait.waiting, node, now, [
    waitingCondition(pod.status, since, missing.message),
  ]);
  if (podStatusChanged(pod.status, status))
    await deps.kube.patchPodStatus(ns, name, status, readVersion(pod));
  deps.log.info("pod.waiting.reference", {
    pod: key,
    reason: wait.event.reason,
    message: missing.message,
    retrySeconds: wait.retrySeconds,
  });
  await recordEvents(pod, deps, [wait.event]);
  return { outcome: "waiting", next: { kind: "follow-up", seconds: wait.retrySeconds } };
}

async function patchStatus(
  pod: V1Pod,
  action: Extract<PodAction, { kind: "patch-status" }>,
  deps: ActionDeps,
  afterDelete = false,
): Promise<PodOutcome> {
  const { key } = identity(pod);
  const { status } = action;
  if (!(await writeStatus(pod, status, deps, afterDelete))) return "unchanged";
  deps.log.info("pod.status.updated", {
    pod: key,
    phase: status.phase,
    from: pod.status?.phase ?? null,
    containerGroupState: action.groupState,
  });
  if (status.phase === "Failed" && pod.status?.phase !== "Failed") {
    deps.log.warn("pod.failed", { pod: key, reason: status.reason ?? "Failed", source: "aci" });
  }
  await recordEvents(pod, deps, action.events);
  return "status-updated";
}

/** The kubelet's last step: remove the pod object once its containers are gone (grace 0, uid precondition). */
async function finalize(pod: V1Pod, deps: ActionDeps): Promise<PodOutcome> {
  const { ns, name, uid } = identity(pod);
  await deps.kube.deletePodNow(ns, name, uid);
  deps.log.info("pod.finalized", { pod: podKey(ns, name), uid });
  return "finalized";
}

/** Pod status messages and log fields stay readable even when a hostile annotation value is echoed. */
const MAX_MESSAGE_CHARS = 1024;

/** Marks the pod Failed with a reason, an Event and a log line: every failure is visible. */
async function failPod(
  pod: V1Pod,
  deps: ActionDeps,
  reason: string,
  fullMessage: string,
  eventType: "Normal" | "Warning" = "Warning",
  afterDelete = false,
): Promise<void> {
  const message = truncate(fullMessage);
  const { ns, name } = identity(pod);
  const status = failedPodStatus(pod, reason, message, deps.now());
  if (!(await writeStatus(pod, status, deps, afterDelete))) return;
  deps.log.warn("pod.failed", { pod: podKey(ns, name), reason, message, source: "bridge" });
  await recordEvents(pod, deps, [{ type: eventType, reason, message, key: `failed/${reason}`, count: 1 }]);
}

/** Events are best effort: a failure to record one is logged, never fails the reconcile. */
async function recordEvents(pod: V1Pod, deps: ActionDeps, events: KubeEventSpec[]): Promise<void> {
  for (const event of events) {
    try {
      await deps.kube.recordEvent(pod, event, deps.instance);
    } catch (error) {
      deps.log.warn("event.record.failed", {
        pod: podKey(pod.metadata?.namespace ?? "", pod.metadata?.name ?? ""),
        reason: event.reason,
        error: errorText(error),
      });
    }
  }
}

function identity(pod: V1Pod): { ns: string; name: string; uid: string; key: string } {
  const ns = pod.metadata?.namespace ?? "";
  const name = pod.metadata?.name ?? "";
  return { ns, name, uid: pod.metadata?.uid ?? "", key: podKey(ns, name) };
}

function truncate(text: string): string {
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS - 1)}…` : text;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
