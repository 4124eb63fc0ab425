/**
 * The chaos run's seams inside each `podEvents` instance (a forked process of the local host, loaded through
 * the host's `instanceSetup`). Each instance builds its own bridge runtime (functions/runtime.ts); this
 * module wraps, in that instance only:
 * - the ARM adapter: a "crash" (throw) right after a successful PUT, and, when the parent arms it, a real
 *   kill mid-create (after the PUT) or mid-delete (after the DELETE was accepted): the invocation stalls and
 *   asks the parent to SIGKILL this process (`host.kill`), which then starts a new instance;
 * - the follow-up scheduler's sender: dropped / duplicated / held-back messages;
 * - the handler: every delivered message and every thrown error is sent to the parent's secret scanner, and
 *   a few successful invocations "crash" before the message is completed.
 * The parent switches faults on and off with `{ active }` and arms kills with `{ armKill }`; this instance
 * reports its counters and texts to scan. Nothing in lib/ is modified. See docs/chaos.md.
 */
import type { WorkerSetupContext } from "../local/hostWorkerProtocol.js";
import type { PodMessageSender } from "../../lib/queue/message.js";
import type { ContainerGroupApi } from "../../lib/reconcile/ports.js";
import {
  ChaosSwitch,
  chaosQueueHandler,
  chaosSender,
  crashingContainerGroupApi,
  type FaultRates,
} from "./faults.js";
import { createRng } from "./prng.js";
import { errorText, safeStringify } from "./secrets.js";

export interface InstanceSetupOptions {
  seed: number;
  rates: FaultRates;
}

export type KillPhase = "create" | "delete";

/** Parent → instance. */
export type ToInstance = { active: boolean } | { armKill: KillPhase };

/** Instance → parent. */
export type FromInstance =
  | { kind: "scan"; source: string; where: string; text: string }
  /** A message this instance sent (`out`, with its delay) or was delivered (`in`), for the per-pod trace. */
  | { kind: "message"; dir: "in" | "out"; where: string; message: unknown; delaySeconds?: number }
  | { kind: "counters"; pid: number; counters: ChaosSwitch["counters"] }
  | { kind: "kill-me"; pid: number; phase: KillPhase; group: string };

function dequeueCountOf(value: unknown): string {
  return typeof value === "number" || typeof value === "string" ? String(value) : "?";
}

/** Kills the instance where it stands: the parent SIGKILLs this process; the call never returns. */
function killingContainerGroupApi(
  inner: ContainerGroupApi,
  armed: { phase: KillPhase | undefined },
  report: (payload: FromInstance) => void,
): ContainerGroupApi {
  const stall = (phase: KillPhase, group: string): Promise<never> => {
    armed.phase = undefined;
    report({ kind: "kill-me", pid: process.pid, phase, group });
    return new Promise<never>(() => undefined);
  };
  return {
    get: (name) => inner.get(name),
    list: () => inner.list(),
    async beginCreate(name, group) {
      await inner.beginCreate(name, group);
      if (armed.phase === "create") await stall("create", name);
    },
    async beginDelete(name) {
      const result = await inner.beginDelete(name);
      if (armed.phase === "delete" && result === "deleting") await stall("delete", name);
      return result;
    },
  };
}

export async function setupWorker(context: WorkerSetupContext): Promise<void> {
  const options = context.options as InstanceSetupOptions;
  const report = (payload: FromInstance) => context.report(payload);
  const sw = new ChaosSwitch();
  // One stream per process: a restarted instance draws fresh coins.
  const rng = createRng(options.seed).fork(`instance-${context.instanceIndex}-${process.pid}`);
  const armed: { phase: KillPhase | undefined } = { phase: undefined };

  let lastCounters = "";
  const reportCounters = () => {
    const text = JSON.stringify(sw.counters);
    if (text === lastCounters) return;
    lastCounters = text;
    report({ kind: "counters", pid: process.pid, counters: { ...sw.counters } });
  };
  setInterval(reportCounters, 250).unref();

  context.onMessage((payload) => {
    const message = payload as ToInstance;
    if ("active" in message) {
      sw.active = message.active;
      if (!message.active) {
        armed.phase = undefined;
        sw.cancelLater();
      }
    } else if ("armKill" in message) armed.phase = message.armKill;
  });

  const { processRuntime } = await import("../../functions/runtime.js");
  const runtime = processRuntime();
  runtime.aci = killingContainerGroupApi(
    crashingContainerGroupApi(runtime.aci, sw, rng.fork("crash-create"), options.rates),
    armed,
    report,
  );
  const scanSent = (source: string) => (message: unknown, delaySeconds?: number) => {
    report({ kind: "scan", source: "queue", where: source, text: safeStringify(message) });
    report({
      kind: "message",
      dir: "out",
      where: source,
      message,
      ...(delaySeconds ? { delaySeconds } : {}),
    });
  };
  // FollowUpScheduler keeps its sender privately; replacing it routes follow-ups and deferrals through chaos.
  const followUps = runtime.followUps as unknown as { sender: PodMessageSender };
  followUps.sender = chaosSender(
    followUps.sender,
    sw,
    rng.fork("followup-queue"),
    options.rates,
    scanSent("follow-up"),
  );
  runtime.sender = chaosSender(
    runtime.sender,
    sw,
    rng.fork("instance-queue"),
    options.rates,
    scanSent("instance"),
  );

  context.definition.handler = chaosQueueHandler(
    context.definition.handler,
    sw,
    rng.fork("crash-handler"),
    options.rates,
    {
      message: (message, invocation) => {
        report({ kind: "scan", source: "queue", where: "delivered", text: safeStringify(message) });
        report({
          kind: "message",
          dir: "in",
          where: `dq${dequeueCountOf(invocation.triggerMetadata?.dequeueCount)}`,
          message,
        });
        report({
          kind: "scan",
          source: "queue",
          where: "triggerMetadata",
          text: safeStringify(invocation.triggerMetadata),
        });
      },
      error: (error) => report({ kind: "scan", source: "error", where: "podEvents", text: errorText(error) }),
    },
  );
}
