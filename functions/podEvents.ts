/** Entry point: the `podEvents` queue trigger on `pod-events`. Logic lives in lib/. */
import { app } from "@azure/functions";
import { POD_EVENTS_CONNECTION } from "../lib/config.js";
import { createPodEventsHandler } from "../lib/functions/handlers.js";
import { POD_EVENTS_QUEUE } from "../lib/queue/message.js";
import { processRuntime } from "./runtime.js";

export const podEvents = createPodEventsHandler(processRuntime);

export const podEventsFunction = {
  name: "podEvents",
  queueName: POD_EVENTS_QUEUE,
  connection: POD_EVENTS_CONNECTION,
  handler: podEvents,
};

app.storageQueue(podEventsFunction.name, {
  queueName: podEventsFunction.queueName,
  connection: podEventsFunction.connection,
  handler: podEvents,
});
