/** Shape of an entry in the event catalog (see `lib/events/index.ts` and docs/events.md). */
export type EventLevel = "info" | "warn" | "error";

export interface EventSpec {
  level: EventLevel;
  /** Fields that appear on the log line besides the event name. */
  fields: readonly string[];
  /** What happened, for the operator. */
  meaning: string;
  /** What to do about it ("nothing" for routine events). */
  action: string;
}
