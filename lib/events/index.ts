/**
 * The single list of log event names. Each area keeps its own table (so parallel work does not collide);
 * this module merges them. docs/events.md is checked against this list by a test.
 */
import { BRIDGE_EVENTS } from "./bridge.js";
import { KUBELET_EVENTS } from "./kubelet.js";
import { WATCHER_EVENTS } from "./watcher.js";

export const EVENTS = { ...BRIDGE_EVENTS, ...WATCHER_EVENTS, ...KUBELET_EVENTS } as const;

export type EventName = keyof typeof EVENTS;
