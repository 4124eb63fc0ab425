/**
 * Repair, run by the timer on a slower cadence: what a lost message missed. Costs list calls only (paged
 * pods per node, paged container groups of the resource group), never a per-pod ARM GET:
 * - pods bound to our nodes with no group, terminating pods, and pods whose group's provisioning state
 *   contradicts their phase → a `resync` message (podEvents decides);
 * - a rotating slice of running pods → a `resync`, so a follow-up chain lost with a dropped message is
 *   restarted within `rotationSlots` repair periods;
 * - after an outage (`restoreChains`), every other non-final pod → a `status` check, spread over time: lists
 *   carry no instance view, so only a GET sees a container that crashed while the follow-ups were lost;
 * - groups tagged for this cluster and one of our nodes whose uid has no live pod → deleted (orphans),
 *   after re-reading the pod to close the race with a pod created during the listing; only when the
 *   ownership identity is trustworthy (`deleteOrphans`).
 * Untagged groups and groups of other clusters/nodes are never touched.
 *
 * The actions (sends, orphan checks) run with bounded concurrency, in a stable order (by pod key), and stop
 * at `deadline`: the report's `cursor` is the last key started, and the next repair starts after it, so a
 * repair too large for one budget still covers every pod over a few passes.
 */
import { createHash } from "node:crypto";
import type { ContainerGroup } from "@azure/arm-containerinstance";
import type { V1Pod } from "@kubernetes/client-node";
import type { Logger } from "../log.js";
import { podKey, toMessage, type PodMessageSender } from "../queue/message.js";
import { isPodFinal } from "../translate/index.js";
import { isOwnedBy, ownerFromTags } from "../translate/names.js";
import type { ContainerGroupApi, PodReader } from "./ports.js";

/** Queue sends / orphan checks in flight at once (each is one HTTP call of ~10–100 ms). */
export const REPAIR_CONCURRENCY = 8;
/**
 * Restored status checks per second of visibility delay: each costs one ARM read when it fires; ARM refills
 * ~25 reads/s per principal, and podEvents' own follow-ups need the rest.
 */
export const RESTORE_CHECKS_PER_SECOND = 10;

export interface RepairDeps {
  kube: PodReader;
  aci: ContainerGroupApi;
  sender: PodMessageSender;
  clusterName: string;
  nodeNames: readonly string[];
  /** Each running pod gets a resync once every `rotationSlots` repairs. */
  rotationSlots: number;
  /** Which slot this repair serves (e.g. a counter of repair periods). */
  slot: number;
  log: Logger;
  /** After an outage: a `status` check for every non-final pod, spread at RESTORE_CHECKS_PER_SECOND. */
  restoreChains?: boolean;
  /** False: orphans are counted (`orphansRefused`), never deleted. Default true. */
  deleteOrphans?: boolean;
  now?: () => number;
  /** Epoch ms after which no new action starts (the report is `truncated`). */
  deadline?: number;
  /** Start after this action key (the previous truncated repair's `cursor`), wrapping around. */
  cursor?: string;
  concurrency?: number;
}

export interface RepairReport {
  pods: number;
  groups: number;
  ownedGroups: number;
  enqueuedMissing: number;
  enqueuedStale: number;
  enqueuedTerminating: number;
  enqueuedRotation: number;
  enqueuedRestore: number;
  orphansDeleted: number;
  orphansRefused: number;
  /** The deadline stopped the repair before every action ran. */
  truncated: boolean;
  /** Actions not started because of the deadline. */
  skipped: number;
  /** Key of the last action started, when truncated. */
  cursor?: string;
  durationMs: number;
}

type SendReason = "enqueuedMissing" | "enqueuedStale" | "enqueuedTerminating" | "enqueuedRotation";

interface Action {
  key: string;
  run: () => Promise<void>;
}

export async function repair(deps: RepairDeps): Promise<RepairReport> {
  const now = deps.now ?? Date.now;
  const started = now();
  // Pods and groups are listed at the same time; the orphan re-read below closes the race either way.
  const [pods, groups] = await Promise.all([
    Promise.all(deps.nodeNames.map((node) => deps.kube.listPodsOnNode(node))).then((lists) => lists.flat()),
    deps.aci.list(),
  ]);
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
    enqueuedRestore: 0,
    orphansDeleted: 0,
    orphansRefused: 0,
    truncated: false,
    skipped: 0,
    durationMs: 0,
  };

  const actions: Action[] = [];
  const restores: Array<{ key: string; pod: { ns: string; name: string; uid: string } }> = [];
  const liveUids = new Set<string>();
  for (const pod of pods) {
    const ns = pod.metadata?.namespace ?? "";
    const name = pod.metadata?.name ?? "";
    const uid = pod.metadata?.uid ?? "";
    liveUids.add(uid);
    const group = groupByUid.get(uid);
    const key = podKey(ns, name);
    let why: SendReason | undefined;
    if (pod.metadata?.deletionTimestamp) why = "enqueuedTerminating";
    else if (isPodFinal(pod.status)) continue;
    else if (!group) why = "enqueuedMissing";
    else if (contradicts(group, pod)) why = "enqueuedStale";
    else if (slotOf(uid, deps.rotationSlots) === deps.slot % deps.rotationSlots) why = "enqueuedRotation";
    if (why) {
      const reason = why;
      actions.push({
        key,
        run: async () => {
          await deps.sender.send(toMessage({ ns, name, uid, reason: "resync" }, new Date(now())));
          report[reason]++;
        },
      });
    } else if (deps.restoreChains) {
      restores.push({ key, pod: { ns, name, uid } });
    }
  }
  // Spread the restored checks so their ARM reads arrive at a bounded rate.
  restores.sort((a, b) => compareKeys(a.key, b.key));
  restores.forEach(({ key, pod }, i) => {
    const delaySeconds = Math.floor(i / RESTORE_CHECKS_PER_SECOND);
    actions.push({
      key,
      run: async () => {
        const at = new Date(now() + delaySeconds * 1000);
        await deps.sender.send(toMessage({ ...pod, reason: "status" }, at), delaySeconds);
        report.enqueuedRestore++;
      },
    });
  });

  for (const group of owned) {
    const owner = ownerFromTags(group.tags);
    if (!owner || liveUids.has(owner.uid) || group.provisioningState === "Deleting") continue;
    if (deps.deleteOrphans === false) {
      report.orphansRefused++;
      continue;
    }
    actions.push({
      key: `${podKey(owner.namespace, owner.pod)}#${owner.uid}`,
      run: async () => {
        // The pod list may be older than the group list: a pod created in between has a group but was not listed.
        const pod = await deps.kube.getPod(owner.namespace, owner.pod);
        if (pod?.metadata?.uid === owner.uid) return;
        await deps.aci.beginDelete(group.name ?? "");
        report.orphansDeleted++;
        deps.log.info("cg.orphan.deleted", {
          pod: podKey(owner.namespace, owner.pod),
          uid: owner.uid,
          containerGroup: group.name,
        });
      },
    });
  }

  actions.sort((a, b) => compareKeys(a.key, b.key));
  const first =
    deps.cursor === undefined ? 0 : actions.findIndex((a) => compareKeys(a.key, deps.cursor!) > 0);
  const ordered = first <= 0 ? actions : [...actions.slice(first), ...actions.slice(0, first)];
  const deadline = deps.deadline ?? Infinity;
  let next = 0;
  let lastStarted: string | undefined;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < ordered.length && !failure) {
      if (now() >= deadline) return;
      const action = ordered[next++]!;
      lastStarted = action.key;
      try {
        await action.run();
      } catch (error) {
        // The first failure stops every worker (as the serial loop did); the repair fails with it.
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, deps.concurrency ?? REPAIR_CONCURRENCY) }, worker));
  if (failure) throw failure.error;
  if (next < ordered.length) {
    report.truncated = true;
    report.skipped = ordered.length - next;
    report.cursor = lastStarted;
  }
  report.durationMs = now() - started;
  deps.log.info("repair.completed", { ...report });
  return report;
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
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
