/**
 * The local Functions host with the queue function on several instances (forked processes, each with its
 * own listener) against Azurite: the instances share the work, a SIGKILLed instance's message comes back
 * only after the (time-scaled) 10-minute processing visibility and runs on another instance, and a failing
 * message is poisoned after maxDequeueCount deliveries, whichever instances got them. Instances run the
 * compiled worker (dist/testground/local/hostWorker.js): `npm test` builds first.
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { QueueClient, QueueServiceClient } from "@azure/storage-queue";
import { afterEach, describe, expect, inject, it } from "vitest";
import {
  startLocalHost,
  type HostJsonSettings,
  type HostLogLine,
  type LocalHost,
} from "../../../testground/local/host.js";
import { PROCESSING_VISIBILITY_MS } from "../../../testground/local/hostQueue.js";

const connectionString = inject("azuriteConnectionString");
const service = QueueServiceClient.fromConnectionString(connectionString);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const FIXTURE = join(__dirname, "fixtures", "hostInstanceFunctions.cjs");

const hostJson = (queues: NonNullable<HostJsonSettings["extensions"]>["queues"] = {}): HostJsonSettings => ({
  version: "2.0",
  extensions: {
    queues: {
      maxPollingInterval: "00:00:00.2",
      visibilityTimeout: "00:00:00",
      batchSize: 2,
      newBatchThreshold: 1,
      maxDequeueCount: 5,
      ...queues,
    },
  },
});

const hosts: LocalHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.stop()));
});

async function newQueue(): Promise<QueueClient> {
  const queue = service.getQueueClient(`inst-${randomUUID().slice(0, 8)}`);
  await queue.create();
  return queue;
}

async function start(queue: QueueClient, lines: HostLogLine[], settings = hostJson(), timeScale = 1) {
  const host = await startLocalHost({
    hostJson: settings,
    connections: { QueueConnection: connectionString },
    queueFunctions: [
      {
        name: "podEvents",
        queueName: queue.name,
        connection: "QueueConnection",
        handler: () => Promise.reject(new Error("in-process handler must not run")),
        module: { path: FIXTURE, exportName: "testQueueFunction" },
      },
    ],
    queueInstances: 3,
    timeScale,
    stopTimeoutMs: 2_000,
    log: (line) => lines.push(line),
  });
  hosts.push(host);
  return host;
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(25);
  }
}

const functionLines = (lines: HostLogLine[], prefix: string) =>
  lines.filter((l) => l.category === "Function" && l.message.startsWith(prefix));

describe("local host: queue function on several instances", () => {
  it("runs 3 separate processes that share the messages", { timeout: 60_000 }, async () => {
    const queue = await newQueue();
    const lines: HostLogLine[] = [];
    const host = await start(queue, lines);
    const pids = host.instanceInfo().map((i) => i.pid);
    expect(new Set(pids).size).toBe(3);
    expect(pids).not.toContain(process.pid);

    const ids = Array.from({ length: 30 }, (_, i) => `m${i}`);
    await Promise.all(ids.map((id) => queue.sendMessage(b64({ id, sleepMs: 150 }))));
    await waitFor(() => functionLines(lines, "processed ").length >= ids.length, 40_000);
    await host.idle({ timeoutMs: 10_000 });

    const processed = functionLines(lines, "processed ");
    expect(new Set(processed.map((l) => l.message.split(" ")[1])).size).toBe(ids.length);
    const byInstance = new Map<number, number>();
    for (const l of processed) byInstance.set(l.instance ?? -1, (byInstance.get(l.instance ?? -1) ?? 0) + 1);
    expect([...byInstance.keys()].sort()).toEqual([0, 1, 2]);
    // Module state is per process: each instance's lines carry its own pid.
    for (const l of processed) expect(l.message).toContain(`pid=${pids[l.instance!]}`);
    expect(host.stats).toMatchObject({ invocations: 30, succeeded: 30, failures: 0 });
    expect(host.stats.byFunction.podEvents?.invocations).toBe(30);
    expect((await queue.getProperties()).approximateMessagesCount).toBe(0);
  });

  it(
    "a SIGKILLed instance's message reappears after the processing visibility and runs on another instance",
    { timeout: 60_000 },
    async () => {
      const queue = await newQueue();
      const lines: HostLogLine[] = [];
      // Host time ×300: the 10-minute processing visibility is 2 s of real time.
      const timeScale = 300;
      // maxPollingInterval 1 min of host time: idle instances poll every ~200 ms of real time.
      const host = await start(queue, lines, hostJson({ maxPollingInterval: "00:01:00" }), timeScale);
      await queue.sendMessage(b64({ id: "victim", hangOnFirst: true }));
      await waitFor(() => functionLines(lines, "started victim").length === 1, 10_000);
      const first = functionLines(lines, "started victim")[0]!;
      const killedAt = Date.now();
      host.kill(first.instance!);
      expect(host.instanceInfo()[first.instance!]?.state).toBe("killed");

      await waitFor(() => functionLines(lines, "processed victim").length === 1, 20_000);
      const elapsed = Date.now() - killedAt;
      const done = functionLines(lines, "processed victim")[0]!;
      expect(done.instance).not.toBe(first.instance);
      expect(done.message).toContain("dequeueCount=2");
      // Not before the visibility (whole seconds in Storage), and not redelivered while it was hidden.
      const visibilityRealMs = PROCESSING_VISIBILITY_MS / timeScale;
      expect(elapsed).toBeGreaterThanOrEqual(visibilityRealMs - 1_000);
      expect(functionLines(lines, "started victim")).toHaveLength(2);
      // The killed instance's invocation never completed: no "Executed" line for it.
      const executed = lines.filter(
        (l) => l.invocationId === first.invocationId && l.message.startsWith("Executed "),
      );
      expect(executed).toHaveLength(0);

      // The killed instance's invocation still counts (it ran), once: 2 deliveries, 1 success, no failure.
      expect(host.stats).toMatchObject({ invocations: 2, succeeded: 1, failures: 0, inFlight: 0 });

      // Flex starts a new instance in its place: a new process that takes work.
      const oldPid = host.instanceInfo()[first.instance!]?.pid;
      await host.restart(first.instance!);
      const info = host.instanceInfo()[first.instance!]!;
      expect(info.state).toBe("running");
      expect(info.pid).not.toBe(oldPid);
      expect(info.starts).toBe(2);
      await host.idle({ timeoutMs: 10_000 });
      expect(host.stats).toMatchObject({ invocations: 2, succeeded: 1 });
    },
  );

  it(
    "poisons a failing message after maxDequeueCount deliveries across instances",
    { timeout: 60_000 },
    async () => {
      const queue = await newQueue();
      const lines: HostLogLine[] = [];
      const host = await start(
        queue,
        lines,
        hostJson({ maxDequeueCount: 3, batchSize: 1, newBatchThreshold: 0 }),
      );
      await queue.sendMessage(b64({ id: "bad", fail: true, sleepMs: 100 }));
      const poison = service.getQueueClient(`${queue.name}-poison`);
      await waitFor(() => host.stats.poisoned === 1, 20_000);
      const started = functionLines(lines, "started bad");
      expect(started.map((l) => /dequeueCount=(\d)/.exec(l.message)?.[1])).toEqual(["1", "2", "3"]);
      expect(host.stats).toMatchObject({ invocations: 3, failures: 3, poisoned: 1 });
      const peeked = await poison.peekMessages({ numberOfMessages: 5 });
      expect(peeked.peekedMessageItems.map((m) => Buffer.from(m.messageText, "base64").toString())).toEqual([
        JSON.stringify({ id: "bad", fail: true, sleepMs: 100 }),
      ]);
      await sleep(500);
      expect(functionLines(lines, "started bad")).toHaveLength(3);
      expect((await queue.getProperties()).approximateMessagesCount).toBe(0);
    },
  );
});

describe("npm start --instances", () => {
  it("puts podEvents on N instances, one in-process by default, and rejects what is not a count", async () => {
    const { parseCli } = await import("../../../testground/local/main.js");
    const parsed = (argv: string[]) => {
      const r = parseCli(argv, {});
      if (r === "help") throw new Error("help");
      return r.options.podEventsInstances;
    };
    expect(parsed([])).toBeUndefined();
    expect(parsed(["--instances", "3"])).toBe(3);
    expect(() => parsed(["--instances", "0"])).toThrow(/--instances must be an integer from 1 to 32/);
    expect(() => parsed(["--instances", "2.5"])).toThrow(/--instances/);
  });
});
