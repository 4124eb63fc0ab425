/**
 * The reconcile timer at 5,000 pods on the node, real time: 5,000 running pods in the API fake and their 5,000
 * tagged groups seeded in the simulator, then `host.runTimerNow("reconcile")` with a repair due, timed, with the
 * Kubernetes and ARM calls each tick made (list calls must be O(pages), no per-pod ARM call).
 *
 * Set-up so that only the timer works: the watcher watches another node name (5,000 "added" messages would
 * otherwise keep podEvents busy during the ticks), the host runs 100× slower (no scheduled tick in between),
 * and `ACI_REPAIR_INTERVAL_SECONDS=1` makes every tick a repair tick. (At the shipped 60 s a repair tick also
 * sends the hourly rotation's resyncs, ~1/60 of the pods; with 1 s the rotation has 3,600 slots, ~1–2 pods.)
 */
import type { V1Pod } from "@kubernetes/client-node";
import {
  containerGroupName,
  TAG_CLUSTER,
  TAG_NAMESPACE,
  TAG_NODE,
  TAG_POD,
  TAG_UID,
} from "../../../lib/translate/names.js";
import { startLocalStack, type LocalStack } from "../../local/stack.js";
import {
  BENCH_NAMESPACE,
  machineLoad,
  benchPod,
  percentile,
  RAISED_REGION_QUOTAS,
  round,
  sleep,
  type ScenarioContext,
  type ScenarioResult,
} from "../common.js";

export async function runTick(ctx: ScenarioContext): Promise<ScenarioResult> {
  const n = ctx.quick ? 500 : 5000;
  const ticks = ctx.quick ? 2 : 3;
  const repairLines: string[] = [];
  const stack = await startLocalStack({
    timeScale: 0.01,
    simulator: { quotas: { ...RAISED_REGION_QUOTAS } },
    settings: { ACI_REPAIR_INTERVAL_SECONDS: "1" },
    watcherSettings: { ACI_NODE_NAMES: "bench-unwatched-node" },
    kubeFake: { historyLimit: 3 * n },
    hostLog: (line) => {
      if (line.message.startsWith("repair.completed")) repairLines.push(line.message);
    },
  });
  try {
    await stack.registerNode();
    const kube = stack.kube!;
    const aci = stack.aci!;
    kube.createNamespace(BENCH_NAMESPACE);
    const started = Date.now();
    seedRunningPods(stack, n);
    ctx.progress(`tick: ${n} pods and ${n} groups in place (${round((Date.now() - started) / 1000, 1)} s)`);

    const samples: Array<{ ms: number; arm: Record<string, number>; kube: Record<string, number> }> = [];
    for (let t = 0; t < ticks; t++) {
      await sleep(1_100); // repair due again
      const armFrom = aci.calls.length;
      const kubeFrom = kube.calls.length;
      const t0 = performance.now();
      await stack.host.runTimerNow("reconcile");
      const ms = performance.now() - t0;
      const arm: Record<string, number> = {};
      for (const c of aci.calls.slice(armFrom)) arm[c.operation] = (arm[c.operation] ?? 0) + 1;
      const kubeCalls: Record<string, number> = {};
      for (const c of kube.calls.slice(kubeFrom)) {
        const path = c.path.split("?")[0] ?? "";
        const what = path
          .replace(/\/namespaces\/[^/]+/, "/namespaces/*")
          .replace(/\/(pods|leases|nodes)\/[^/]+/, "/$1/*");
        const key = `${c.method} ${what}`;
        kubeCalls[key] = (kubeCalls[key] ?? 0) + 1;
      }
      samples.push({ ms, arm, kube: kubeCalls });
      ctx.progress(`tick ${t + 1}/${ticks}: ${round(ms)} ms`);
    }
    const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
    const last = samples[samples.length - 1];
    const lastRepair = repairLines[repairLines.length - 1] ?? "";
    const repairedPods = Number(/"pods":(\d+)/.exec(lastRepair)?.[1] ?? 0);
    const listedPods = kube.list<V1Pod>("pods", BENCH_NAMESPACE).length;
    return {
      pods: n,
      ticks,
      tickMs: samples.map((s) => round(s.ms)),
      tickMsMedian: round(
        percentile(
          samples.map((s) => s.ms),
          50,
        ),
      ),
      tickMsMax: round(Math.max(...samples.map((s) => s.ms))),
      armCallsPerTick: last ? sum(last.arm) : 0,
      kubeCallsPerTick: last ? sum(last.kube) : 0,
      armCalls: last?.arm ?? {},
      kubeCalls: last?.kube ?? {},
      repairSawPods: repairedPods,
      podsInFake: listedPods,
      repairLine: lastRepair.slice(0, 400),
      load: machineLoad(),
    };
  } finally {
    await stack.stop();
  }
}

/**
 * `n` running pods in the API fake and their `n` tagged, Running groups seeded in the simulator (no ARM calls,
 * no quota): a node in steady state, for the timer scenarios (`tick`, `lease`).
 */
export function seedRunningPods(stack: LocalStack, n: number, prefix = "tick"): void {
  const kube = stack.kube!;
  const aci = stack.aci!;
  for (let i = 0; i < n; i++) {
    const name = `${prefix}-${i}`;
    const pod = kube.createPod(benchPod(name), { nodeName: stack.node.name });
    kube.updatePodStatus(BENCH_NAMESPACE, name, {
      phase: "Running",
      podIP: `10.240.${(i >> 8) & 255}.${i & 255}`,
    });
    const cg = containerGroupName(BENCH_NAMESPACE, name);
    aci.seedGroup(stack.resourceGroup, cg, {
      location: stack.node.region,
      tags: {
        [TAG_CLUSTER]: stack.clusterName,
        [TAG_NODE]: stack.node.name,
        [TAG_NAMESPACE]: BENCH_NAMESPACE,
        [TAG_POD]: name,
        [TAG_UID]: pod.metadata?.uid ?? "",
      },
      properties: {
        osType: "Linux",
        restartPolicy: "Always",
        containers: [
          {
            name: "main",
            properties: {
              image: "mcr.microsoft.com/azuredocs/aci-helloworld:latest",
              ports: [{ port: 80 }],
              resources: { requests: { cpu: 0.25, memoryInGB: 0.25 } },
            },
          },
        ],
      },
    });
  }
}
