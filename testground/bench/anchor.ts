/**
 * The anchor: virtual-kubelet/azure-aci's status loop (v1.6.x), re-enacted with real SDK calls
 * (`@azure/arm-containerinstance` built by lib/aci/armClient.ts `createContainerInstanceClient`) against the
 * same ACI simulator and latency profile the bridge is measured with. Nothing of the bridge runs here: this is
 * what the bridge is compared with (docs/benchmarks.md, "The anchor").
 *
 * From azure-aci's code (github.com/virtual-kubelet/azure-aci):
 * - pkg/provider/podsTracker.go `StartTracking`: ONE select loop over two timers, `statusUpdatesInterval` (5 s)
 *   and `cleanupInterval` (5 min). Each timer is `Reset` only after its work returns, so a pass and a clean-up
 *   never overlap and the 5 s is counted from the END of a pass.
 * - `updatePodsLoop`: sequential over every pod the pod lister knows (bound to the node), `processPodUpdates`
 *   for each.
 * - `processPodUpdates`: `FetchPodEvents` first, for every pod, final ones included (pkg/provider/aci.go
 *   `FetchPodEvents` → `azClientsAPIs.GetContainerGroup`: one GET), then, unless `shouldSkipPodStatusUpdate`
 *   (phase Succeeded or Failed, reason ProviderFailed, or a deletionTimestamp), `FetchPodStatus` →
 *   aci.go `GetPodStatus` → `GetContainerGroupInfo`: a second GET of the same group.
 * - `cleanupDanglingPods`: `ListActivePods` → aci.go `GetPods`: `GetContainerGroupListResult` (the resource
 *   group's list, every page) and then a `GetContainerGroup` per listed group ("The GetContainerGroupListResult
 *   API doesn't return InstanceView status … we had to get the CG info one more time"), keeps those tagged
 *   `NodeName` = its node; then `CleanupPod` (a DELETE) for each such group whose pod is gone.
 *
 * Time: the loop takes its clock from `clock` (STYLE: inject time). `virtualClock` makes the loop's own time
 * virtual: its timers pass at once and every ARM call it sends costs the latency profile's figure for that call
 * (with jitter from a seeded PRNG), on the same clock the simulator reads. That is exact for this loop because
 * it is strictly sequential (one call in flight, nothing else runs), so the real cost of the local HTTP round
 * trip drops out (`measureCallOverhead` reports it, for the record). With a real clock the loop runs in real
 * time against a simulator that adds the latency itself.
 */
import type { ContainerGroup, ContainerInstanceManagementClient } from "@azure/arm-containerinstance";
import type { PipelineRequest, SendRequest } from "@azure/core-rest-pipeline";

/** pkg/provider/podsTracker.go `statusUpdatesInterval`. */
export const AZURE_ACI_STATUS_UPDATES_INTERVAL_MS = 5_000;
/** pkg/provider/podsTracker.go `cleanupInterval`. */
export const AZURE_ACI_CLEANUP_INTERVAL_MS = 5 * 60_000;

/** What azure-aci's pod lister gives the loop: the pods bound to its node, as the informer cache has them. */
export interface AnchorPod {
  namespace: string;
  name: string;
  phase?: string;
  reason?: string;
  deleting?: boolean;
}

export interface AnchorOptions {
  client: ContainerInstanceManagementClient;
  resourceGroup: string;
  /** The node the anchor serves (its `NodeName` tag check). */
  nodeName: string;
  /** The tag holding the node name; azure-aci's is `NodeName`. */
  nodeTag?: string;
  /** The pod lister (`pt.pods` / `rm.GetPods()`), read at the start of every pass. */
  pods: () => AnchorPod[];
  /** Container group name of a pod (aci.go `containerGroupName`: `<namespace>-<name>`). */
  groupName?: (pod: AnchorPod) => string;
  /** `updateCb`: called with each group the status GET returned (the pod status it would patch). */
  onStatus?: (pod: AnchorPod, group: ContainerGroup, at: number) => void;
  /** Called when a clean-up (`cleanupDanglingPods`) has finished. */
  onCleanup?: (at: number) => void;
  /** Default: real time (`realClock`). */
  clock?: AnchorClock;
}

/** The loop's time: now, its timers, and what each ARM call costs (virtual clock only). */
export interface AnchorClock {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Called after each ARM call returns, with the call's kind. */
  charge?(kind: "get" | "listPage" | "delete"): void;
}

export const realClock: AnchorClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms))),
};

/** Per-call latency in ms, with ± `jitter` (a fraction). */
export interface CallLatency {
  get: number;
  listPage: number;
  delete: number;
  jitter: number;
}

/**
 * A virtual clock starting at `start` (ms since epoch): `sleep` advances it, `charge` advances it by the
 * call's latency. `onAdvance` runs after every advance (the scenario fires crashes that fall due).
 */
export function virtualClock(
  latency: CallLatency,
  opts: { start?: number; seed?: number; onAdvance?: (now: number) => void } = {},
): AnchorClock & { advance(ms: number): void } {
  let t = opts.start ?? Date.now();
  let a = (opts.seed ?? 1) >>> 0;
  const random = () => {
    // mulberry32
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const advance = (ms: number) => {
    t += Math.max(0, ms);
    opts.onAdvance?.(t);
  };
  return {
    now: () => t,
    advance,
    // Yield to the event loop so the simulator's server and the SDK's sockets keep working.
    sleep: async (ms) => {
      advance(ms);
      await new Promise<void>((r) => setImmediate(r));
    },
    charge: (kind) => advance(latency[kind] * (1 + latency.jitter * (2 * random() - 1))),
  };
}

export interface AnchorCounters {
  /** Every ARM read the anchor sent (GETs and list pages), counted in its SDK pipeline. */
  reads: number;
  gets: number;
  listPages: number;
  deletes: number;
  passes: number;
  cleanups: number;
  /** Clock ms of each finished pass. */
  passMs: number[];
  errors: number;
}

/** Counts the requests the client sends (retries included: each is an ARM call) and charges the clock. */
function countingPolicy(counters: AnchorCounters, clock: AnchorClock) {
  return {
    name: "benchAnchorCountingPolicy",
    async sendRequest(request: PipelineRequest, next: SendRequest) {
      const response = await next(request);
      if (request.method === "GET") {
        counters.reads++;
        const single = /\/containerGroups\/[^/?]+(\?|$)/i.test(request.url);
        if (single) counters.gets++;
        else counters.listPages++;
        clock.charge?.(single ? "get" : "listPage");
      } else if (request.method === "DELETE") {
        counters.deletes++;
        clock.charge?.("delete");
      }
      return response;
    },
  };
}

export class AzureAciAnchor {
  readonly counters: AnchorCounters = {
    reads: 0,
    gets: 0,
    listPages: 0,
    deletes: 0,
    passes: 0,
    cleanups: 0,
    passMs: [],
    errors: 0,
  };
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly clock: AnchorClock;
  private readonly nodeTag: string;
  private readonly groupName: (pod: AnchorPod) => string;

  constructor(private readonly opts: AnchorOptions) {
    this.clock = opts.clock ?? realClock;
    this.nodeTag = opts.nodeTag ?? "NodeName";
    this.groupName = opts.groupName ?? ((p) => `${p.namespace}-${p.name}`);
    opts.client.pipeline.addPolicy(countingPolicy(this.counters, this.clock));
  }

  /** `StartTracking`: both timers start now; the loop runs until `stop()` (or the clock reaches `until`). */
  start(until = Number.POSITIVE_INFINITY): void {
    if (this.running) return;
    this.running = true;
    this.until = until;
    this.loop = this.track();
  }

  private until = Number.POSITIVE_INFINITY;

  private get live(): boolean {
    return this.running && this.clock.now() < this.until;
  }

  /** Resolves when the loop has ended (`until` reached, or stopped). */
  done(): Promise<void> {
    return this.loop ?? Promise.resolve();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async track(): Promise<void> {
    const now = () => this.clock.now();
    let statusDue = now() + AZURE_ACI_STATUS_UPDATES_INTERVAL_MS;
    let cleanupDue = now() + AZURE_ACI_CLEANUP_INTERVAL_MS;
    while (this.live) {
      const next = Math.min(statusDue, cleanupDue);
      // Sleep in short slices so stop() is prompt.
      while (this.live && now() < next) await this.clock.sleep(Math.min(50, next - now()));
      if (!this.live) return;
      // Both ready: Go's select picks at random; the one due first is as good and deterministic.
      if (statusDue <= cleanupDue) {
        await this.updatePodsLoop();
        statusDue = now() + AZURE_ACI_STATUS_UPDATES_INTERVAL_MS; // Reset after the pass
      } else {
        await this.cleanupDanglingPods();
        cleanupDue = now() + AZURE_ACI_CLEANUP_INTERVAL_MS;
      }
    }
  }

  /** podsTracker.go `updatePodsLoop`: every pod, one after the other. */
  private async updatePodsLoop(): Promise<void> {
    const t0 = this.clock.now();
    for (const pod of this.opts.pods()) {
      if (!this.live) return;
      await this.processPodUpdates(pod);
    }
    this.counters.passes++;
    this.counters.passMs.push(this.clock.now() - t0);
  }

  /** podsTracker.go `processPodUpdates`: events GET always, status GET unless final or terminating. */
  private async processPodUpdates(pod: AnchorPod): Promise<void> {
    const name = this.groupName(pod);
    try {
      // aci.go FetchPodEvents → GetContainerGroup (events go to the event recorder: no ARM call).
      await this.opts.client.containerGroups.get(this.opts.resourceGroup, name);
    } catch {
      this.counters.errors++; // "cannot fetch aci events": logged, the pass goes on
    }
    if (this.shouldSkipPodStatusUpdate(pod)) return;
    try {
      // aci.go FetchPodStatus → GetPodStatus → GetContainerGroupInfo: a second GET.
      const group = await this.opts.client.containerGroups.get(this.opts.resourceGroup, name);
      this.opts.onStatus?.(pod, group, this.clock.now());
    } catch {
      this.counters.errors++; // NotFound marks a Running pod Failed (no ARM call); other errors are logged
    }
  }

  /** podsTracker.go `shouldSkipPodStatusUpdate`. */
  private shouldSkipPodStatusUpdate(pod: AnchorPod): boolean {
    return (
      pod.phase === "Succeeded" ||
      pod.phase === "Failed" ||
      pod.reason === "ProviderFailed" ||
      pod.deleting === true
    );
  }

  /** podsTracker.go `cleanupDanglingPods` → aci.go `ListActivePods` → `GetPods`, then `CleanupPod`. */
  private async cleanupDanglingPods(): Promise<void> {
    const pods = this.opts.pods();
    const active: ContainerGroup[] = [];
    try {
      for await (const listed of this.opts.client.containerGroups.listByResourceGroup(
        this.opts.resourceGroup,
      )) {
        if (!listed.name) continue;
        let group: ContainerGroup;
        try {
          group = await this.opts.client.containerGroups.get(this.opts.resourceGroup, listed.name);
        } catch {
          continue; // "CG might get deleted between the getlist and get calls"
        }
        if (group.tags?.[this.nodeTag] !== this.opts.nodeName) continue;
        active.push(group);
      }
    } catch {
      this.counters.errors++;
      return;
    }
    const known = new Set(pods.map((p) => this.groupName(p)));
    for (const group of active) {
      if (!group.name || known.has(group.name)) continue;
      try {
        await this.opts.client.containerGroups.beginDelete(this.opts.resourceGroup, group.name);
      } catch {
        this.counters.errors++;
      }
    }
    this.counters.cleanups++;
    this.opts.onCleanup?.(this.clock.now());
  }
}

/**
 * The real cost of one sequential `containerGroups.get` over local HTTP with the simulator answering at
 * once: what the time scale cannot scale. Returns ms per call (p50, p90).
 */
export async function measureCallOverhead(
  client: ContainerInstanceManagementClient,
  resourceGroup: string,
  name: string,
  calls = 100,
): Promise<{ p50: number; p90: number; mean: number }> {
  const samples: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    await client.containerGroups.get(resourceGroup, name);
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const at = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))] ?? NaN;
  return { p50: at(0.5), p90: at(0.9), mean: samples.reduce((a, b) => a + b, 0) / samples.length };
}
