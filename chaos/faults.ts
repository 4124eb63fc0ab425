/**
 * What the chaos run injects, and the switch that turns it all off at once. Everything goes through public
 * seams — the simulators' fault rules, the watcher's queue sender, the Function definitions' `handler`
 * properties the local host calls, and the Functions runtime's adapters — never an edit of lib/:
 * - ARM (ACI simulator): 5xx, 429 with Retry-After, PUT/DELETE applied but the response lost.
 * - Kubernetes (API fake): 500s and 409s on the calls the bridge and the watcher make.
 * - Queue: messages dropped, duplicated (the copy late), held back (reordered) — watcher sends, follow-ups and
 *   repair re-enqueues alike.
 * - Functions: an instance "crashing" right after the container group PUT (before the status patch and the
 *   follow-up) or after the handler finished (before the message is deleted); timer runs skipped.
 */
import type { InvocationContext, Timer } from "@azure/functions";
import type { FaultRule as ArmFaultRule } from "../sim/aci/index.js";
import type { FaultRule as KubeFaultRule } from "../sim/kube/index.js";
import type { PodMessageSender } from "../lib/queue/message.js";
import type { PodMessage } from "../lib/queue/message.js";
import type { ContainerGroupApi } from "../lib/reconcile/ports.js";
import type { Rng } from "./prng.js";

export interface FaultRates {
  /** Share of ARM requests answered 5xx (split over 500/502/503/504). */
  arm5xx: number;
  /** Share of ARM requests answered 429 with Retry-After. */
  arm429: number;
  /** Retry-After values (s) used for the injected 429s; above 5 s the bridge defers instead of waiting. */
  arm429RetryAfterSeconds: number[];
  /** Share of PUTs applied whose response is lost. */
  armPutLost: number;
  /** Share of DELETEs applied whose response is lost. */
  armDeleteLost: number;
  /** Kubernetes: share of the bridge's and watcher's calls answered 500 (per rule) and 409. */
  kube500: number;
  kube409: number;
  queueDrop: number;
  queueDuplicate: number;
  /** Share of messages held back 0.2–2.5 s, so later ones overtake them. */
  queueReorder: number;
  /** After a successful PUT, the invocation dies (throws) before anything else. */
  crashAfterCreate: number;
  /** After a successful invocation, it dies before the host deletes the message. */
  crashAfterHandler: number;
  timerSkip: number;
}

export const DEFAULT_RATES: FaultRates = {
  arm5xx: 0.1,
  arm429: 0.05,
  arm429RetryAfterSeconds: [1, 3, 8],
  armPutLost: 0.1,
  armDeleteLost: 0.05,
  kube500: 0.05,
  kube409: 0.04,
  queueDrop: 0.05,
  queueDuplicate: 0.2,
  queueReorder: 0.1,
  crashAfterCreate: 0.1,
  crashAfterHandler: 0.03,
  timerSkip: 0.3,
};

export interface InjectionCounters {
  queueDropped: number;
  queueDuplicated: number;
  queueReordered: number;
  crashedAfterCreate: number;
  crashedAfterHandler: number;
  timerRunsSkipped: number;
  watcherRestarts: number;
  /** The watcher crashed right after a burst of pod creations. */
  watcherKilledMidBurst: number;
  watchCuts: number;
  historyCompactions: number;
}

/** The on/off switch and the counters shared by every injector. */
export class ChaosSwitch {
  active = false;
  readonly counters: InjectionCounters = {
    queueDropped: 0,
    queueDuplicated: 0,
    queueReordered: 0,
    crashedAfterCreate: 0,
    crashedAfterHandler: 0,
    timerRunsSkipped: 0,
    watcherRestarts: 0,
    watcherKilledMidBurst: 0,
    watchCuts: 0,
    historyCompactions: 0,
  };
  private readonly timers = new Set<NodeJS.Timeout>();

  /** setTimeout that `drain()` can wait for (held-back and duplicated messages). */
  later(ms: number, fn: () => Promise<void>): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      void fn().catch(() => undefined);
    }, ms);
    this.timers.add(t);
  }

  get pendingLater(): number {
    return this.timers.size;
  }

  cancelLater(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

/**
 * Wraps a queue sender. While the switch is on: drop (the caller sees success, as after a lost write
 * acknowledged by nobody), duplicate (a second copy 0.1–4 s later), or hold back (sent 0.2–2.5 s later, so
 * newer messages for the same pod overtake it). `observe` sees every message that is really sent.
 */
export function chaosSender(
  inner: PodMessageSender,
  sw: ChaosSwitch,
  rng: Rng,
  rates: FaultRates,
  observe: (message: PodMessage, delaySeconds: number | undefined) => void,
): PodMessageSender {
  const send = async (message: PodMessage, delaySeconds?: number) => {
    observe(message, delaySeconds);
    await inner.send(message, delaySeconds);
  };
  return {
    async send(message, delaySeconds) {
      if (!sw.active) return send(message, delaySeconds);
      if (rng.chance(rates.queueDrop)) {
        sw.counters.queueDropped++;
        return;
      }
      if (rng.chance(rates.queueDuplicate)) {
        sw.counters.queueDuplicated++;
        sw.later(rng.int(100, 4000), () => send(message, delaySeconds));
      }
      if (rng.chance(rates.queueReorder)) {
        sw.counters.queueReordered++;
        sw.later(rng.int(200, 2500), () => send(message, delaySeconds));
        return;
      }
      return send(message, delaySeconds);
    },
  };
}

/** ARM fault rules (evaluated in order by the simulator, which draws from its own seeded RNG). */
export function armFaultRules(rates: FaultRates): ArmFaultRule[] {
  const rules: ArmFaultRule[] = [
    { method: "PUT", probability: rates.armPutLost, effect: { kind: "lostResponse" } },
    { method: "DELETE", probability: rates.armDeleteLost, effect: { kind: "lostResponse" } },
  ];
  // Probabilities are per rule and rules are tried in order: spread the share so the total is about right.
  for (const status of [500, 502, 503, 504] as const) {
    rules.push({ probability: rates.arm5xx / 4, effect: { kind: "status", status } });
  }
  for (const retryAfterSeconds of rates.arm429RetryAfterSeconds) {
    rules.push({
      probability: rates.arm429 / rates.arm429RetryAfterSeconds.length,
      effect: { kind: "throttle", retryAfterSeconds },
    });
  }
  return rules;
}

/**
 * Kubernetes fault rules on what the bridge and the watcher call. The fake decides with `Math.random`,
 * which the chaos process replaces with a seeded stream (chaos/main.ts).
 */
export function kubeFaultRules(rates: FaultRates): KubeFaultRule[] {
  const p5 = rates.kube500;
  const p4 = rates.kube409;
  return [
    // Pod reads and the watcher's/repair's pod list and watch.
    {
      method: "GET",
      path: /^\/api\/v1\/namespaces\/[^/]+\/pods\/[^/?]+(\?|$)/,
      status: 500,
      probability: p5,
    },
    { method: "GET", path: /^\/api\/v1\/pods\?/, status: 500, probability: p5 },
    // The status patch right after a create (the follow-up) and every later one: 500 and 409.
    { method: "PATCH", path: /\/pods\/[^/]+\/status/, status: 500, probability: p5 },
    { method: "PATCH", path: /\/pods\/[^/]+\/status/, status: 409, probability: p4 },
    // Finalizing (delete with uid precondition).
    { method: "DELETE", path: /\/pods\/[^/?]+/, status: 500, probability: p5 },
    { method: "DELETE", path: /\/pods\/[^/?]+/, status: 409, probability: p4 / 2 },
    // References and Events.
    { method: "GET", path: /\/secrets\//, status: 500, probability: p5 },
    { method: "POST", path: /\/serviceaccounts\/[^/]+\/token/, status: 500, probability: p5 },
    { method: "POST", path: /\/events(\?|$)/, status: 500, probability: p5 },
    // Heartbeat.
    { method: "PUT", path: /\/leases\//, status: 409, probability: p4 * 2 },
    { method: "PATCH", path: /^\/api\/v1\/nodes\/[^/]+\/status/, status: 500, probability: p5 },
  ];
}

/** After a successful PUT the "instance dies": the call throws, so no Event, no follow-up, no completion. */
export function crashingContainerGroupApi(
  inner: ContainerGroupApi,
  sw: ChaosSwitch,
  rng: Rng,
  rates: FaultRates,
): ContainerGroupApi {
  return {
    get: (name) => inner.get(name),
    list: () => inner.list(),
    beginDelete: (name) => inner.beginDelete(name),
    async beginCreate(name, group) {
      await inner.beginCreate(name, group);
      if (sw.active && rng.chance(rates.crashAfterCreate)) {
        sw.counters.crashedAfterCreate++;
        throw new Error(`chaos: instance crashed after creating container group ${name}`);
      }
    },
  };
}

export type QueueHandler = (message: unknown, context: InvocationContext) => Promise<void>;
export type TimerHandler = (timer: Timer, context: InvocationContext) => Promise<void>;

/**
 * Wraps the queue function's handler: every delivered message and every thrown error goes to `inspect`;
 * while the switch is on, some successful invocations "crash" before the host deletes the message.
 */
export function chaosQueueHandler(
  inner: QueueHandler,
  sw: ChaosSwitch,
  rng: Rng,
  rates: FaultRates,
  inspect: { message(message: unknown, context: InvocationContext): void; error(error: unknown): void },
): QueueHandler {
  return async (message, context) => {
    inspect.message(message, context);
    try {
      await inner(message, context);
    } catch (error) {
      inspect.error(error);
      throw error;
    }
    if (sw.active && rng.chance(rates.crashAfterHandler)) {
      sw.counters.crashedAfterHandler++;
      throw new Error("chaos: instance crashed before the message was completed");
    }
  };
}

/** Wraps the timer's handler: while the switch is on, some runs are skipped (as when an instance is busy or gone). */
export function chaosTimerHandler(
  inner: TimerHandler,
  sw: ChaosSwitch,
  rng: Rng,
  rates: FaultRates,
  onError: (error: unknown) => void,
  /** Told of every run (skipped or not); the function it returns is told how the run ended. */
  onRun: (skipped: boolean) => (error?: unknown) => void = () => () => undefined,
): TimerHandler {
  return async (timer, context) => {
    if (sw.active && rng.chance(rates.timerSkip)) {
      sw.counters.timerRunsSkipped++;
      onRun(true);
      return;
    }
    const ended = onRun(false);
    try {
      await inner(timer, context);
      ended();
    } catch (error) {
      ended(error);
      onError(error);
      throw error;
    }
  };
}
