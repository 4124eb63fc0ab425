/**
 * ACI simulator: an ARM-compatible HTTP server for `Microsoft.ContainerInstance/containerGroups` that the
 * real `@azure/arm-containerinstance` client talks to (build it with `createContainerInstanceClient` from
 * `lib/aci/armClient.ts`, `insecure: true`). Behaviour, conventions and simplifications: docs/aci-simulator.md.
 */
import { AciSimulatorCore, listen } from "./server.js";
import type {
  AciSimulatorOptions,
  BehaviorRule,
  CallFilter,
  CallRecord,
  FaultRule,
  GroupCondition,
  Json,
} from "./types.js";

export type * from "./types.js";
export {
  behaviorFromImage,
  CONVENTION_EXIT_AFTER_MS,
  DEFAULT_BUCKETS,
  DEFAULT_LATENCY,
  DEFAULT_LIMITS,
  DEFAULT_QUOTAS,
  DEFAULT_SUBSCRIPTION_ID,
  DEFAULT_TIMING,
  OPERATION_API_VERSION,
} from "./server.js";
export { CONTAINER_GROUP_NAME } from "./validate.js";

export interface AciSimulator {
  /** `http://127.0.0.1:<port>`: pass as the client's `endpoint`. */
  endpoint: string;
  subscriptionId: string;
  /** Every request, in arrival order (the live array: reading it later sees later calls). */
  calls: CallRecord[];
  countCalls(filter?: CallFilter): number;
  resetCalls(): void;
  faults: {
    /** Adds a rule; returns a function that removes it. */
    add(rule: FaultRule): () => void;
    clear(): void;
  };
  /** Adds a behaviour rule for groups created from now on; later rules win over earlier ones and images. */
  setBehavior(rule: BehaviorRule): void;
  /** The GET body (with instanceView) as ARM would return it now, or undefined when the group does not exist. */
  getGroup(resourceGroup: string, name: string): Json | undefined;
  listGroups(): Array<{ resourceGroup: string; name: string; body: Json }>;
  /**
   * Puts a group directly (e.g. a foreign, untagged one), already provisioned and Running, without quota,
   * rate-limit or call-log accounting. `startedAgoMs` moves its start further into the past.
   */
  seedGroup(resourceGroup: string, name: string, body: Json, opts?: { startedAgoMs?: number }): void;
  /**
   * Repairing, an unhealthy container, a Spot eviction, or `clear` (docs/aci-simulator.md, "States and
   * answers"). Throws when the group does not exist (or, for `spotEvicted`, is not a Spot group).
   */
  setGroupCondition(resourceGroup: string, name: string, condition: GroupCondition): void;
  /** Makes a Running container exit now; the restart policy decides whether it comes back (after back-off). */
  crashContainer(resourceGroup: string, name: string, containerName: string, exitCode?: number): void;
  close(): Promise<void>;
}

/** Starts a simulator on 127.0.0.1 (port 0 unless `options.port`). Close it with `close()`. */
export async function startAciSimulator(options: AciSimulatorOptions = {}): Promise<AciSimulator> {
  const core = new AciSimulatorCore(options);
  const server = await listen(core, options.port ?? 0);
  return {
    endpoint: server.endpoint,
    subscriptionId: core.subscriptionId,
    calls: core.calls,
    countCalls: (filter) => core.countCalls(filter),
    resetCalls: () => core.resetCalls(),
    faults: { add: (rule) => core.addFault(rule), clear: () => core.clearFaults() },
    setBehavior: (rule) => core.setBehavior(rule),
    getGroup: (rg, name) => core.getGroup(rg, name),
    listGroups: () => core.listGroups(),
    seedGroup: (rg, name, body, opts) => core.seedGroup(rg, name, body, opts),
    crashContainer: (rg, name, c, code) => core.crashContainer(rg, name, c, code),
    setGroupCondition: (rg, name, condition) => core.setGroupCondition(rg, name, condition),
    close: () => server.close(),
  };
}
