/**
 * Shared pieces of the status translators: timestamps cut to whole seconds (what the API server stores) and
 * pod conditions that keep their lastTransitionTime while their status is unchanged.
 */
import type { V1PodCondition, V1PodStatus } from "@kubernetes/client-node";

type Timestamp = Date | string | undefined;

/** Accepts the SDK's Date or a raw JSON string; whole seconds, like the API server stores them. */
export function toTime(value: Timestamp): Date | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  if (!Number.isFinite(ms)) return undefined;
  return new Date(Math.floor(ms / 1000) * 1000);
}

/** A condition that keeps its lastTransitionTime while its status is unchanged. */
export function condition(
  current: V1PodStatus | undefined,
  type: string,
  status: "True" | "False",
  now: Date,
  reason?: string,
  message?: string,
): V1PodCondition {
  const previous = current?.conditions?.find((c) => c.type === type);
  const since =
    previous && previous.status === status
      ? (toTime(previous.lastTransitionTime) ?? toTime(now))
      : toTime(now);
  return {
    type,
    status,
    ...(since ? { lastTransitionTime: since } : {}),
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  };
}
