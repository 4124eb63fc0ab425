/**
 * `metav1.MicroTime` for everything the bridge writes to Kubernetes (Lease `renewTime`/`acquireTime`, Event
 * `eventTime`, …). The API server parses these with the Go layout `2006-01-02T15:04:05.000000Z07:00`:
 * exactly six fractional digits, nothing else. A JavaScript `Date` handed to client-node serialises with three
 * (`.863Z`) and is answered 400 `cannot parse ".863Z" as ".000000"`, so every MicroTime field goes through
 * `microTime()` here. `Time` fields (`lastTransitionTime`, `firstTimestamp`, …) are not affected.
 *
 * The string formatter lives with the Lease codec (`lease.ts`), which the watcher loads without client-node;
 * this module adds the client-node `V1MicroTime` the Functions put into objects.
 */
import { V1MicroTime } from "@kubernetes/client-node";

/** `2026-12-01T19:12:48.863000Z`: UTC, six fractional digits (the SDK-free formatter of the Lease codec). */
export { microTime as formatMicroTime } from "./lease.js";
import { microTime as formatMicroTime } from "./lease.js";

/**
 * A `Date` that serialises as a MicroTime. client-node passes `V1MicroTime` values through to
 * `JSON.stringify`, which calls `toISOString()`: overriding it here (rather than relying on client-node's own
 * override) keeps the format ours if the library's changes.
 */
class BridgeMicroTime extends V1MicroTime {
  override toISOString(): string {
    return formatMicroTime(new Date(this.getTime()));
  }
  override toJSON(): string {
    return this.toISOString();
  }
}

/** The value to put in a MicroTime field of a client-node object. */
export function microTime(date: Date): V1MicroTime {
  return new BridgeMicroTime(date.getTime());
}

/** Reads a MicroTime as client-node returns it (a string, or a Date for objects we built), else undefined. */
export function parseMicroTime(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : new Date(value.getTime());
  if (typeof value !== "string") return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}
