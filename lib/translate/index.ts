/**
 * The translation API the reconcilers call: pod → container group, container group → pod status, events.
 * All pure: no I/O, no clock (callers pass `now`), no SDK client.
 */
export { collectReferences } from "./collectReferences.js";
export { podToContainerGroup } from "./podToContainerGroup.js";
export { normalizeRegistry, registryOf } from "./images.js";
export {
  containerGroupToPodStatus,
  containerGroupPhase,
  REASON_PROVIDER_FAILED,
  REASON_STOPPED,
} from "./containerGroupToPodStatus.js";
export { containerGroupGoneStatus, failedPodStatus, isPodFinal, REASON_GONE } from "./failedPodStatus.js";
export { podStatusChanged } from "./podStatusChanged.js";
export {
  isSidecar,
  mainContainersOutcome,
  shouldStopForCompletedSidecarPod,
  type MainContainersOutcome,
} from "./sidecars.js";
export { containerGroupEvents } from "./containerGroupEvents.js";
export { containerGroupName, containerGroupTags } from "./names.js";
export { parseQuantity } from "./quantity.js";
export type * from "./types.js";
