/**
 * Plays a scenario on a running local stack, the way a person would with kubectl and az:
 * wait for the virtual node to be Ready and show it (`kubectl get nodes -o wide`); apply the manifests (API fake:
 * expanded into pods, bound by the scheduler stand-in; real cluster: created as they are, the cluster's
 * controllers and scheduler do the rest); show pods and container groups live until every pod is settled;
 * then (at once with `--once`, on Ctrl+C otherwise) delete what was applied, gracefully as kubectl does, and
 * show the groups going away. Returns the exit code and a one-line summary.
 */
import {
  ApiException,
  CoreV1Api,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type V1Node,
  type V1Pod,
} from "@kubernetes/client-node";
import { containerGroupName } from "../../lib/translate/names.js";
import type { Display } from "./display.js";
import { schedulePod } from "./scheduling.js";
import {
  expandManifests,
  objectRef,
  toApiVersionServed,
  type KubeObject,
  type ManifestDoc,
  type ScenarioPlan,
} from "./scenario.js";
import {
  classifyPod,
  evaluateOutcome,
  isSettled,
  type Expectations,
  type PodOutcome,
} from "./scenarioOutcome.js";
import { sleep, type LocalStack } from "./stack.js";
import { groupsTable, nodesTable, podsTable, type GroupView } from "./tables.js";

export interface RunScenarioOptions {
  stack: LocalStack;
  docs: readonly ManifestDoc[];
  /** The scenario file, for messages. */
  source: string;
  display: Display;
  /** Delete as soon as every pod is settled and exit; else keep showing until `interrupted`. */
  once: boolean;
  expect?: Expectations;
  /** How long pods may take to settle (`--once` fails after it; interactive mode only says so). */
  settleTimeoutMs?: number;
  /** How long the deletion may take. */
  deleteTimeoutMs?: number;
  /** Refresh period of the live tables. Default 500 ms (API fake) / 2 s (real cluster). */
  refreshMs?: number;
  /** Resolves on Ctrl+C. */
  interrupted: Promise<void>;
  /** Called once, when the virtual node is Ready and untainted (`--serve` prints its `ready:` line). */
  onNodeReady?: (node: string) => void;
  /** Pod name suffixes (tests pass a seeded one). */
  random?: () => number;
}

export interface RunScenarioResult {
  exitCode: number;
  /** One line: what happened, or why the run did not go as expected. */
  summary: string;
  /** What to do, when the outcome may have been intended. */
  hint?: string;
}

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const NOT_READY_TAINT = "node.kubernetes.io/not-ready";

function apiMessage(error: unknown): string {
  if (error instanceof ApiException) {
    try {
      const body = JSON.parse(String(error.body)) as { message?: string };
      return `${error.code} ${body.message ?? ""}`.trim();
    } catch {
      return `${error.code} ${String(error.body).slice(0, 200)}`;
    }
  }
  return error instanceof Error ? error.message.split("\n")[0]! : String(error);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

export async function runScenario(options: RunScenarioOptions): Promise<RunScenarioResult> {
  const { stack, display } = options;
  const fake = stack.backends.kubernetes === "fake";
  const refreshMs = options.refreshMs ?? (fake ? 500 : 2000);
  const expect = options.expect ?? { failed: [], pending: [] };
  const kc = stack.kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  let interrupted = false;
  void options.interrupted.then(() => {
    interrupted = true;
  });
  const pause = (ms: number) => Promise.race([sleep(ms), options.interrupted]);
  const t0 = Date.now();

  // ---- 1. the virtual node ----
  display.line(`registering the virtual node ${stack.node.name} (reconcile timer: Lease + Node + Ready)…`);
  await stack.registerNode();
  const nodeDeadline = Date.now() + 30_000;
  let node: V1Node;
  for (;;) {
    node = await core.readNode({ name: stack.node.name });
    const ready = node.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
    const tainted = node.spec?.taints?.some((t) => t.key === NOT_READY_TAINT);
    if (ready && !tainted) break;
    if (Date.now() > nodeDeadline) {
      return {
        exitCode: 1,
        summary: `node ${stack.node.name} did not become Ready within 30 s (Ready=${ready}, not-ready taint ${tainted ? "present" : "gone"}); see --verbose`,
      };
    }
    if (interrupted) return { exitCode: 130, summary: "interrupted" };
    await pause(200);
  }
  options.onNodeReady?.(stack.node.name);
  const nodes = fake ? [node] : (await core.listNode()).items;
  display.line("");
  display.line("$ kubectl get nodes -o wide");
  for (const l of nodesTable(nodes, new Date())) display.line(l);
  display.line("");

  // ---- 2. apply ----
  display.line(`$ kubectl apply -f ${options.source}`);
  const tracked = new Map<string, { namespace: string; name: string }>();
  const track = (namespace: string, name: string) => tracked.set(`${namespace}/${name}`, { namespace, name });
  const rejected = new Map<string, PodOutcome>();
  let plan: ScenarioPlan | undefined;
  const appliedReal: KubeObject[] = [];
  const realSelectors: Array<{ namespace: string; name?: string; labels?: Record<string, string> }> = [];
  let expectedPods = 0;

  if (fake) {
    plan = expandManifests(options.docs, { nodes, ...(options.random ? { random: options.random } : {}) });
    const namespaces = new Set<string>([
      ...plan.pods.map((p) => p.metadata?.namespace ?? "default"),
      ...plan.objects
        .filter((o) => o.resource !== "namespaces")
        .map((o) => o.object.metadata?.namespace ?? "default"),
    ]);
    for (const ns of namespaces) {
      if (plan.objects.some((o) => o.resource === "namespaces" && o.object.metadata?.name === ns)) continue;
      try {
        await core.readNamespace({ name: ns });
      } catch {
        await core.createNamespace({ body: { metadata: { name: ns } } });
        display.line(`namespace/${ns} created (used by the scenario)`);
      }
    }
    for (const { resource, object } of plan.objects) {
      const namespace = object.metadata?.namespace ?? "default";
      try {
        if (resource === "namespaces") await core.createNamespace({ body: object });
        else if (resource === "configmaps") await core.createNamespacedConfigMap({ namespace, body: object });
        else if (resource === "secrets") await core.createNamespacedSecret({ namespace, body: object });
        else await core.createNamespacedServiceAccount({ namespace, body: object });
      } catch (error) {
        return {
          exitCode: 1,
          summary: `${objectRef(object)}: the API server rejected it: ${apiMessage(error)}`,
        };
      }
    }
    for (const note of plan.notes) display.line(note);
    for (const pod of plan.pods) {
      const namespace = pod.metadata?.namespace ?? "default";
      const name = pod.metadata?.name ?? "";
      track(namespace, name);
      try {
        await core.createNamespacedPod({ namespace, body: pod });
      } catch (error) {
        const reason = `rejected by the API server: ${apiMessage(error)}`;
        rejected.set(`${namespace}/${name}`, { kind: "failed", reason });
        display.line(`pod/${name}: ${reason}`);
      }
    }
    expectedPods = plan.pods.length;
  } else {
    const objects = KubernetesObjectApi.makeApiClient(kc);
    const defaultNamespace = kc.getContextObject(kc.getCurrentContext())?.namespace ?? "default";
    for (const { where, object: original } of options.docs) {
      const { object, note } = toApiVersionServed(original);
      if (note) display.line(note);
      const namespace = object.metadata?.namespace ?? defaultNamespace;
      try {
        await objects.create(object);
      } catch (error) {
        const exists = error instanceof ApiException && error.code === 409;
        return {
          exitCode: 1,
          summary: exists
            ? `${where}: ${objectRef(object)} already exists in the cluster; the local stack deletes what it creates, so delete it first (kubectl delete -f ${options.source}) or rename it`
            : `${where}: ${objectRef(object)}: the API server rejected it: ${apiMessage(error)}`,
        };
      }
      appliedReal.push({ ...object, metadata: { ...object.metadata, namespace } });
      display.line(`${objectRef(object)} created`);
      const spec = object.spec ?? {};
      const template = (object.kind === "CronJob" ? undefined : spec.template) as
        { metadata?: { labels?: Record<string, string> } } | undefined;
      if (object.kind === "Pod") {
        realSelectors.push({ namespace, name: object.metadata?.name ?? "" });
        expectedPods += 1;
      } else if (template?.metadata?.labels) {
        realSelectors.push({ namespace, labels: template.metadata.labels });
        const replicas = typeof spec.replicas === "number" ? spec.replicas : 1;
        if (
          ["Deployment", "ReplicaSet", "StatefulSet", "ReplicationController"].includes(String(object.kind))
        ) {
          expectedPods += replicas;
        } else if (object.kind === "Job") {
          const parallelism = typeof spec.parallelism === "number" ? spec.parallelism : 1;
          const completions = typeof spec.completions === "number" ? spec.completions : parallelism;
          expectedPods += Math.min(parallelism, completions);
        }
      }
    }
  }
  display.line("");

  // ---- 3. watch until settled ----
  const namespaces = () =>
    new Set([...tracked.values()].map((p) => p.namespace).concat(realSelectors.map((s) => s.namespace)));
  const groupNames = new Set<string>();
  const groupsSeen = new Set<string>();
  const lastKind = new Map<string, string>();
  const boundNoted = new Set<string>();
  const unschedulableNoted = new Map<string, string>();

  const listPods = async (): Promise<V1Pod[]> => {
    const out: V1Pod[] = [];
    for (const namespace of namespaces()) {
      const list = await core.listNamespacedPod({ namespace });
      for (const pod of list.items) {
        const name = pod.metadata?.name ?? "";
        const key = `${namespace}/${name}`;
        const matches =
          tracked.has(key) ||
          realSelectors.some(
            (s) =>
              s.namespace === namespace &&
              (s.name === name ||
                (s.labels && Object.entries(s.labels).every(([k, v]) => pod.metadata?.labels?.[k] === v))),
          );
        if (!matches) continue;
        if (!tracked.has(key)) track(namespace, name);
        groupNames.add(containerGroupName(namespace, name));
        out.push(pod);
      }
    }
    return out.sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
  };

  /** The scheduler stand-in: binds what fits, marks the rest Unschedulable with the scheduler's message. */
  const schedule = async (pods: V1Pod[]) => {
    const pending = pods.filter((p) => !p.spec?.nodeName && !p.metadata?.deletionTimestamp);
    if (pending.length === 0) return;
    const allNodes = (await core.listNode()).items;
    for (const pod of pending) {
      const namespace = pod.metadata?.namespace ?? "default";
      const name = pod.metadata?.name ?? "";
      const result = schedulePod(pod, allNodes);
      if (result.node !== undefined) {
        try {
          await core.createNamespacedPodBinding({
            name,
            namespace,
            body: {
              metadata: { name, namespace },
              target: { apiVersion: "v1", kind: "Node", name: result.node },
            },
          });
          pod.spec = { ...pod.spec!, nodeName: result.node };
          if (!boundNoted.has(name)) {
            boundNoted.add(name);
            display.line(`Scheduled: Successfully assigned ${namespace}/${name} to ${result.node}`);
          }
        } catch (error) {
          display.line(`scheduler: binding ${namespace}/${name} failed: ${apiMessage(error)} (retrying)`);
        }
      } else if (unschedulableNoted.get(name) !== result.message) {
        unschedulableNoted.set(name, result.message);
        display.line(`FailedScheduling ${namespace}/${name}: ${result.message}`);
        await core.patchNamespacedPodStatus(
          {
            name,
            namespace,
            body: {
              status: {
                conditions: [
                  {
                    type: "PodScheduled",
                    status: "False",
                    reason: "Unschedulable",
                    message: result.message,
                    lastTransitionTime: new Date(),
                  },
                ],
              },
            },
          },
          mergePatch,
        );
      }
    }
  };

  const render = (pods: V1Pod[], groups: GroupView[], title: string) => {
    const now = new Date();
    const mine = groups.filter((g) => groupNames.has(g.name));
    for (const g of mine) groupsSeen.add(g.name);
    const lines = [
      `${title}  (+${seconds(Date.now() - t0)})`,
      "$ kubectl get pods -o wide",
      ...podsTable(pods, now, [...namespaces()].join(", ") || "default"),
      "",
      `$ az container list -g ${stack.resourceGroup} -o table`,
      ...(mine.length ? groupsTable(mine) : ["(no container groups)"]),
      "",
    ];
    const key = JSON.stringify([
      pods.map((p) => [
        p.metadata?.name,
        p.status?.phase,
        p.status?.podIP,
        p.spec?.nodeName,
        p.metadata?.deletionTimestamp ? 1 : 0,
        classifyPod(p).kind,
        podKeyStatus(p),
      ]),
      mine.map((g) => [g.name, g.state, g.ip]),
    ]);
    display.frame(lines, key);
  };

  const outcomes = new Map<string, PodOutcome>();
  const noteTransitions = (pods: V1Pod[]) => {
    for (const pod of pods) {
      const key = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
      const outcome = classifyPod(pod);
      outcomes.set(key, outcome);
      const kindKey = outcome.kind === "progress" ? `progress:${outcome.status}` : outcome.kind;
      if (lastKind.get(key) === kindKey) continue;
      lastKind.set(key, kindKey);
      if (outcome.kind === "running")
        display.line(`pod ${key} Running, IP ${pod.status?.podIP ?? "<none>"} (${seconds(Date.now() - t0)})`);
      else if (outcome.kind === "succeeded")
        display.line(`pod ${key} Succeeded (${seconds(Date.now() - t0)})`);
      else if (outcome.kind === "failed") display.line(`pod ${key} Failed: ${outcome.reason}`);
      else if (outcome.kind === "backoff") display.line(`pod ${key} stuck: ${outcome.reason}`);
    }
    for (const [key, outcome] of rejected) outcomes.set(key, outcome);
  };

  let settledAnnounced = false;
  let slowAnnounced = false;
  let result: RunScenarioResult | undefined;
  const settleTimeoutMs = options.settleTimeoutMs ?? 120_000;
  const settleStart = Date.now();
  for (;;) {
    let pods = await listPods();
    if (fake) {
      await schedule(pods);
      pods = await listPods();
    }
    noteTransitions(pods);
    const groups = await stack.listGroups();
    render(
      pods,
      groups,
      options.once
        ? "pods and container groups"
        : "pods and container groups — Ctrl+C deletes them and exits",
    );
    const present =
      pods.length +
      [...rejected.keys()].filter(
        (k) => !pods.some((p) => `${p.metadata?.namespace}/${p.metadata?.name}` === k),
      ).length;
    const settled = present >= expectedPods && [...outcomes.values()].every(isSettled);
    if (settled && !settledAnnounced) {
      settledAnnounced = true;
      display.commit();
      const evaluation = evaluateOutcome(outcomes, expect);
      display.line(
        `all ${outcomes.size} pod(s) settled after ${seconds(Date.now() - t0)}: ${evaluation.summary}`,
      );
      result = { exitCode: evaluation.ok ? 0 : 1, summary: evaluation.summary, hint: evaluation.hint };
      if (options.once) break;
      display.line("still running; press Ctrl+C to delete the pods and exit");
    }
    if (!settled && Date.now() - settleStart > settleTimeoutMs) {
      const waiting = [...outcomes.entries()]
        .filter(([, o]) => !isSettled(o))
        .map(([k, o]) => `${k} (${o.kind === "progress" ? o.status : o.kind})`);
      const missing = present < expectedPods ? `, ${expectedPods - present} pod(s) not created yet` : "";
      const summary = `timed out after ${seconds(settleTimeoutMs)} waiting for ${waiting.join(", ") || "pods"}${missing}`;
      if (options.once) {
        display.commit();
        result = { exitCode: 1, summary };
        break;
      }
      if (!slowAnnounced) {
        slowAnnounced = true;
        display.line(`${summary}; still watching (Ctrl+C deletes and exits)`);
      }
    }
    if (interrupted) {
      display.commit();
      if (options.once) result = { exitCode: 130, summary: "interrupted before every pod settled" };
      break;
    }
    await pause(refreshMs);
  }
  if (!options.once) result = undefined; // interactive: the exit code is the clean delete's

  // ---- 4. delete ----
  display.line("");
  display.line(
    fake ? "$ kubectl delete pod …   (graceful, as kubectl does)" : `$ kubectl delete -f ${options.source}`,
  );
  if (fake) {
    for (const { namespace, name } of tracked.values()) {
      try {
        await core.deleteNamespacedPod({ name, namespace });
        display.line(`pod "${name}" deleted`);
      } catch (error) {
        if (!(error instanceof ApiException && error.code === 404)) {
          display.line(`pod "${name}": delete failed: ${apiMessage(error)}`);
        }
      }
    }
  } else {
    const objects = KubernetesObjectApi.makeApiClient(kc);
    for (const object of [...appliedReal].reverse()) {
      try {
        await objects.delete(object, undefined, undefined, undefined, undefined, "Background");
        display.line(`${objectRef(object).replace("/", ' "')}" deleted`);
      } catch (error) {
        if (!(error instanceof ApiException && error.code === 404)) {
          display.line(`${objectRef(object)}: delete failed: ${apiMessage(error)}`);
        }
      }
    }
  }
  display.line("");
  const deleteTimeoutMs = options.deleteTimeoutMs ?? 120_000;
  const deleteStart = Date.now();
  let deleted = false;
  let remaining = "";
  for (;;) {
    const pods = await listPods();
    const groups = (await stack.listGroups()).filter((g) => groupNames.has(g.name));
    render(pods, groups, "deleting");
    if (pods.length === 0 && groups.length === 0) {
      deleted = true;
      break;
    }
    remaining = [
      ...pods.map(
        (p) =>
          `pod ${p.metadata?.name} (${classifyPod(p).kind === "progress" ? "Terminating" : p.status?.phase})`,
      ),
      ...groups.map((g) => `group ${g.name} (${g.state})`),
    ].join(", ");
    if (Date.now() - deleteStart > deleteTimeoutMs) break;
    await sleep(refreshMs);
  }
  display.commit();
  if (fake && deleted && plan) {
    for (const { resource, object } of plan.objects.filter((o) => o.resource !== "namespaces")) {
      const name = object.metadata?.name ?? "";
      const namespace = object.metadata?.namespace ?? "default";
      const del =
        resource === "configmaps"
          ? core.deleteNamespacedConfigMap({ name, namespace })
          : resource === "secrets"
            ? core.deleteNamespacedSecret({ name, namespace })
            : core.deleteNamespacedServiceAccount({ name, namespace });
      await del.then(
        () => display.line(`${objectRef(object).replace("/", ' "')}" deleted`),
        () => undefined,
      );
    }
  }
  if (!deleted) {
    return {
      exitCode: 1,
      summary: `delete did not finish within ${seconds(deleteTimeoutMs)}: ${remaining} still present (see --verbose for the bridge's log)`,
    };
  }
  display.line(
    `all pods and their ${groupsSeen.size} container group(s) are gone (${seconds(Date.now() - t0)} in all)`,
  );
  if (result) return { ...result, summary: `${result.summary}; deleted cleanly` };
  return { exitCode: 0, summary: "deleted cleanly" };
}

/** Part of the change key: the STATUS column without clocks. */
function podKeyStatus(pod: V1Pod): string {
  return (pod.status?.containerStatuses ?? [])
    .map((c) => `${c.ready}:${Object.keys(c.state ?? {}).join()}:${c.state?.waiting?.reason ?? ""}`)
    .join("|");
}
