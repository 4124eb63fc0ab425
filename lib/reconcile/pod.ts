/**
 * Converges one pod with its container group (DESIGN: level-triggered; a message only names the pod).
 * Reads the pod (Kubernetes) and the group (one ARM GET), then does at most one write:
 * create, delete, finalize the pod object, or patch the pod status. Follow-up checks are scheduled here.
 *
 * Contract: may be called any number of times, concurrently, in any order, for the same pod; each call
 * re-reads the world. Transient errors are thrown (the host retries); throttling defers the message;
 * terminal errors mark the pod Failed with a reason and an Event and complete the message.
 */
import type { ContainerGroup } from "@azure/arm-containerinstance";
import type { V1Pod, V1PodStatus } from "@kubernetes/client-node";
import { InvalidPodSpecError, ThrottledError } from "../errors.js";
import type { Logger } from "../log.js";
import { podKey, type PodEventMessage } from "../queue/message.js";
import {
  collectReferences,
  containerGroupEvents,
  containerGroupToPodStatus,
  failedPodStatus,
  isPodFinal,
  podStatusChanged,
  podToContainerGroup,
} from "../translate/index.js";
import { containerGroupName, isOwnedBy, ownerFromTags } from "../translate/names.js";
import type { NodeSettings, PodEventSpec, ResolvedReferences } from "../translate/types.js";
import type { FollowUpScheduler, ThrottleGate } from "./followUps.js";
import type { ContainerGroupApi, PodReader, PodWriter, ReferenceReader } from "./ports.js";
import { resolveReferences, scrub, secretValues, type EntrypointResolver } from "./references.js";

export interface PodReconcilerDeps {
  kube: PodReader & PodWriter & ReferenceReader;
  aci: ContainerGroupApi;
  followUps: FollowUpScheduler;
  throttle: ThrottleGate;
  entrypoints: EntrypointResolver;
  clusterName: string;
  /** The virtual nodes this deployment serves, by name. */
  nodes: ReadonlyMap<string, NodeSettings>;
  resourceGroup: string;
  statusFastSeconds: number;
  statusSlowSeconds: number;
  /** Reported as the Events' reportingInstance (e.g. the Functions instance id). */
  instance: string;
  now: () => Date;
  log: Logger;
}

export type PodOutcome =
  | "created"
  | "deleting"
  | "finalized"
  | "status-updated"
  | "unchanged"
  | "ignored"
  | "failed"
  | "orphan-deleted"
  | "deferred"
  | "conflict";

/** ARM states while a group is on its way out. */
const DELETING_STATES = new Set(["Deleting"]);

export async function reconcilePod(message: PodEventMessage, deps: PodReconcilerDeps): Promise<PodOutcome> {
  const { ns, name } = message;
  const key = podKey(ns, name);
  try {
    return await converge(message, deps);
  } catch (error) {
    if (error instanceof ThrottledError) {
      const delayMs = error.retryAfterMs ?? 30_000;
      // Only throttled writes close the create gate: a throttled read says nothing about the write budget.
      if (error.write) deps.throttle.block(delayMs);
      const delaySeconds = Math.ceil(delayMs / 1000) + jitterSeconds(key);
      deps.log.warn("arm.throttled", {
        pod: key,
        retryAfterMs: delayMs,
        deferSeconds: delaySeconds,
        error: error.message,
      });
      await deps.followUps.defer(message, delaySeconds);
      return "deferred";
    }
    throw error;
  }
}

async function converge(message: PodEventMessage, deps: PodReconcilerDeps): Promise<PodOutcome> {
  const { ns, name } = message;
  const key = podKey(ns, name);
  const { log } = deps;
  const nodeNames = [...deps.nodes.keys()];
  const cgName = containerGroupName(ns, name);

  const pod = await deps.kube.getPod(ns, name);
  if (!pod) {
    const cg = await deps.aci.get(cgName);
    const owner = ownerFromTags(cg?.tags);
    if (!cg || !owner || !isOwnedBy(cg.tags, deps.clusterName, nodeNames)) {
      if (cg) log.info("cg.foreign.skipped", { pod: key, containerGroup: cgName });
      else log.info("pod.gone", { pod: key });
      return "unchanged";
    }
    if (owner.namespace !== ns || owner.pod !== name) return "unchanged"; // another pod's group (name clash)
    deps.followUps.forget({ ns, name, uid: owner.uid });
    return deleteGroup(cg, cgName, deps, { pod: key, uid: owner.uid, why: "pod gone" });
  }

  const uid = pod.metadata?.uid ?? "";
  const node = deps.nodes.get(pod.spec?.nodeName ?? "");
  if (!node) {
    log.info("pod.ignored", { pod: key, node: pod.spec?.nodeName ?? null });
    return "ignored";
  }

  if (isPodFinal(pod.status) && !pod.metadata?.deletionTimestamp) {
    // Finished: its group (if any) stays until the pod is deleted, for its logs. Nothing to read or write.
    deps.followUps.forget({ ns, name, uid });
    return "unchanged";
  }

  if (
    message.reason === "resync" &&
    !pod.metadata?.deletionTimestamp &&
    hasGroupStatus(pod.status) &&
    deps.followUps.hasPending({ ns, name, uid })
  ) {
    // The repair's safety-net resync of a pod whose follow-up chain is alive here: that check will look.
    return "unchanged";
  }

  if (!pod.metadata?.deletionTimestamp && !hasGroupStatus(pod.status) && deps.throttle.remainingMs() > 0) {
    // Creates are paused after a throttled write; a pod that never saw its group would only create one.
    // Defer it without spending an ARM read on the GET.
    return deferCreate(message, deps);
  }

  const cg = await deps.aci.get(cgName);
  if (cg && !isOwnedBy(cg.tags, deps.clusterName, nodeNames)) {
    // Never touch a group without our tags (DESIGN principle 2): the pod cannot get its name.
    log.warn("cg.foreign.conflict", { pod: key, containerGroup: cgName });
    if (isPodFinal(pod.status) || pod.metadata?.deletionTimestamp) {
      if (pod.metadata?.deletionTimestamp) return finalize(pod, deps);
      return "conflict";
    }
    await failPod(
      pod,
      deps,
      "ContainerGroupNameConflict",
      `container group ${cgName} exists in resource group ${deps.resourceGroup} and is not managed by aci-bridge; the pod cannot use its name`,
    );
    return "conflict";
  }
  const owner = ownerFromTags(cg?.tags);
  if (cg && owner && (owner.namespace !== ns || owner.pod !== name)) {
    log.warn("cg.name.clash", { pod: key, containerGroup: cgName, owner: `${owner.namespace}/${owner.pod}` });
    if (!isPodFinal(pod.status) && !pod.metadata?.deletionTimestamp) {
      await failPod(
        pod,
        deps,
        "ContainerGroupNameConflict",
        `container group ${cgName} belongs to pod ${owner.namespace}/${owner.pod}`,
      );
    } else if (pod.metadata?.deletionTimestamp) {
      return finalize(pod, deps);
    }
    return "conflict";
  }
  if (cg && owner && owner.uid !== uid) {
    // The group of an earlier pod with the same name (e.g. a StatefulSet pod recreated): remove it first,
    // then the follow-up creates the new one.
    const outcome = await deleteGroup(cg, cgName, deps, {
      pod: key,
      uid: owner.uid,
      why: "replaced by a new pod",
    });
    if (pod.metadata?.deletionTimestamp) return finalize(pod, deps);
    await deps.followUps.schedule({ ns, name, uid }, deps.statusFastSeconds, message);
    return outcome;
  }

  if (pod.metadata?.deletionTimestamp) {
    if (cg) {
      const outcome = await deleteGroup(cg, cgName, deps, { pod: key, uid, why: "pod terminating" });
      if (outcome === "deleting") {
        await deps.followUps.schedule({ ns, name, uid }, deps.statusFastSeconds, message);
        return outcome;
      }
    }
    return finalize(pod, deps);
  }

  if (!cg) {
    if (isPodFinal(pod.status)) return "unchanged";
    if (hasRun(pod.status)) {
      await failPod(pod, deps, "ContainerGroupLost", `container group ${cgName} no longer exists in ACI`);
      return "failed";
    }
    return create(pod, node, message, deps);
  }

  return syncStatus(pod, cg, node, message, deps);
}

async function create(
  pod: V1Pod,
  node: NodeSettings,
  message: PodEventMessage,
  deps: PodReconcilerDeps,
): Promise<PodOutcome> {
  const { ns, name, uid, key } = identity(pod);
  if (deps.throttle.remainingMs() > 0) return deferCreate(message, deps);
  let refs: ResolvedReferences | undefined;
  try {
    refs = await resolveReferences(pod, collectReferences(pod), deps.kube, deps.entrypoints, deps.log);
    const translated = podToContainerGroup(pod, refs, node);
    await deps.aci.beginCreate(translated.name, translated.containerGroup);
    deps.log.info("cg.created", { pod: key, uid, containerGroup: translated.name, region: node.region });
    // Show ContainerCreating at once, like a kubelet, from what ARM accepted (no extra ARM read).
    const creating = containerGroupToPodStatus(
      { ...translated.containerGroup, name: translated.name, provisioningState: "Pending" },
      pod,
      node,
      deps.now(),
    );
    if (podStatusChanged(pod.status, creating)) await deps.kube.patchPodStatus(ns, name, creating);
    await emitEvents(pod, deps, [
      ...(translated.warnings ?? []),
      {
        type: "Normal",
        reason: "ContainerGroupCreated",
        message: `Created container group ${translated.name} in ${deps.resourceGroup} (${node.region})`,
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
      await failPod(pod, deps, error.reason, text);
      return "failed";
    }
    if (!(error instanceof ThrottledError)) {
      deps.log.warn("cg.create.retry", { pod: key, uid, error: scrub(errorText(error), secretValues(refs)) });
    }
    throw error;
  }
  await deps.followUps.schedule({ ns, name, uid }, deps.statusFastSeconds, message);
  return "created";
}

async function syncStatus(
  pod: V1Pod,
  cg: ContainerGroup,
  node: NodeSettings,
  message: PodEventMessage,
  deps: PodReconcilerDeps,
): Promise<PodOutcome> {
  const { ns, name, uid, key } = identity(pod);
  const status = containerGroupToPodStatus(cg, pod, node, deps.now());
  let outcome: PodOutcome = "unchanged";
  if (podStatusChanged(pod.status, status)) {
    await deps.kube.patchPodStatus(ns, name, status);
    deps.log.info("pod.status.updated", {
      pod: key,
      phase: status.phase,
      from: pod.status?.phase ?? null,
      containerGroupState: cg.instanceView?.state ?? cg.provisioningState ?? null,
    });
    if (status.phase === "Failed" && pod.status?.phase !== "Failed") {
      deps.log.warn("pod.failed", { pod: key, reason: status.reason ?? "Failed", source: "aci" });
    }
    await emitEvents(pod, deps, containerGroupEvents(cg, pod));
    outcome = "status-updated";
  }
  if (isPodFinal(status)) {
    deps.followUps.forget({ ns, name, uid });
  } else {
    const settled =
      status.phase === "Running" &&
      status.conditions?.some(
        (c: { type?: string; status?: string }) => c.type === "Ready" && c.status === "True",
      );
    await deps.followUps.schedule(
      { ns, name, uid },
      settled ? deps.statusSlowSeconds : deps.statusFastSeconds,
      message,
    );
  }
  return outcome;
}

async function deleteGroup(
  cg: ContainerGroup,
  cgName: string,
  deps: PodReconcilerDeps,
  context: { pod: string; uid: string; why: string },
): Promise<PodOutcome> {
  if (DELETING_STATES.has(cg.provisioningState ?? "")) return "deleting";
  const result = await deps.aci.beginDelete(cgName);
  deps.log.info("cg.deleted", { ...context, containerGroup: cgName, done: result === "gone" });
  return result === "gone" ? "orphan-deleted" : "deleting";
}

/** The kubelet's last step: remove the pod object once its containers are gone (grace 0, uid precondition). */
async function finalize(pod: V1Pod, deps: PodReconcilerDeps): Promise<PodOutcome> {
  const { ns, name, uid } = identity(pod);
  await deps.kube.deletePodNow(ns, name, uid);
  deps.followUps.forget({ ns, name, uid });
  deps.log.info("pod.finalized", { pod: podKey(ns, name), uid });
  return "finalized";
}

/** Marks the pod Failed with a reason, an Event and an error log (DESIGN principle 4). */
/** Pod status messages and log fields stay readable even when a hostile annotation value is echoed. */
const MAX_MESSAGE_CHARS = 1024;

async function failPod(
  pod: V1Pod,
  deps: PodReconcilerDeps,
  reason: string,
  fullMessage: string,
): Promise<void> {
  const message = truncate(fullMessage);
  const { ns, name } = identity(pod);
  const status = failedPodStatus(pod, reason, message, deps.now());
  await deps.kube.patchPodStatus(ns, name, status);
  deps.followUps.forget({ ns, name, uid: pod.metadata?.uid });
  deps.log.warn("pod.failed", { pod: podKey(ns, name), reason, message, source: "bridge" });
  await emitEvents(pod, deps, [{ type: "Warning", reason, message, key: `failed/${reason}`, count: 1 }]);
}

/** Events are best effort: a failure to record one is logged, never fails the reconcile. */
async function emitEvents(pod: V1Pod, deps: PodReconcilerDeps, events: PodEventSpec[]): Promise<void> {
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

async function deferCreate(message: PodEventMessage, deps: PodReconcilerDeps): Promise<PodOutcome> {
  const key = podKey(message.ns, message.name);
  const delaySeconds = Math.ceil(deps.throttle.remainingMs() / 1000) + jitterSeconds(key);
  deps.log.info("cg.create.deferred", { pod: key, deferSeconds: delaySeconds });
  await deps.followUps.defer(message, delaySeconds);
  return "deferred";
}

/** Whether the bridge already reported a group for this pod (container statuses come only from a group). */
function hasGroupStatus(status: V1PodStatus | undefined): boolean {
  return (status?.containerStatuses?.length ?? 0) > 0 || (status?.initContainerStatuses?.length ?? 0) > 0;
}

/** Whether the pod's status shows it ran on a container group (so a missing group was lost, not never made). */
function hasRun(status: V1PodStatus | undefined): boolean {
  if (!status) return false;
  if (status.podIP) return true;
  return [...(status.containerStatuses ?? []), ...(status.initContainerStatuses ?? [])].some(
    (c) => c.state?.running !== undefined || c.state?.terminated !== undefined || (c.restartCount ?? 0) > 0,
  );
}

/** 0–4 s spread per pod, so deferred messages do not all come back in the same second. */
function jitterSeconds(key: string): number {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) >>> 0;
  return h % 5;
}

function truncate(text: string): string {
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS - 1)}…` : text;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
