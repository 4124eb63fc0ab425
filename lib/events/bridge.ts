/** Log events of the Functions side (podEvents, reconcile) and their adapters. */
import type { EventSpec } from "./types.js";

export const BRIDGE_EVENTS = {
  "message.invalid": {
    level: "error",
    fields: ["error", "dequeueCount", "preview"],
    meaning:
      "A pod-events message did not parse or validate as a v1 message; it was moved to pod-events-poison.",
    action: "Inspect pod-events-poison; a sender other than the watcher may be writing to the queue.",
  },
} as const satisfies Record<string, EventSpec>;
