/**
 * Repair, run by the timer on a slower cadence: what a lost message missed. Costs list calls only (paged
 * pods per node, paged container groups of the resource group), never a per-pod ARM GET:
 * - pods bound to our nodes with no group, terminating pods, and pods whose group's provisioning state
 *   contradicts their phase → a `resync` message (podEvents decides);
 * - a rotating slice of running pods → a `resync`, so a follow-up chain lost with a dropped message is
 *   restarted within `rotationSlots` repair periods;
 * - groups tagged for this cluster and one of our nodes whose uid has no live pod → deleted (orphans),
 *   after re-reading the pod to close the race with a pod created during the listing.
 * Untagged groups and groups of other clusters/nodes are never touched.
 */
import { createHash } from "node:crypto";
import type { ContainerGroup } from "@azure/arm-containerinstance";
import type { V1Pod } from "@kubernetes/client-node";
import type { Logger } from "../log.js";
import type { PodEventSender } from "../queue/message.js";
import { isPodFinal } from "../translate/index.js";
import { isOwnedBy, ownerFromTags } from "../translate/names.js";
import type { ContainerGroupApi, PodReader } from "./ports.js";

export interface RepairDeps {
  kube: PodReader;
  aci: ContainerGroupApi;
  sender: PodEventSender;
  clusterName: string;
  nodeNames: readonly string[];
  /** Each running pod gets a resync once every `rotationSlots` repairs. */
  rotationSlots: number;
  /** Which slot this repair serves (e.g. a counter of repair periods). */
  slot: number;
  log: Logger;
}

export interface RepairReport {
  pods: number;
  groups: number;
  ownedGroups: number;
  enqueuedMissing: number;
  enqueuedStale: number;
  enqueuedTerminating: number;
  enqueuedRotation: number;
  orphansDeleted: number;
}

export async function repair(deps: RepairDeps): Promise<RepairReport> {
  const pods: V1Pod[] = [];
  for (const node of deps.nodeNames) pods.push(...(await deps.kube.listPodsOnNode(node)));
  const groups = await deps.aci.list();
  const owned = groups.filter((g) => isOwnedBy(g.tags, deps.clusterName, deps.nodeNames));
  const groupByUid = new Map<string, ContainerGroup>();
  for (const group of owned) {
    const owner = ownerFromTags(group.tags);
    if (owner) groupByUid.set(owner.uid, group);
  }
  const report: RepairReport = {
    pods: pods.length,
    groups: groups.length,
    ownedGroups: owned.length,
    enqueuedMissing: 0,
    enqueuedStale: 0,
    enqueuedTerminating: 0,
    enqueuedRotation: 0,
    orphansDeleted: 0,
  };

  const liveUids = new Set<string>();
  for (const pod of pods) {
    const ns = pod.metadata?.namespace ?? "";
    const name = pod.metadata?.name ?? "";
    const uid = pod.metadata?.uid ?? "";
    liveUids.add(uid);
    const group = groupByUid.get(uid);
    let why: keyof RepairReport | undefined;
    if (pod.metadata?.deletionTimestamp) why = "enqueuedTerminating";
    else if (isPodFinal(pod.status)) why = undefined;
    else if (!group) why = "enqueuedMissing";
    else if (contradicts(group, pod)) why = "enqueuedStale";
    else if (slotOf(uid, deps.rotationSlots) === deps.slot % deps.rotationSlots) why = "enqueuedRotation";
    if (!why) continue;
    await deps.sender.send({ v: 1, ns, name, uid, reason: "resync", at: new Date().toISOString() });
    report[why]++;
  }

  for (const group of owned) {
    const owner = ownerFromTags(group.tags);
    if (!owner || liveUids.has(owner.uid) || group.provisioningState === "Deleting") continue;
    // The pod list is older than the group list: a pod created in between has a group but was not listed.
    const pod = await deps.kube.getPod(owner.namespace, owner.pod);
    if (pod?.metadata?.uid === owner.uid) continue;
    await deps.aci.beginDelete(group.name ?? "");
    report.orphansDeleted++;
    deps.log.info("cg.orphan.deleted", {
      pod: `${owner.namespace}/${owner.pod}`,
      uid: owner.uid,
      containerGroup: group.name,
    });
  }
  deps.log.info("repair.completed", { ...report });
  return report;
}

/** The group's provisioning state (lists have no instanceView) disagrees with the pod's phase. */
function contradicts(group: ContainerGroup, pod: V1Pod): boolean {
  const state = group.provisioningState ?? "";
  const phase = pod.status?.phase ?? "Pending";
  if (state === "Failed") return phase !== "Failed";
  if (state === "Succeeded") return phase === "Pending" || phase === "Unknown";
  return false;
}

export function slotOf(uid: string, slots: number): number {
  const hash = createHash("sha256").update(uid).digest();
  return hash.readUInt32BE(0) % Math.max(1, slots);
}
