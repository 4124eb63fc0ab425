/**
 * Cost per month of the bridge's Azure side from measured invocation counts and durations, next to the anchor's
 * always-on replica. Price figures, their source and the model: docs/benchmarks.md, "Cost per month". List
 * prices change: the constants say which figure was used, not what Azure charges today.
 */

export const HOURS_PER_MONTH = 730;

/**
 * Flex Consumption, on-demand billing (East US, pay-as-you-go, USD): execution time per GB-second of instance
 * memory while executing, and executions per million. Free grants per subscription and month. Source: the
 * Azure Functions pricing page (azure.microsoft.com/pricing/details/functions), as quoted for Flex Consumption
 * in learn.microsoft.com "Estimating consumption-based costs" and modal.com's 2025 pricing guide.
 */
export const FLEX_PRICE = {
  perGbSecond: 0.000026,
  perMillionExecutions: 0.4,
  freeGbSecondsPerMonth: 100_000,
  freeExecutionsPerMonth: 250_000,
  /** The default Flex instance memory size (2,048 MB), what execution time is billed on. */
  instanceMemoryGb: 2,
} as const;

/**
 * Storage queue operations (general-purpose v2, LRS, USD per 10,000 operations; the page lists class 1 and class
 * 2 operations at about the same rate for queues). Source: azure.microsoft.com/pricing/details/storage/queues.
 */
export const QUEUE_PRICE_PER_10K_OPERATIONS = 0.004;

/**
 * The anchor's always-on replica: virtual-kubelet (azure-aci) as a pod of 0.5 vCPU and 1 GiB on an AKS node.
 * A D2s v5 node (2 vCPU, 8 GiB) at about $0.096 per hour pay-as-you-go (azure.microsoft.com/pricing/details/
 * virtual-machines/linux) holds four such shares by CPU: $0.024 per hour.
 */
export const ANCHOR_REPLICA_USD_PER_HOUR = 0.096 / 4;

export interface MeasuredLoad {
  /** podEvents invocations per running pod-hour (status checks, and messages the watcher sends). */
  podEventsPerPodHour: number;
  /** Mean podEvents invocation duration, ms. */
  podEventsMeanMs: number;
  /** reconcile invocations per hour (the timer) and their mean duration (ms) at this size. */
  reconcilePerHour: number;
  reconcileMeanMs: number;
  /** Queue operations per podEvents message: send + get (shared by a batch) + delete. */
  queueOpsPerMessage?: number;
  /** Empty polls per hour of one listening instance (maxPollingInterval 2 s when idle). */
  idlePollsPerHour?: number;
}

export interface MonthlyCost {
  pods: number;
  executions: number;
  gbSeconds: number;
  /** Every invocation's duration billed on its own (no sharing of an instance's seconds). */
  upperBoundGbSeconds: number;
  queueOperations: number;
  /** Without free grants (an upper bound: another app in the subscription may use them). */
  usd: number;
  /** With the Flex free grants applied. */
  usdWithFreeGrant: number;
}

/**
 * Flex bills an instance's memory while it executes anything, so concurrent invocations on one instance share
 * the same seconds. With invocations arriving at random at rate λ (per second) and lasting d seconds on
 * average, one instance is busy a fraction 1 − e^(−λd) of the time (the chance that at least one invocation
 * runs, M/G/∞). The model bills one instance's memory for that fraction of the month: the bridge's load fits one
 * instance up to λd ≈ its concurrency; above that Flex adds instances, which this model does not bill (so it is
 * a lower bound there). `upperBoundGbSeconds` bills every invocation's full duration separately.
 */
export function monthlyCost(pods: number, load: MeasuredLoad): MonthlyCost {
  const podEvents = load.podEventsPerPodHour * pods * HOURS_PER_MONTH;
  const reconcile = load.reconcilePerHour * HOURS_PER_MONTH;
  const executions = podEvents + reconcile;
  const busySeconds = (podEvents * load.podEventsMeanMs + reconcile * load.reconcileMeanMs) / 1000;
  const monthSeconds = HOURS_PER_MONTH * 3600;
  const lambdaD = busySeconds / monthSeconds;
  const gbSeconds = monthSeconds * (1 - Math.exp(-lambdaD)) * FLEX_PRICE.instanceMemoryGb;
  const queueOperations =
    podEvents * (load.queueOpsPerMessage ?? 3) + (load.idlePollsPerHour ?? 1800) * HOURS_PER_MONTH;
  const compute = (gbs: number, execs: number) =>
    gbs * FLEX_PRICE.perGbSecond + (execs / 1e6) * FLEX_PRICE.perMillionExecutions;
  const queue = (queueOperations / 10_000) * QUEUE_PRICE_PER_10K_OPERATIONS;
  return {
    pods,
    executions: Math.round(executions),
    gbSeconds: Math.round(gbSeconds),
    upperBoundGbSeconds: Math.round(busySeconds * FLEX_PRICE.instanceMemoryGb),
    queueOperations: Math.round(queueOperations),
    usd: round2(compute(gbSeconds, executions) + queue),
    usdWithFreeGrant: round2(
      compute(
        Math.max(0, gbSeconds - FLEX_PRICE.freeGbSecondsPerMonth),
        Math.max(0, executions - FLEX_PRICE.freeExecutionsPerMonth),
      ) + queue,
    ),
  };
}

/** The anchor's replica runs whatever the number of pods. */
export function anchorMonthlyCost(): number {
  return round2(ANCHOR_REPLICA_USD_PER_HOUR * HOURS_PER_MONTH);
}

const round2 = (n: number) => Math.round(n * 100) / 100;
