/**
 * The bad-input corpus (issue 9) end to end: every case in cases.ts goes through the real podEvents / reconcile
 * handlers against the ACI simulator, the Kubernetes API fake and Azurite, sharing one harness (distinct pod
 * names per case). Cases run in table order; the isolation case comes last and checks that nothing leaked into
 * the good pods. docs/bad-input.md is generated from the same table.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import type { CoreV1Event, V1Node } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { added, NODE, startBridgeHarness, type BridgeHarness, type LogLine } from "../support/bridge.js";
import {
  CASES,
  CATEGORY_TITLES,
  corpusEntrypoints,
  TODO_CASES,
  type ArmGroup,
  type Category,
  type CorpusCase,
  type Expect,
  type Input,
} from "./cases.js";
import { DOC_PATH, documentedIds, renderBadInputDoc } from "./doc.js";

const NS = "default";
const root = resolve(__dirname, "../..");

type MessageInput = Extract<Input, { kind: "message" }>;
type PodInput = Extract<Input, { kind: "pod" }>;
type ScenarioInput = Extract<Input, { kind: "scenario" }>;

let h: BridgeHarness;
const registry = corpusEntrypoints();
/** Pods that must end with exactly one container group (shared harness). */
const goodPods = new Set<string>();
/** Pods the bridge failed, with their reason (shared harness). */
const failedPods = new Map<string, string>();
/** Pods held back by failing credentials: delivered again once the credentials work. */
const retriedPods: string[] = [];

beforeAll(async () => {
  h = await startBridgeHarness({ aci: { throttling: false }, entrypoints: registry });
});
afterAll(async () => {
  await h?.close();
});

// ---- observation helpers ----

interface Mark {
  logs: number;
  arm: number;
  kube: number;
}

const mark = (x: BridgeHarness): Mark => ({
  logs: x.logs.length,
  arm: x.aci.calls.length,
  kube: x.kube.calls.length,
});
const logsSince = (x: BridgeHarness, m: Mark): LogLine[] => x.logs.slice(m.logs);
const armSince = (x: BridgeHarness, m: Mark) => x.aci.calls.slice(m.arm);
const kubeSince = (x: BridgeHarness, m: Mark) => x.kube.calls.slice(m.kube);
const isWrite = (call: { method: string }) => call.method !== "GET";
const podLogs = (x: BridgeHarness, m: Mark, name: string) =>
  logsSince(x, m).filter((l) => l.fields.pod === `${NS}/${name}`);
const named = (logs: LogLine[], event: string) => logs.filter((l) => l.event === event);

function groupCalls<T extends { path: string }>(calls: T[], name: string): T[] {
  const path = `/containergroups/${NS}-${name}`.toLowerCase();
  return calls.filter((c) => c.path.toLowerCase().endsWith(path));
}

function warningEvents(x: BridgeHarness, name: string): CoreV1Event[] {
  return x.kube
    .list<CoreV1Event>("events", NS)
    .filter((e) => e.involvedObject.name === name && e.type === "Warning");
}

async function decoded(queue: BridgeHarness["queue"]): Promise<string[]> {
  const peeked = await queue.peekMessages({ numberOfMessages: 32 });
  return peeked.peekedMessageItems.map((m) => Buffer.from(m.messageText, "base64").toString("utf8"));
}

/** Pod names of the (first 32) messages waiting in pod-events. */
async function queuedPods(x: BridgeHarness): Promise<string[]> {
  return (await decoded(x.queue)).map((text) => {
    try {
      return String((JSON.parse(text) as { name?: unknown }).name);
    } catch {
      return text;
    }
  });
}

/** Delivers a dequeued message text the way the Functions library does: parsed when it is JSON. */
function deliverText(x: BridgeHarness, text: string): Promise<void> {
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // handed over as a string
  }
  return x.deliver(body);
}

function readyCondition(x: BridgeHarness) {
  return x.kube.get<V1Node>("nodes", undefined, NODE)?.status?.conditions?.find((c) => c.type === "Ready");
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}

function deadKubeconfig(port: number): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "  - name: dead",
    "    cluster:",
    `      server: http://127.0.0.1:${port}`,
    "      insecure-skip-tls-verify: true",
    "users:",
    "  - name: node",
    "    user:",
    "      token: not-a-real-token",
    "contexts:",
    "  - name: dead",
    "    context:",
    "      cluster: dead",
    "      user: node",
    "current-context: dead",
    "",
  ].join("\n");
}

// ---- runners ----

async function runMessageCase(input: MessageInput, e: Expect): Promise<void> {
  if (input.pod) {
    if (input.nodeName) h.kube.createPod(input.pod, { nodeName: input.nodeName });
    else h.createBoundPod(input.pod);
  }
  await h.poison.clearMessages();
  const m = mark(h);
  await expect(deliverText(h, input.text)).resolves.toBeUndefined();
  const logs = logsSince(h, m);
  const invalid = named(logs, "message.invalid");

  if (e.outcome === "poison") {
    expect(invalid).toHaveLength(1);
    expect(logs).toHaveLength(1);
    expect(invalid[0]!.level).toBe("error");
    expect(String(invalid[0]!.fields.error)).toMatch(e.error);
    // The body is only previewed (120 printable characters), never logged whole.
    expect(invalid[0]!.text.length).toBeLessThan(512);
    expect(await decoded(h.poison)).toEqual([e.poisonBody ?? input.text]);
    expect(armSince(h, m)).toEqual([]);
    expect(kubeSince(h, m)).toEqual([]);
    return;
  }
  if (e.outcome !== "handled") throw new Error(`message case with outcome ${e.outcome}`);
  expect(invalid).toEqual([]);
  expect(await decoded(h.poison)).toEqual([]);
  expect(named(logs, e.event)).toHaveLength(1);
  expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  const name = String(named(logs, e.event)[0]!.fields.pod).split("/")[1] ?? "";
  const writes = armSince(h, m).filter(isWrite);
  if (e.event === "cg.created") {
    expect(writes.map((c) => [c.method, c.status])).toEqual([["PUT", 201]]);
    goodPods.add(name);
  } else {
    expect(writes).toEqual([]);
    if (e.event === "pod.ignored") expect(armSince(h, m)).toEqual([]);
    expect(kubeSince(h, m).filter(isWrite)).toEqual([]);
  }
}

async function runPodCase(x: BridgeHarness, input: PodInput, e: Expect): Promise<void> {
  for (const s of input.secrets ?? []) x.kube.createSecret(s);
  for (const cm of input.configMaps ?? []) x.kube.createConfigMap(cm);
  const pod = x.createBoundPod(input.pod);
  const name = pod.metadata!.name!;
  const m = mark(x);
  await expect(x.deliver(added(pod))).resolves.toBeUndefined();
  const logs = podLogs(x, m, name);
  expect(named(logs, "message.retry")).toEqual([]);
  const puts = groupCalls(armSince(x, m), name).filter((c) => c.method === "PUT");

  if (e.outcome === "runs") {
    expect(named(logs, "cg.created")).toHaveLength(1);
    expect(puts.map((c) => c.status)).toEqual([201]);
    expect(x.pod(NS, name)?.status?.phase).not.toBe("Failed");
    const group = x.group(NS, name);
    expect(group).toBeDefined();
    e.check?.(group as unknown as ArmGroup);
    expect(warningEvents(x, name).map((w) => w.reason)).toEqual(e.warnings ?? []);
    // Nothing the pod carries is echoed into the logs wholesale (e.g. a 200 KiB annotation).
    for (const line of logs) expect(line.text.length).toBeLessThan(2048);
    if (x === h) goodPods.add(name);
    return;
  }
  if (e.outcome === "waits") {
    const status = x.pod(NS, name)!.status!;
    expect(status.phase).toBe("Pending");
    const waiting = status.containerStatuses?.[0]?.state?.waiting;
    expect(waiting?.reason).toBe(e.reason);
    if (e.reason === "CreateContainerConfigError") {
      expect(`Error: ${waiting?.message}`).toBe(e.eventMessage);
    }
    const warnings = warningEvents(x, name);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ reason: e.event, message: e.eventMessage, count: 1 });
    const waits = named(logs, "pod.waiting.reference");
    expect(waits).toHaveLength(1);
    expect(waits[0]!.fields.retrySeconds).toBe(10); // the back-off's first follow-up (invisible for now)
    expect(named(logs, "pod.failed")).toEqual([]);
    expect(named(logs, "cg.create.failed")).toEqual([]);
    expect(puts).toEqual([]);
    expect(x.group(NS, name)).toBeUndefined();
    if (e.secret) {
      const seen = JSON.stringify([status, x.kube.list("events", NS), x.logs.map((l) => l.text)]);
      expect(seen).not.toContain(e.secret);
    }
    // Looking again costs no ARM call and no status patch: only the Event's count moves.
    const again = mark(x);
    await expect(x.deliver(added(pod))).resolves.toBeUndefined();
    expect(armSince(x, again)).toEqual([]);
    expect(kubeSince(x, again).filter((c) => isWrite(c) && c.path.endsWith("/status"))).toEqual([]);
    expect(x.pod(NS, name)!.status!.phase).toBe("Pending");
    return;
  }
  if (e.outcome !== "failed") throw new Error(`pod case with outcome ${e.outcome}`);

  const status = x.pod(NS, name)!.status!;
  expect(status.phase).toBe("Failed");
  expect(status.reason).toBe(e.reason);
  expect(status.message!.slice(0, e.field.length + 2)).toBe(`${e.field}: `);

  const warnings = warningEvents(x, name);
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatchObject({ reason: e.reason, count: 1 });
  expect(warnings[0]!.message!.length).toBeLessThanOrEqual(1024);

  const failedLogs = named(logs, "cg.create.failed");
  expect(failedLogs).toHaveLength(1);
  expect(failedLogs[0]!.level).toBe("error");
  expect(failedLogs[0]!.fields).toMatchObject({ reason: e.reason, field: e.field });
  expect(named(logs, "pod.failed")).toHaveLength(1);

  expect(puts.map((c) => c.status)).toEqual(e.armRejected ? [400] : []);
  expect(x.group(NS, name)).toBeUndefined();
  expect(await queuedPods(x)).not.toContain(name);

  if (e.secret) {
    const seen = JSON.stringify([status, x.kube.list("events", NS), x.logs.map((l) => l.text)]);
    expect(seen).not.toContain(e.secret);
  }

  // No retry storm: the same message again changes nothing.
  const again = mark(x);
  await expect(x.deliver(added(pod))).resolves.toBeUndefined();
  expect(kubeSince(x, again).filter(isWrite)).toEqual([]);
  expect(logsSince(x, again)).toEqual([]);
  expect(armSince(x, again).filter(isWrite)).toEqual([]);
  expect(armSince(x, again)).toEqual([]); // a final pod costs no ARM call at all
  expect(x.pod(NS, name)!.status).toEqual(status);
  if (x === h) failedPods.set(name, e.reason);
}

/**
 * Checks shared by every transient case: the handler completed after sending a delayed copy (the host's
 * dequeue count is not spent), nothing terminal happened to the pod.
 */
function expectRetried(x: BridgeHarness, m: Mark, name: string, e: Expect): void {
  expect(named(logsSince(x, m), "message.retry")).toEqual([]);
  const retry = named(logsSince(x, m), "message.retry.deferred");
  expect(retry).toHaveLength(1);
  expect(retry[0]!.fields).toMatchObject({ pod: `${NS}/${name}`, attempt: 1 });
  if (e.outcome === "retried") expect(String(retry[0]!.fields.error)).toMatch(e.error);
  const logs = podLogs(x, m, name);
  expect(named(logs, "pod.failed")).toEqual([]);
  expect(named(logs, "cg.create.failed")).toEqual([]);
  expect(x.pod(NS, name)?.status?.phase ?? "Pending").toBe("Pending");
  expect(warningEvents(x, name)).toEqual([]);
  expect(groupCalls(armSince(x, m), name).filter(isWrite)).toEqual([]);
  const podWrites = kubeSince(x, m).filter((c) => isWrite(c) && /\/pods\/|\/events/.test(c.path));
  expect(podWrites).toEqual([]);
}

async function runScenario(input: ScenarioInput, e: Expect): Promise<void> {
  const errorPattern = e.outcome === "retried" ? e.error : /./;
  switch (input.scenario) {
    case "arm-401":
    case "arm-403": {
      const status = input.scenario === "arm-401" ? 401 : 403;
      const pod = h.createBoundPod(input.pod!);
      const name = pod.metadata!.name!;
      const remove = h.aci.faults.add({ effect: { kind: "auth", status } });
      try {
        const m = mark(h);
        await expect(h.deliver(added(pod))).resolves.toBeUndefined();
        expectRetried(h, m, name, e);
        if (status === 401) {
          await h.tick();
          expect(readyCondition(h)).toMatchObject({ status: "False", reason: "ArmUnauthorized" });
          expect(named(logsSince(h, m), "arm.unhealthy")[0]?.fields).toMatchObject({
            reason: "ArmUnauthorized",
          });
        }
      } finally {
        remove();
      }
      retriedPods.push(name);
      return;
    }
    case "kube-403": {
      const pod = h.createBoundPod(input.pod!);
      const name = pod.metadata!.name!;
      const remove = h.kube.faults.add({
        method: "GET",
        path: new RegExp(`/namespaces/${NS}/pods/${name}$`),
        status: 403,
        reason: "Forbidden",
        message: `pods "${name}" is forbidden: User "system:node:${NODE}" cannot get resource "pods"`,
      });
      try {
        const m = mark(h);
        await expect(h.deliver(added(pod))).resolves.toBeUndefined();
        expectRetried(h, m, name, e);
        expect(armSince(h, m)).toEqual([]);
      } finally {
        remove();
      }
      retriedPods.push(name);
      return;
    }
    case "registry-unavailable": {
      const pod = h.createBoundPod(input.pod!);
      const name = pod.metadata!.name!;
      registry.registryDown = true;
      const m = mark(h);
      await expect(h.deliver(added(pod))).resolves.toBeUndefined();
      expectRetried(h, m, name, e);
      expect(groupCalls(armSince(h, m), name).filter((c) => c.method === "PUT")).toEqual([]);
      retriedPods.push(name);
      return;
    }
    case "kube-dead-port": {
      const dead = await startBridgeHarness({
        aci: { throttling: false },
        env: { KUBECONFIG_CONTENT: deadKubeconfig(await closedPort()) },
        entrypoints: registry,
      });
      try {
        const m = mark(dead);
        const text = JSON.stringify({ v: 1, ns: NS, name: "cred-kube-dead-port", reason: "added" });
        await expect(deliverText(dead, text)).resolves.toBeUndefined();
        expect(named(logsSince(dead, m), "message.retry")).toEqual([]);
        const retry = named(logsSince(dead, m), "message.retry.deferred");
        expect(retry).toHaveLength(1);
        expect(retry[0]!.fields).toMatchObject({ attempt: 1 });
        expect(String(retry[0]!.fields.error)).toMatch(errorPattern);
        expect(dead.aci.calls).toEqual([]);
        expect(await decoded(dead.poison)).toEqual([]);
        // The timer logs the failed heartbeat and fails its invocation (the host counts it), after its other work.
        await expect(dead.tick()).rejects.toThrow(/^heartbeat failed .*ECONNREFUSED/);
        const heartbeat = dead.events("node.heartbeat.failed");
        expect(heartbeat).toHaveLength(1);
        expect(heartbeat[0]!.level).toBe("error");
        expect(String(heartbeat[0]!.fields.error)).toMatch(/ECONNREFUSED/);
      } finally {
        await dead.close();
      }
      return;
    }
    case "good-pod-last": {
      // Credentials and the registry work again; a fresh Functions instance starts with no timer state.
      h.aci.faults.clear();
      h.kube.faults.clear();
      registry.registryDown = false;
      const state = h.runtime.tickState;
      delete state.arm;
      delete state.lastArmCheckAt;
      delete state.lastRepairAt;

      const pod = h.createBoundPod(input.pod!);
      const name = pod.metadata!.name!;
      goodPods.add(name);
      for (const held of retriedPods) {
        await h.deliver(added(h.pod(NS, held)!), 2); // the host's retry
        goodPods.add(held);
      }
      await h.deliver(added(pod));
      const running = () => [...goodPods].every((n) => h.pod(NS, n)?.status?.phase === "Running");
      await h.runUntil(running, 30_000, 250);
      // One more timer pass (status sync + repair) over everything the corpus left behind.
      await h.tick();
      await h.pump();
      expect(running()).toBe(true);
      expect(readyCondition(h)).toMatchObject({ status: "True" });

      const okPuts = h.aci.calls.filter((c) => c.method === "PUT" && c.status >= 200 && c.status < 300);
      expect(okPuts).toHaveLength(goodPods.size);
      expect(h.aci.countCalls({ method: "DELETE" })).toBe(0);
      expect(new Set(h.aci.listGroups().map((g) => g.name))).toEqual(
        new Set([...goodPods].map((n) => `${NS}-${n}`)),
      );
      for (const [bad, reason] of failedPods) {
        expect(h.pod(NS, bad)!.status).toMatchObject({ phase: "Failed", reason });
        expect(h.group(NS, bad)).toBeUndefined();
      }
      // Each bad pod was failed exactly once over the whole run.
      expect(h.events("pod.failed")).toHaveLength(failedPods.size);
      expect(h.events("cg.create.failed")).toHaveLength(failedPods.size);
      return;
    }
  }
}

// ---- the suite ----

const byCategory = (category: Category) => CASES.filter((c) => c.category === category);
const title = (c: CorpusCase) => `${c.id}: ${c.description}`;

describe(CATEGORY_TITLES.message, () => {
  for (const c of byCategory("message")) {
    it(title(c), async () => {
      if (c.input.kind !== "message") throw new Error("message input expected");
      await runMessageCase(c.input, c.expect);
    });
  }
});

describe(CATEGORY_TITLES.podSpec, () => {
  for (const c of byCategory("podSpec")) {
    it(title(c), async () => {
      if (c.input.kind !== "pod") throw new Error("pod input expected");
      await runPodCase(h, c.input, c.expect);
    });
  }
});

describe(CATEGORY_TITLES.annotation, () => {
  const cases = byCategory("annotation");
  for (const c of cases.filter((x) => x.input.kind === "pod" && !x.input.harness)) {
    it(title(c), async () => {
      if (c.input.kind !== "pod") throw new Error("pod input expected");
      await runPodCase(h, c.input, c.expect);
    });
  }

  describe("with ACI_ALLOW_PUBLIC_IP=true", () => {
    let hp: BridgeHarness;
    beforeAll(async () => {
      hp = await startBridgeHarness({
        aci: { throttling: false },
        env: { ACI_ALLOW_PUBLIC_IP: "true" },
        entrypoints: registry,
      });
    });
    afterAll(async () => {
      await hp?.close();
    });
    for (const c of cases.filter((x) => x.input.kind === "pod" && x.input.harness === "publicIp")) {
      it(title(c), async () => {
        if (c.input.kind !== "pod") throw new Error("pod input expected");
        await runPodCase(hp, c.input, c.expect);
      });
    }
  });
});

describe(CATEGORY_TITLES.credentials, () => {
  for (const c of byCategory("credentials")) {
    it(title(c), async () => {
      if (c.input.kind !== "scenario") throw new Error("scenario input expected");
      await runScenario(c.input, c.expect);
    });
  }
});

describe(CATEGORY_TITLES.isolation, () => {
  for (const c of byCategory("isolation")) {
    it(
      title(c),
      async () => {
        if (c.input.kind !== "scenario") throw new Error("scenario input expected");
        await runScenario(c.input, c.expect);
      },
      45_000,
    );
  }
});

if (TODO_CASES.length > 0) {
  describe("known gaps (reported, not yet fixed)", () => {
    for (const t of TODO_CASES) it.todo(`${t.id}: ${t.description} — ${t.reason}`);
  });
}

describe("the corpus itself", () => {
  it("has at least 40 cases with unique ids, in every category", () => {
    const ids = [...CASES.map((c) => c.id), ...TODO_CASES.map((t) => t.id)];
    expect(new Set(ids).size).toBe(ids.length);
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    for (const category of Object.keys(CATEGORY_TITLES) as Category[]) {
      expect(byCategory(category).length).toBeGreaterThan(0);
    }
  });

  it(`${DOC_PATH} lists every case and known gap`, () => {
    const path = join(root, DOC_PATH);
    if (process.env["UPDATE_BAD_INPUT_DOC"]) writeFileSync(path, renderBadInputDoc(CASES, TODO_CASES));
    const documented = documentedIds(readFileSync(path, "utf8"));
    expect([...documented].sort()).toEqual(
      [...CASES.map((c) => c.id), ...TODO_CASES.map((t) => t.id)].sort(),
    );
  });
});
