/**
 * The heartbeat while a repair runs, real time: 5,000 running pods and their groups (seeded as in `tick`),
 * the realistic ARM latency profile (a repair then lists 50 pages at ≈ 250 ms each), the shipped timer schedule
 * and repair interval, and nothing else to do (the watcher watches another node). The Lease
 * `kube-node-lease/<node>` is sampled every 250 ms in the API fake; `maxLeaseRenewGapS` is the longest time
 * between two renewals seen (and from the last renewal to the end of the window). A late renewal evicts every
 * pod on the node (docs/architecture.md#heartbeat).
 */
import type { V1Lease } from "@kubernetes/client-node";
import { NODE_LEASE_NAMESPACE } from "../../../lib/reconcile/node.js";
import { startLocalStack } from "../../local/stack.js";
import {
  BENCH_NAMESPACE,
  LATENCY_PROFILE,
  machineLoad,
  RAISED_REGION_QUOTAS,
  round,
  scaledLatency,
  sleep,
  type ScenarioContext,
  type ScenarioResult,
} from "../common.js";
import { seedRunningPods } from "./tick.js";

export async function runLease(ctx: ScenarioContext): Promise<ScenarioResult> {
  const n = ctx.quick ? 500 : 5000;
  const windowS = ctx.quick ? 22 : 80;
  const repairs: number[] = [];
  const tickMs: number[] = [];
  const stack = await startLocalStack({
    simulator: { quotas: { ...RAISED_REGION_QUOTAS }, latency: scaledLatency(1) },
    watcherSettings: { ACI_NODE_NAMES: "bench-unwatched-node" },
    kubeFake: { historyLimit: 3 * n },
    hostLog: (line) => {
      if (line.message.startsWith("repair.completed")) repairs.push(line.time.getTime());
      const m = /^Executed 'Functions\.reconcile' \([A-Za-z]+, Id=[^,]+, Duration=(\d+)ms\)/.exec(
        line.message,
      );
      if (m) tickMs.push(Number(m[1]));
    },
  });
  try {
    await stack.registerNode();
    stack.kube!.createNamespace(BENCH_NAMESPACE);
    seedRunningPods(stack, n, "lease");
    ctx.progress(`lease: ${n} pods and groups, ARM latency on; sampling the Lease for ${windowS} s`);
    const renewals: number[] = [];
    let last: string | undefined;
    const t0 = Date.now();
    while (Date.now() - t0 < windowS * 1000) {
      const lease = stack.kube!.get<V1Lease>("leases", NODE_LEASE_NAMESPACE, stack.node.name);
      const renew = lease?.spec?.renewTime as unknown;
      const text =
        renew instanceof Date ? renew.toISOString() : typeof renew === "string" ? renew : undefined;
      if (text && text !== last) {
        last = text;
        renewals.push(Date.parse(text));
      }
      await sleep(250);
    }
    const end = Date.now();
    const gaps: number[] = [];
    for (let i = 1; i < renewals.length; i++) gaps.push(((renewals[i] ?? 0) - (renewals[i - 1] ?? 0)) / 1000);
    const tail = renewals.length ? (end - (renewals[renewals.length - 1] ?? end)) / 1000 : windowS;
    const maxGap = Math.max(...gaps, tail);
    ctx.progress(
      `lease: ${renewals.length} renewals, max gap ${round(maxGap, 1)} s, ${repairs.length} repairs`,
    );
    return {
      pods: n,
      windowSeconds: windowS,
      latencyProfile: LATENCY_PROFILE.name,
      renewals: renewals.length,
      maxLeaseRenewGapS: round(maxGap, 1),
      gapsS: gaps.map((g) => round(g, 1)),
      tailS: round(tail, 1),
      repairsCompleted: repairs.length,
      reconcileTickMs: tickMs,
      load: machineLoad(),
    };
  } finally {
    await stack.stop();
  }
}
