/**
 * The process-wide runtime of the deployed Functions app, built from app settings on first use.
 * (Not a function itself: the host's `main` glob loads it, and it registers nothing.)
 */
import { loadBridgeConfig } from "../lib/config.js";
import { lazyRuntime } from "../lib/functions/handlers.js";
import { createBridgeRuntime } from "../lib/runtime.js";

export const processRuntime = lazyRuntime(() => createBridgeRuntime(loadBridgeConfig(process.env)));
