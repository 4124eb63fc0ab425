/** Log events of the in-cluster watcher (JSON lines on stdout). */
import type { EventSpec } from "./types.js";

export const WATCHER_EVENTS = {
  "watcher.started": {
    level: "info",
    fields: ["nodes", "queue"],
    meaning: "The watcher process started and is connecting to the API server and the queue.",
    action: "nothing",
  },
} as const satisfies Record<string, EventSpec>;
