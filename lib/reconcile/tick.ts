/**
 * One run of the `reconcile` timer: the heartbeat of every virtual node, an ARM health probe when due, and
 * the repair pass when due.
 *
 * The heartbeat never waits (docs/architecture.md#heartbeat, docs/adr/0301). Timer runs never overlap, so a tick that runs long (a
 * repair over thousands of groups, ARM at 100–600 ms a page) would otherwise starve the Lease. So the
 * heartbeat runs on its own loop for the whole tick: once at the start, then every `heartbeatEveryMs`
 * (10 s, a quarter of the 40 s Lease) while the probe and the repair run, once more on the way out of a
 * long tick (so the gap to the next tick's first beat stays about one period). The
 * probe and the repair never sit in front of it; the repair is additionally bounded by a time budget and
 * continues where it stopped on the next tick.
 *
 * ARM health for the Ready condition comes from a cheap probe (a GET of a name that never exists) at most
 * every `armProbeSeconds`, or from the repair's list call; ARM is never called per pod here.
 *
 * A heartbeat that fails is logged with the API server's reason and fails the invocation at the end
 * (`HeartbeatFailedError`), after the rest of the tick ran, so the host's failure counts see it.
 */
import { AciBridgeError, ThrottledError, UnauthorizedError } from "../errors.js";
import type { BridgeConfig } from "../config.js";
import { kubeStatusMessage, statusOf } from "../kube/errors.js";
import type { Logger } from "../log.js";
import type { PodMessageSender } from "../queue/message.js";
import { heartbeat, type ArmHealth } from "./node.js";
import type { ContainerGroupApi, KubeApi } from "./ports.js";
import { repair, type RepairReport } from "./repair.js";

/** A name ACI would accept but the bridge never creates (its pods' names always have a namespace prefix). */
export const ARM_PROBE_NAME = "aci-bridge-health-probe";
/** Lease renewal period within a tick (virtual-kubelet renews at a quarter of the 40 s Lease). */
export const HEARTBEAT_EVERY_MS = 10_000;
/** Actions of one repair start within this long after the repair started; the rest continue next tick. */
export const REPAIR_BUDGET_MS = 60_000;

export interface TickDeps {
  kube: KubeApi;
  aci: ContainerGroupApi;
  sender: PodMessageSender;
  config: Pick<BridgeConfig, "clusterName" | "clusterIdentity" | "nodes" | "node" | "timings">;
  now: () => Date;
  log: Logger;
  armProbeSeconds?: number;
  rotationSlots?: number;
  heartbeatEveryMs?: number;
  repairBudgetMs?: number;
}

/** What the timer remembers between runs on one instance (lost on restart, which is harmless). */
export interface TickState {
  lastRepairAt?: number;
  lastArmCheckAt?: number;
  arm?: ArmHealth;
  repairs: number;
  /** Where a truncated repair stopped; the next tick's repair continues after it. */
  repairCursor?: string;
  /** Why the next repair restores every non-final pod's status chain (an outage was seen). */
  restoreChains?: string;
  /** The kube-system namespace uid, once read (null: not readable with these credentials). */
  kubeSystemUid?: string | null;
  orphansRefusedLogged?: boolean;
}

export function newTickState(): TickState {
  return { repairs: 0 };
}

export interface TickReport {
  arm: ArmHealth;
  repair?: RepairReport;
  heartbeatFailures: number;
  /** Heartbeat rounds run during this tick. */
  heartbeats: number;
}

/** Thrown at the end of a tick whose heartbeat failed: the invocation fails, the rest of the tick has run. */
export class HeartbeatFailedError extends Error {
  constructor(
    message: string,
    readonly report: TickReport,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "HeartbeatFailedError";
  }
}

export async function runTick(deps: TickDeps, state: TickState): Promise<TickReport> {
  const started = deps.now().getTime();
  const everyMs = deps.heartbeatEveryMs ?? HEARTBEAT_EVERY_MS;
  let failures = 0;
  let firstFailure: unknown;
  const outage = (why: string) => {
    if (state.restoreChains === undefined) deps.log.warn("repair.chains.restore", { why });
    state.restoreChains ??= why;
  };

  let beatArm: ArmHealth | undefined;
  const beatOnce = async (): Promise<boolean> => {
    beatArm = state.arm;
    const results = await Promise.all(
      deps.config.nodes.map(async (node) => {
        try {
          const result = await heartbeat(node, beatArm, {
            kube: deps.kube,
            shape: deps.config.node,
            clusterName: deps.config.clusterName,
            now: deps.now,
            log: deps.log,
          });
          if (result.late) outage("heartbeat late");
          return true;
        } catch (error) {
          failures++;
          firstFailure ??= error;
          const message = kubeStatusMessage(error);
          deps.log.error("node.heartbeat.failed", {
            node: node.name,
            error: messageOf(error),
            ...(statusOf(causeOf(error)) !== undefined ? { status: statusOf(causeOf(error)) } : {}),
            ...(message ? { message } : {}),
          });
          outage("heartbeat failed");
          return false;
        }
      }),
    );
    return results.every(Boolean);
  };
  const beats = new HeartbeatLoop(beatOnce, everyMs, () => deps.now().getTime());
  const firstBeat = beats.start();

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
    if (!state.arm.ok) {
      deps.log.warn("arm.unhealthy", { reason: state.arm.reason, error: state.arm.message });
      outage("arm unhealthy");
    }
  }
  const arm = state.arm;
  const kubeOk = await firstBeat;
  // The first beat ran before the probe answered: beat again now if Ready must change. (A fresh instance's
  // first beat kept the Node's verdict; a recovery it missed is reported at the next tick.)
  if (!sameHealth(beatArm, arm) && (beatArm !== undefined || !arm.ok)) beats.beatSoon();

  const report: TickReport = { arm, heartbeatFailures: 0, heartbeats: 0 };
  const repairEveryMs = deps.config.timings.repairIntervalSeconds * 1000;
  const due =
    state.lastRepairAt === undefined ||
    now - state.lastRepairAt >= repairEveryMs ||
    state.repairCursor !== undefined ||
    state.restoreChains !== undefined;
  // Repair lists pods (Kubernetes) and groups (ARM): pointless while either is down, and it never starts
  // before the cluster identity is known (lib/reconcile/identity.ts): with the placeholder tag every pod
  // would look group-less.
  if (arm.ok && kubeOk && due && deps.config.clusterIdentity !== "derive") {
    state.lastRepairAt = now;
    try {
      const deleteOrphans = await orphanDeletionAllowed(deps, state);
      const restoring = state.restoreChains;
      report.repair = await repair({
        kube: deps.kube,
        aci: deps.aci,
        sender: deps.sender,
        clusterName: deps.config.clusterName,
        nodeNames: deps.config.nodes.map((n) => n.name),
        rotationSlots: deps.rotationSlots ?? rotationSlotsFor(deps.config.timings.repairIntervalSeconds),
        slot: state.repairs++,
        log: deps.log,
        restoreChains: restoring !== undefined,
        deleteOrphans,
        now: () => deps.now().getTime(),
        deadline: deps.now().getTime() + (deps.repairBudgetMs ?? REPAIR_BUDGET_MS),
        ...(state.repairCursor !== undefined ? { cursor: state.repairCursor } : {}),
      });
      state.repairCursor = report.repair.cursor;
      // Restored once every pod was covered (a truncated pass continues with the flag still set).
      if (!report.repair.truncated && state.restoreChains === restoring) delete state.restoreChains;
      state.lastArmCheckAt = deps.now().getTime();
    } catch (error) {
      deps.log.error("repair.failed", { error: messageOf(error) });
      outage("repair failed");
      if (error instanceof AciBridgeError && error.message.startsWith("ARM")) {
        state.arm = healthFromError(error);
        if (!sameHealth(beatArm, state.arm)) beats.beatSoon();
      }
    }
  }

  report.heartbeats = await beats.stop();
  report.heartbeatFailures = failures;
  report.arm = state.arm;
  if (failures > 0) {
    const seconds = Math.round((deps.now().getTime() - started) / 100) / 10;
    throw new HeartbeatFailedError(
      `heartbeat failed ${failures} time(s) in a ${seconds} s tick: ${messageOf(firstFailure)}` +
        (kubeStatusMessage(firstFailure) ? `: ${kubeStatusMessage(firstFailure)}` : ""),
      report,
      { cause: firstFailure },
    );
  }
  return report;
}

/**
 * Runs `beat` now, then every `everyMs` until stopped (never two at once); `beatSoon()` cuts the current
 * wait short. Stopping waits for a running beat, and may beat once more (see `stop`).
 */
class HeartbeatLoop {
  private stopped = false;
  private wake: (() => void) | undefined;
  private lastStart = 0;
  private count = 0;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly beat: () => Promise<boolean>,
    private readonly everyMs: number,
    private readonly now: () => number,
  ) {}

  /** Starts the loop; resolves with the first beat's outcome. */
  start(): Promise<boolean> {
    const first = this.run();
    this.loop = first.then(async () => {
      while (!this.stopped) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(0, this.lastStart + this.everyMs - this.now()));
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
        if (this.stopped) break;
        await this.run();
      }
    });
    return first;
  }

  beatSoon(): void {
    this.lastStart = -Infinity;
    this.wake?.();
  }

  /** Stops the loop; resolves with the number of beats run. */
  async stop(): Promise<number> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    // A tick shorter than a period ends before the next occurrence of the timer, which beats a period after
    // this tick's first beat. A longer one ends anywhere within a period: beat on the way out unless the last
    // beat was just now, so the next tick's first beat comes at most ~1.1 periods after it.
    const slackMs = this.count > 1 ? this.everyMs / 10 : this.everyMs / 2;
    if (this.now() - this.lastStart >= slackMs) await this.run();
    return this.count;
  }

  private async run(): Promise<boolean> {
    this.lastStart = this.now();
    this.count++;
    return this.beat();
  }
}

/**
 * Orphan deletion needs an identity no other install shares (docs/architecture.md#ownership, docs/adr/0301):
 * never without one (`default`: not set, and the kube-system uid unreadable, or pinned to `default`), and
 * never when ACI_CLUSTER_ID contradicts the cluster the kubeconfig reaches. The kube-system uid is read once
 * per instance; node credentials may not read namespaces (null then). Refusing is an error: it needs the
 * operator, and orphans accumulate until then.
 */
async function orphanDeletionAllowed(deps: TickDeps, state: TickState): Promise<boolean> {
  if (deps.config.clusterIdentity === "kube-system") return true; // the uid itself, read by identity.ts
  if (state.kubeSystemUid === undefined && deps.kube.getNamespaceUid) {
    try {
      state.kubeSystemUid = (await deps.kube.getNamespaceUid("kube-system")) ?? null;
    } catch (error) {
      if (error instanceof UnauthorizedError) state.kubeSystemUid = null;
      // anything else (transient): try again next repair
    }
  }
  const uid = state.kubeSystemUid ?? undefined;
  let reason: string | undefined;
  let hint = "set ACI_CLUSTER_ID to the kube-system namespace uid (docs/deploy.md#cluster-identity)";
  if (deps.config.clusterIdentity === "default" || deps.config.clusterIdentity === "derive") {
    reason = "default-identity";
  } else if (deps.config.clusterIdentity === "ACI_CLUSTER_ID" && uid && uid !== deps.config.clusterName) {
    reason = "identity-mismatch";
    hint =
      "ACI_CLUSTER_ID is not this cluster's kube-system uid: check KUBECONFIG_CONTENT and ACI_CLUSTER_ID";
  }
  if (!reason) return true;
  if (!state.orphansRefusedLogged) {
    state.orphansRefusedLogged = true;
    deps.log.error("repair.orphans.refused", {
      reason,
      cluster: deps.config.clusterName,
      ...(uid ? { kubeSystemUid: uid } : {}),
      hint: uid && reason === "default-identity" ? `set ACI_CLUSTER_ID=${uid}` : hint,
    });
  }
  return false;
}

function sameHealth(a: ArmHealth | undefined, b: ArmHealth | undefined): boolean {
  if (!a || !b) return a === b;
  return a.ok === b.ok && (a.ok || b.ok || a.reason === b.reason);
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

function causeOf(error: unknown): unknown {
  return error instanceof Error && error.cause !== undefined ? error.cause : error;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
