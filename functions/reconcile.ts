/** Entry point: the `reconcile` timer (heartbeat, status safety net, repair). Logic lives in lib/. */
import { app } from "@azure/functions";
import { createReconcileHandler } from "../lib/functions/handlers.js";
import { processRuntime } from "./runtime.js";

/** Every 10 s (NCRONTAB, seconds first): a quarter of the 40 s node lease. No runOnStartup (fires on scale-out). */
export const RECONCILE_SCHEDULE = "*/10 * * * * *";

export const reconcile = createReconcileHandler(processRuntime);

export const reconcileFunction = {
  name: "reconcile",
  schedule: RECONCILE_SCHEDULE,
  runOnStartup: false,
  handler: reconcile,
};

app.timer(reconcileFunction.name, {
  schedule: reconcileFunction.schedule,
  runOnStartup: false,
  handler: reconcile,
});
