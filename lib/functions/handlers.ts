/**
 * The Functions' handlers, independent of how they are registered: `functions/*.ts` register them with the
 * Azure Functions host; the local host and the tests call the same handlers. Each handler validates its
 * trigger input, gets the runtime, and calls the reconcilers.
 */
import type { InvocationContext, Timer } from "@azure/functions";
import { AciBridgeError, ConfigError, InvalidMessageError, isTransient } from "../errors.js";
import { invocationLogger, type Logger } from "../log.js";
import { parsePodMessage, podKey } from "../queue/message.js";
import { reconcilePod } from "../reconcile/pod.js";
import { identityAdopter } from "../reconcile/identity.js";
import { runTick } from "../reconcile/tick.js";
import { nodeSettings, type BridgeRuntime } from "../runtime.js";

export type RuntimeProvider = () => BridgeRuntime;

/** Longest message text kept for the poison queue; real messages are ~200 bytes. */
const MAX_POISON_BODY = 32 * 1024;

export function createPodEventsHandler(getRuntime: RuntimeProvider) {
  return async function podEvents(message: unknown, context: InvocationContext): Promise<void> {
    const dequeueCount = Number(context.triggerMetadata?.dequeueCount ?? 1);
    const log = invocationLogger(context);
    let parsed;
    try {
      parsed = parsePodMessage(message);
    } catch (error) {
      if (!(error instanceof InvalidMessageError)) throw error;
      const body = rawBody(message);
      log.error("message.invalid", { error: error.message, dequeueCount, preview: preview(body) });
      // Completing normally removes the message; a copy goes to the poison queue for inspection.
      // Cut by bytes: 32 KiB of UTF-8 is ~43 KiB base64, under the queue's 64 KiB message limit.
      const bytes = Buffer.from(body, "utf8").subarray(0, MAX_POISON_BODY);
      await runtimeOrLog(getRuntime, log).sendPoison(bytes.toString("base64"));
      return;
    }
    const runtime = runtimeOrLog(getRuntime, log);
    const podLog: Logger = invocationLogger(context, { reason: parsed.reason });
    try {
      // The tags a create writes and the ownership checks need the cluster identity (read once per process).
      await withIdentity(runtime);
      const pod = parsed;
      await runtime.podLocks.run(podKey(pod.ns, pod.name), () => reconcilePod(pod, runtime, podLog));
    } catch (error) {
      if (error instanceof AciBridgeError && error.transient) {
        // An outage (ARM or Kubernetes 5xx, timeouts, conflicts) must not spend the host's dequeue budget:
        // five quick failures would poison every message in flight. Send a delayed copy that counts the
        // attempt, then complete this one (docs/adr/0005-transient-errors-re-enqueue.md). Not when this
        // instance already re-sent a further-along copy for the pod: one retry chain per pod (ADR 0007).
        const attempt = (parsed.attempt ?? 0) + 1;
        const retrySeconds = retryBackoffSeconds(attempt);
        try {
          const sent = await runtime.followUps.defer({ ...parsed, attempt }, retrySeconds);
          log.warn("message.retry.deferred", {
            pod: podKey(parsed.ns, parsed.name),
            reason: parsed.reason,
            attempt,
            retrySeconds,
            error: error.message,
            ...(sent ? {} : { coalesced: true }),
          });
          return;
        } catch {
          // The queue itself is unreachable: fall back to the host's retry below.
        }
      }
      log.warn("message.retry", {
        pod: podKey(parsed.ns, parsed.name),
        reason: parsed.reason,
        dequeueCount,
        transient: isTransient(error),
        error: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
  };
}

/** Back-off of the delayed copies: 2 s doubling per attempt, capped at 5 minutes. */
export const RETRY_BASE_SECONDS = 2;
export const RETRY_MAX_SECONDS = 300;

export function retryBackoffSeconds(attempt: number): number {
  return Math.min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** Math.min(Math.max(0, attempt - 1), 20));
}

export function createReconcileHandler(getRuntime: RuntimeProvider) {
  return async function reconcile(_timer: Timer, context: InvocationContext): Promise<void> {
    const runtime = runtimeOrLog(getRuntime, invocationLogger(context));
    // Not derivable yet (the API server is down): the heartbeat must not wait for it; repair waits (tick.ts).
    await withIdentity(runtime).catch(() => undefined);
    await runTick(
      {
        kube: runtime.kube,
        aci: runtime.aci,
        sender: runtime.sender,
        config: runtime.config,
        now: runtime.now,
        log: invocationLogger(context),
      },
      runtime.tickState,
    );
  };
}

const adopters = new WeakMap<BridgeRuntime, () => Promise<unknown>>();

/**
 * Derives the cluster identity once per runtime when no setting gave one (lib/reconcile/identity.ts) and
 * rebuilds the per-node settings whose tags carry it. A transient failure throws (the message is retried).
 */
async function withIdentity(runtime: BridgeRuntime): Promise<void> {
  let adopt = adopters.get(runtime);
  if (!adopt) {
    adopt = identityAdopter(runtime, runtime.kube, (config) => {
      runtime.nodes = nodeSettings(config);
    });
    adopters.set(runtime, adopt);
  }
  await adopt();
}

/** A bad app setting fails every invocation with `config.invalid` naming it (alertable), not a stack trace. */
function runtimeOrLog(getRuntime: RuntimeProvider, log: Logger): BridgeRuntime {
  try {
    return getRuntime();
  } catch (error) {
    if (error instanceof ConfigError) log.error("config.invalid", { error: error.message });
    throw error;
  }
}

/** The message as text: the library hands JSON over parsed, anything else as a string. */
function rawBody(message: unknown): string {
  if (typeof message === "string") return message;
  if (Buffer.isBuffer(message)) return message.toString("utf8");
  try {
    return JSON.stringify(message) ?? String(message);
  } catch {
    return String(message);
  }
}

function preview(body: string): string {
  const text = body.replace(/[^\x20-\x7e]/g, "?");
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

/** Memoizes a runtime built on first use (a bad setting fails the invocation with a clear error, every time). */
export function lazyRuntime(build: () => BridgeRuntime): RuntimeProvider {
  let runtime: BridgeRuntime | undefined;
  return () => {
    runtime ??= build();
    return runtime;
  };
}
