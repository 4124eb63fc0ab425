/**
 * One run of the `reconcile` timer: the heartbeat of every virtual node first (it must never wait behind a
 * long repair), then, when due, the repair pass. ARM health for the Ready condition comes from the repair's
 * list call when it runs, else from a cheap probe (a GET of a name that never exists) at most every
 * `armProbeSeconds`; ARM is never called per pod here.
 */
import { AciBridgeError, ThrottledError, UnauthorizedError } from "../errors.js";
import type { BridgeConfig } from "../config.js";
import type { Logger } from "../log.js";
import type { PodEventSender } from "../queue/message.js";
import { heartbeat, type ArmHealth } from "./node.js";
import type { ContainerGroupApi, KubeApi } from "./ports.js";
import { repair, type RepairReport } from "./repair.js";

/** A name ACI would accept but the bridge never creates (its pods' names always have a namespace prefix). */
export const ARM_PROBE_NAME = "aci-bridge-health-probe";

export interface TickDeps {
  kube: KubeApi;
  aci: ContainerGroupApi;
  sender: PodEventSender;
  config: Pick<BridgeConfig, "clusterName" | "nodes" | "node" | "timings">;
  now: () => Date;
  log: Logger;
  armProbeSeconds?: number;
  rotationSlots?: number;
}

/** What the timer remembers between runs on one instance (lost on restart, which is harmless). */
export interface TickState {
  lastRepairAt?: number;
  lastArmCheckAt?: number;
  arm?: ArmHealth;
  repairs: number;
}

export function newTickState(): TickState {
  return { repairs: 0 };
}

export interface TickReport {
  arm: ArmHealth;
  repair?: RepairReport;
  heartbeatFailures: number;
}

export async function runTick(deps: TickDeps, state: TickState): Promise<TickReport> {
  const now = deps.now().getTime();
  const probeEveryMs = (deps.armProbeSeconds ?? 30) * 1000;
  // After a failed check, look again on the next tick: one blip must not keep the node NotReady (or repair
  // paused) for a whole probe period.
  if (
    !state.arm ||
    !state.arm.ok ||
    state.lastArmCheckAt === undefined ||
    now - state.lastArmCheckAt >= probeEveryMs
  ) {
    state.arm = await probeArm(deps.aci);
    state.lastArmCheckAt = now;
    if (!state.arm.ok) deps.log.warn("arm.unhealthy", { reason: state.arm.reason, error: state.arm.message });
  }
  const arm = state.arm;

  let heartbeatFailures = 0;
  for (const node of deps.config.nodes) {
    try {
      await heartbeat(node, arm, {
        kube: deps.kube,
        shape: deps.config.node,
        clusterName: deps.config.clusterName,
        now: deps.now,
        log: deps.log,
      });
    } catch (error) {
      heartbeatFailures++;
      deps.log.error("node.heartbeat.failed", { node: node.name, error: messageOf(error) });
    }
  }

  const report: TickReport = { arm, heartbeatFailures };
  const repairEveryMs = deps.config.timings.repairIntervalSeconds * 1000;
  if (arm.ok && (state.lastRepairAt === undefined || now - state.lastRepairAt >= repairEveryMs)) {
    state.lastRepairAt = now;
    try {
      report.repair = await repair({
        kube: deps.kube,
        aci: deps.aci,
        sender: deps.sender,
        clusterName: deps.config.clusterName,
        nodeNames: deps.config.nodes.map((n) => n.name),
        rotationSlots: deps.rotationSlots ?? rotationSlotsFor(deps.config.timings.repairIntervalSeconds),
        slot: state.repairs++,
        log: deps.log,
      });
      state.lastArmCheckAt = now;
    } catch (error) {
      deps.log.error("repair.failed", { error: messageOf(error) });
      if (error instanceof AciBridgeError && error.message.startsWith("ARM"))
        state.arm = healthFromError(error);
    }
  }
  return report;
}

/**
 * Each running pod gets a safety-net resync about once an hour: enough to restart a follow-up chain lost to
 * a poisoned message, cheap enough (1 ARM read per pod-hour) next to the 60 s status checks.
 */
export function rotationSlotsFor(repairIntervalSeconds: number): number {
  return Math.max(1, Math.ceil(3600 / Math.max(1, repairIntervalSeconds)));
}

export async function probeArm(aci: ContainerGroupApi): Promise<ArmHealth> {
  try {
    await aci.get(ARM_PROBE_NAME);
    return { ok: true };
  } catch (error) {
    return healthFromError(error);
  }
}

function healthFromError(error: unknown): ArmHealth {
  // Throttled means ARM answered and knows us: healthy, just busy.
  if (error instanceof ThrottledError) return { ok: true };
  if (error instanceof UnauthorizedError) {
    return {
      ok: false,
      reason: "ArmUnauthorized",
      message: `ARM refused the bridge's credentials: ${error.message}`,
    };
  }
  return { ok: false, reason: "ArmUnreachable", message: `ARM unreachable: ${messageOf(error)}` };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
