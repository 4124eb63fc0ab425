/**
 * Converges one pod with its container group (level-triggered: a message only names the pod).
 * The executor half of "decide, then act": reads the pod (Kubernetes) and, when the plan needs it, the group
 * (one ARM GET), asks `planPod` what to do, has `podActions.ts` do it (at most one ARM write), and schedules
 * the follow-up the plan asked for.
 *
 * Contract: may be called any number of times, concurrently, in any order, for the same pod; each call
 * re-reads the world. Transient errors are thrown (the handler re-enqueues a delayed copy, ADR 0005);
 * throttling defers the message; terminal errors mark the pod Failed with a reason and an Event and complete
 * the message; a missing Secret/ConfigMap keeps the pod Pending and looks again after a back-off.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { setTimeout as delay } from "node:timers/promises";
import { ConflictError, ThrottledError } from "../errors.js";
import type { Logger } from "../log.js";
import { podKey, type PodMessage } from "../queue/message.js";
import { containerGroupName } from "../translate/names.js";
import type { NodeSettings } from "../translate/types.js";
import type { FollowUpScheduler, ThrottleGate } from "./followUps.js";
import { jitterSeconds, withDeadline } from "./planCommon.js";
import { planPod } from "./planPod.js";
import {
  UNREAD,
  type GroupView,
  type Next,
  type PlanContext,
  type PodOutcome,
  type PodPlan,
} from "./planTypes.js";
import { execute, type Done } from "./podActions.js";
import type { ContainerGroupApi, PodReader, PodWriter, ReferenceReader } from "./ports.js";
import type { EntrypointResolver } from "./references.js";

/** What the pod reconciler needs from the runtime (`BridgeRuntime` provides it as is). */
export interface PodRuntime {
  kube: PodReader & PodWriter & ReferenceReader;
  aci: ContainerGroupApi;
  followUps: FollowUpScheduler;
  throttle: ThrottleGate;
  entrypoints: EntrypointResolver;
  /** The virtual nodes this deployment serves, by name. */
  nodes: ReadonlyMap<string, NodeSettings>;
  config: {
    readonly clusterName: string;
    readonly aci: { readonly resourceGroup: string };
    readonly timings: { readonly statusFastSeconds: number; readonly statusSlowSeconds: number };
  };
  /** Reported as the Events' reportingInstance (e.g. the Functions instance id). */
  instance: string;
  now: () => Date;
}

/** The runtime's parts plus the invocation's logger. */
interface Deps extends PodRuntime {
  log: Logger;
}

export type { PodOutcome };

/**
 * Converges the pod the message names. May be called any number of times, concurrently, for the same pod:
 * each call re-reads the world (idempotent).
 */
export async function reconcilePod(
  message: PodMessage,
  runtime: PodRuntime,
  log: Logger,
): Promise<PodOutcome> {
  const deps: Deps = { ...runtime, log };
  const key = podKey(message.ns, message.name);
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

/** Read, plan, act, schedule the follow-up the plan asked for. */
async function converge(message: PodMessage, deps: Deps): Promise<PodOutcome> {
  let decision = await decide(message, deps, UNREAD);
  const gateMs = decision.ctx.createGateMs;
  if (isCreateDeferral(decision.plan) && gateMs <= INLINE_GATE_WAIT_MS) {
    // The create gate closes for a write's Retry-After (mostly 1–3 s); deferring through the queue costs
    // the delay plus a jitter plus a polling round trip, and the copy may land on an instance whose gate
    // has just closed again: after an outage, with every instance's gate closing often, pods waited for a
    // minute behind gates of a few seconds each (docs/chaos.md). A short gate is waited out here instead,
    // spread per pod so the creates do not all leave at the same millisecond; then decide again.
    await delay(gateMs + jitterSeconds(podKey(message.ns, message.name)) * 250);
    decision = await decide(message, deps, UNREAD);
  }
  let done: Done;
  try {
    done = await execute(decision.plan.action, decision.pod, deps);
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    // A status write found the pod changed since it was read (another instance wrote first, or the pod was
    // replaced by one of the same name): decide once more on a fresh read of the pod, with the group as just
    // read. A second conflict is thrown, and retried like any transient error.
    deps.log.info("pod.write.conflict", {
      pod: podKey(message.ns, message.name),
      uid: decision.pod?.metadata?.uid ?? null,
      action: decision.plan.action.kind,
    });
    decision = await decide(message, deps, decision.group);
    done = await execute(decision.plan.action, decision.pod, deps);
  }
  const { pod, ctx, plan } = decision;
  for (const note of plan.log ?? []) deps.log[note.level](note.event, note.fields);
  const next = done.next && pod ? withDeadline(done.next, pod, ctx) : plan.next;
  await scheduleNext(next, done.outcome, message, pod, deps);
  return done.outcome;
}

interface Decision {
  pod: V1Pod | undefined;
  /** The group as read for this decision (`UNREAD` when the plan did not need it). */
  group: GroupView;
  ctx: PlanContext;
  plan: PodPlan;
}

/**
 * Reads the pod and plans. The group is read when the plan needs it, unless `known` holds one read earlier
 * (the pod, read now, is then the newer of the two, as final decisions require).
 */
async function decide(message: PodMessage, deps: Deps, known: GroupView): Promise<Decision> {
  let pod = await deps.kube.getPod(message.ns, message.name);
  let ctx = planContext(message, pod, deps);
  let plan = planPod(pod, known, ctx);
  let group = known;
  if (plan.action.kind === "read-group") {
    group = await deps.aci.get(containerGroupName(message.ns, message.name));
    plan = planPod(pod, group, ctx);
    if (pod && decidedOnOlderPod(plan.action, group, pod)) {
      // The pod was read before the group, and the GET may have taken seconds (latency, a Retry-After
      // waited out inline): a pod deleted meanwhile has had its group deleted too (failing it as
      // ContainerGroupLost from the older read would be wrong), and a pod replaced meanwhile by one of
      // the same name has a group that is the new pod's (deleting it as "replaced" would kill a live
      // pod's group) — both seen in the chaos run (docs/chaos.md). Such final decisions are made on a
      // pod read after the group was.
      const fresh = await deps.kube.getPod(message.ns, message.name);
      if (fresh?.metadata?.resourceVersion !== pod.metadata?.resourceVersion) {
        pod = fresh;
        ctx = planContext(message, pod, deps);
        plan = planPod(pod, group, ctx);
      }
    }
  }
  return { pod, group, ctx, plan };
}

/** Creates behind a gate that opens within this long are waited for in the invocation, not deferred. */
export const INLINE_GATE_WAIT_MS = 3_000;

function isCreateDeferral(plan: PodPlan): boolean {
  return plan.action.kind === "none" && plan.action.outcome === "deferred" && plan.next.kind === "defer";
}

/** A fail without a group, or a delete of a group another pod uid owns: final, so worth a second pod read. */
function decidedOnOlderPod(action: PodPlan["action"], group: GroupView, pod: V1Pod): boolean {
  if (action.kind === "fail") return !group;
  if (action.kind === "delete-group") return action.uid !== (pod.metadata?.uid ?? "");
  return false;
}

function planContext(message: PodMessage, pod: V1Pod | undefined, deps: Deps): PlanContext {
  const uid = pod?.metadata?.uid ?? "";
  return {
    ns: message.ns,
    name: message.name,
    reason: message.reason,
    clusterName: deps.config.clusterName,
    nodes: deps.nodes,
    resourceGroup: deps.config.aci.resourceGroup,
    statusFastSeconds: deps.config.timings.statusFastSeconds,
    statusSlowSeconds: deps.config.timings.statusSlowSeconds,
    followUpPending: pod ? deps.followUps.hasPending({ ns: message.ns, name: message.name, uid }) : false,
    createGateMs: deps.throttle.remainingMs(),
    now: deps.now(),
    instance: deps.instance,
  };
}

/** The follow-up, once, from the plan; an action that ended the pod's story (finalized, failed) ends its chain. */
async function scheduleNext(
  next: Next,
  outcome: PodOutcome,
  message: PodMessage,
  pod: V1Pod | undefined,
  deps: Deps,
): Promise<void> {
  const ns = message.ns;
  const name = message.name;
  if (
    outcome === "finalized" ||
    outcome === "failed" ||
    outcome === "deadline-exceeded" ||
    outcome === "completed"
  ) {
    deps.followUps.forget({ ns, name, uid: pod?.metadata?.uid });
    return;
  }
  switch (next.kind) {
    case "follow-up":
      await deps.followUps.schedule({ ns, name, uid: pod?.metadata?.uid ?? "" }, next.seconds, message);
      return;
    case "defer":
      await deps.followUps.defer(message, next.seconds);
      return;
    case "forget":
      deps.followUps.forget({ ns, name, uid: next.uid });
      return;
    case "keep":
      return;
  }
}
