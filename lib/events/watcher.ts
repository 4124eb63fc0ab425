/** Log events of the in-cluster watcher (JSON lines on stdout: `{"time","level","event",...fields}`). */
import type { EventSpec } from "./types.js";

export const WATCHER_EVENTS = {
  "watcher.started": {
    level: "info",
    fields: ["nodes", "identity", "leaderElection"],
    meaning: "The watcher process started and is connecting to the API server and the queue.",
    action: "nothing",
  },
  "watcher.http.listening": {
    level: "info",
    fields: ["port", "queue"],
    meaning:
      "The /healthz, /readyz and /metrics endpoints are up; `queue` names the target (never the secret).",
    action: "nothing",
  },
  "watcher.config.invalid": {
    level: "error",
    fields: ["error"],
    meaning: "A setting is missing or malformed; the process exits with code 2.",
    action: "Fix the named setting (chart values → env of the Deployment) and redeploy.",
  },
  "watcher.crashed": {
    level: "error",
    fields: ["error"],
    meaning: "An unexpected error stopped the process (exit code 1); Kubernetes restarts the container.",
    action: "Read the error; if it repeats (CrashLoopBackOff), open an issue with the log.",
  },
  "watcher.signal": {
    level: "info",
    fields: ["signal"],
    meaning: "SIGTERM/SIGINT received: graceful shutdown begins.",
    action: "nothing",
  },
  "watcher.stopping": {
    level: "info",
    fields: ["backlog", "graceMs"],
    meaning: "Watches stopped; pending messages are being flushed within the grace period.",
    action: "nothing",
  },
  "watcher.stopped": {
    level: "info",
    fields: ["flushed", "unsent", "ms"],
    meaning:
      "Shutdown finished and the Lease was released. `unsent` > 0: the queue was unreachable; the reconcile timer repairs those pods.",
    action: "nothing, unless `unsent` is often > 0 (then check the queue, see watcher.queue.*).",
  },
  "watcher.watch.listed": {
    level: "info",
    fields: ["node", "pods", "added", "updated", "deleted", "resourceVersion", "initial"],
    meaning:
      "The pods on `node` were (re)listed: at start-up (`initial`), after 410 Gone or after an error. Counts are the differences found against the cache.",
    action: "nothing; frequent relists point at a flapping API server or watch cache.",
  },
  "watcher.watch.failed": {
    level: "warn",
    fields: ["node", "during", "status", "error", "attempt", "retryInMs"],
    meaning: "Listing or watching pods failed (API server error, network); retried with backoff.",
    action:
      "If it persists: check API server health and RBAC (403 → the ClusterRole lacks pods list/watch). /readyz stays failing until the first list succeeds.",
  },
  "watcher.watch.restarting": {
    level: "info",
    fields: ["node", "cause", "delayMs", "relist"],
    meaning:
      "The pod watch is restarted (cause: error, gone = 410 → relist, watchdog = no event for too long).",
    action: "nothing; see aci_bridge_watcher_watch_restarts_total.",
  },
  "watcher.watch.stalled": {
    level: "warn",
    fields: ["node", "idleMs"],
    meaning:
      "No watch event or bookmark arrived for `idleMs` (a silently hung watch, client-node #596/#2432); the watch is restarted from the last resourceVersion.",
    action: "nothing if rare; if frequent, check proxies/load balancers between the pod and the API server.",
  },
  "watcher.queue.send.failed": {
    level: "warn",
    fields: ["pod", "attempt", "retryInMs", "backlog", "error"],
    meaning:
      "The first failed send of an outage; messages are kept in the bounded backlog and retried with backoff.",
    action:
      "Check the queue credential (Secret / workload identity role: Storage Queue Data Message Sender) and the storage account's network rules.",
  },
  "watcher.queue.unavailable": {
    level: "error",
    fields: ["pod", "attempt", "retryInMs", "backlog", "error"],
    meaning:
      "Sends keep failing (logged every 10th attempt); /readyz reports it and the backlog grows up to its bound.",
    action: "Restore queue access; once it is back the backlog is delivered (watcher.queue.recovered).",
  },
  "watcher.queue.recovered": {
    level: "info",
    fields: ["failures", "backlog"],
    meaning: "A send succeeded after failures; the backlog is being delivered.",
    action: "nothing",
  },
  "watcher.backlog.dropped": {
    level: "warn",
    fields: ["pod", "reason", "backlogMax"],
    meaning:
      "The backlog was full (queue down for long) and the oldest message was dropped. The reconcile timer repairs the pod later.",
    action:
      "Restore queue access; raise backlogMax only if memory allows. See aci_bridge_watcher_backlog_dropped_total.",
  },
  "watcher.leader.acquired": {
    level: "info",
    fields: ["identity"],
    meaning: "This replica took the Lease and now sends messages (after a resync of every cached pod).",
    action: "nothing",
  },
  "watcher.leader.lost": {
    level: "warn",
    fields: ["identity", "holder"],
    meaning: "This replica stopped leading (another holder, or it could not renew before the deadline).",
    action: "nothing if the peer took over; if it flaps, check API server latency and the Lease RBAC.",
  },
  "watcher.leader.released": {
    level: "info",
    fields: ["identity"],
    meaning: "On shutdown the Lease was released so the other replica takes over at once.",
    action: "nothing",
  },
  "watcher.leader.error": {
    level: "warn",
    fields: ["identity", "during", "error"],
    meaning: "Reading or writing the Lease failed (not a lost race); retried at the retry period.",
    action: "If it persists: check the Role (leases get/create/update in the release namespace).",
  },
  "watcher.resync": {
    level: "info",
    fields: ["pods"],
    meaning: "On becoming leader, a `resync` message was queued for every pod in the cache.",
    action: "nothing",
  },
} as const satisfies Record<string, EventSpec>;
