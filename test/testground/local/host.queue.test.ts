/**
 * The local Functions host's queue trigger against Azurite: poison after maxDequeueCount, dequeueCount
 * passed through, JSON vs string bodies, undecodable base64, batch concurrency, idle back-off, graceful stop.
 */
import { randomUUID } from "node:crypto";
import { QueueClient, QueueServiceClient } from "@azure/storage-queue";
import type { InvocationContext } from "@azure/functions";
import { afterEach, describe, expect, inject, it, vi } from "vitest";
import {
  startLocalHost,
  type HostJsonSettings,
  type HostLogLine,
  type LocalHost,
  type QueueFunctionDefinition,
} from "../../../testground/local/host.js";

const connectionString = inject("azuriteConnectionString");
const service = QueueServiceClient.fromConnectionString(connectionString);
const b64 = (text: string) => Buffer.from(text).toString("base64");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Short intervals so each test runs in well under a second or two. */
function hostJson(queues: NonNullable<HostJsonSettings["extensions"]>["queues"] = {}): HostJsonSettings {
  return {
    version: "2.0",
    extensions: {
      queues: {
        maxPollingInterval: "00:00:00.2",
        visibilityTimeout: "00:00:00",
        batchSize: 16,
        newBatchThreshold: 8,
        maxDequeueCount: 5,
        messageEncoding: "base64",
        ...queues,
      },
    },
  };
}

async function newQueue(): Promise<QueueClient> {
  const queue = service.getQueueClient(`host-${randomUUID().slice(0, 8)}`);
  await queue.create();
  return queue;
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(20);
  }
}

async function peekAll(queue: QueueClient): Promise<string[]> {
  if (!(await queue.exists())) return [];
  const r = await queue.peekMessages({ numberOfMessages: 32 });
  return r.peekedMessageItems.map((m) => m.messageText);
}

const hosts: LocalHost[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(hosts.splice(0).map((h) => h.stop()));
});

async function start(
  queue: QueueClient,
  handler: QueueFunctionDefinition["handler"],
  settings = hostJson(),
  lines: HostLogLine[] = [],
): Promise<LocalHost> {
  const host = await startLocalHost({
    hostJson: settings,
    connections: { QueueConnection: connectionString },
    queueFunctions: [{ name: "podEvents", queueName: queue.name, connection: "QueueConnection", handler }],
    log: (line) => lines.push(line),
  });
  hosts.push(host);
  return host;
}

describe("local host: queue trigger", () => {
  it("retries a failing message, passes dequeueCount through, then moves it to <queue>-poison once", async () => {
    const queue = await newQueue();
    const poison = service.getQueueClient(`${queue.name}-poison`);
    const seen: unknown[] = [];
    const lines: HostLogLine[] = [];
    const host = await start(
      queue,
      async (_message, context) => {
        seen.push(context.triggerMetadata?.dequeueCount);
        context.error("handler.failed", { attempt: context.triggerMetadata?.dequeueCount });
        throw new Error("boom");
      },
      hostJson(),
      lines,
    );
    const body = b64(JSON.stringify({ v: 1, ns: "default", name: "web-0", uid: "u1", reason: "added" }));
    await queue.sendMessage(body);

    await waitFor(async () => (await peekAll(poison)).length === 1);
    expect(await peekAll(poison)).toEqual([body]); // same encoded body
    await sleep(600); // several polling intervals: the message must not come back
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(await peekAll(queue)).toEqual([]);
    expect(host.stats).toMatchObject({ invocations: 5, failures: 5, succeeded: 0, poisoned: 1 });

    const failed = lines.filter((l) =>
      /^Executed 'Functions\.podEvents' \(Failed, Id=[0-9a-f-]{36}, Duration=\d+ms\)/.test(l.message),
    );
    expect(failed).toHaveLength(5);
    expect(failed[0]!.level).toBe("error");
    expect(failed[0]!.message).toContain("Exception: Error: boom");
    const fnLine = lines.find((l) => l.category === "Function")!;
    expect(fnLine).toMatchObject({
      level: "error",
      functionName: "podEvents",
      message: "handler.failed { attempt: 1 }",
    });
    expect(
      lines.some(
        (l) =>
          l.level === "warning" &&
          l.message.includes(
            `has reached MaxDequeueCount of 5. Moving message to queue '${queue.name}-poison'.`,
          ),
      ),
    ).toBe(true);
  });

  it("delays a retry by visibilityTimeout", async () => {
    const queue = await newQueue();
    const times: number[] = [];
    await start(
      queue,
      async () => {
        times.push(Date.now());
        if (times.length === 1) throw new Error("first attempt fails");
      },
      hostJson({ visibilityTimeout: "00:00:01" }),
    );
    await queue.sendMessage(b64("x"));
    await waitFor(() => times.length === 2);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(900);
  });

  it("hands a JSON body over parsed and any other body as a string, with the binding's trigger metadata", async () => {
    const queue = await newQueue();
    const got: { message: unknown; context: InvocationContext }[] = [];
    const host = await start(queue, async (message, context) => {
      got.push({ message, context });
    });
    await queue.sendMessage(b64('{"v":1,"name":"web-0"}'));
    await waitFor(() => got.length === 1);
    await queue.sendMessage(b64("plain text, not JSON"));
    await waitFor(() => got.length === 2);

    expect(got[0]!.message).toEqual({ v: 1, name: "web-0" });
    expect(got[1]!.message).toBe("plain text, not JSON");
    const meta = got[1]!.context.triggerMetadata!;
    expect(meta).toMatchObject({
      dequeueCount: 1,
      queueTrigger: "plain text, not JSON",
      id: expect.any(String),
      popReceipt: expect.any(String),
      insertionTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d.*\+00:00$/),
      expirationTime: expect.any(String),
      nextVisibleTime: expect.any(String),
      sys: { methodName: "podEvents", utcNow: expect.any(String), randGuid: expect.any(String) },
    });
    // The library JSON-parses every string metadata value, queueTrigger included.
    expect(got[0]!.context.triggerMetadata!.queueTrigger).toEqual({ v: 1, name: "web-0" });
    expect(got[0]!.context.functionName).toBe("podEvents");
    expect(got[0]!.context.options.trigger).toMatchObject({ type: "queueTrigger", queueName: queue.name });
    await host.idle();
    expect(await peekAll(queue)).toEqual([]); // deleted on success
  });

  it("moves a body that is not valid base64 straight to the poison queue without invoking", async () => {
    const queue = await newQueue();
    const lines: HostLogLine[] = [];
    let calls = 0;
    const host = await start(
      queue,
      async () => {
        calls++;
      },
      hostJson(),
      lines,
    );
    await queue.sendMessage('{"v":1} is not base64');
    const poison = service.getQueueClient(`${queue.name}-poison`);
    await waitFor(async () => (await peekAll(poison)).length === 1);
    expect(await peekAll(poison)).toEqual(['{"v":1} is not base64']);
    expect(calls).toBe(0);
    expect(host.stats).toMatchObject({ decodeFailures: 1, poisoned: 1, invocations: 0 });
    expect(
      lines.some((l) => l.message.startsWith("Message decoding has failed! Check MessageEncoding settings.")),
    ).toBe(true);
  });

  it("reads raw text with messageEncoding none", async () => {
    const queue = await newQueue();
    const got: unknown[] = [];
    await start(queue, async (m) => void got.push(m), hostJson({ messageEncoding: "none" }));
    await queue.sendMessage('{"v":1}');
    await waitFor(() => got.length === 1);
    expect(got[0]).toEqual({ v: 1 });
  });

  it("runs a batch concurrently but never more than batchSize + newBatchThreshold at once", async () => {
    const queue = await newQueue();
    await Promise.all(Array.from({ length: 20 }, (_, i) => queue.sendMessage(b64(`{"i":${i}}`))));
    let running = 0;
    let max = 0;
    const done = new Set<number>();
    const host = await start(
      queue,
      async (m) => {
        running++;
        max = Math.max(max, running);
        await sleep(150);
        running--;
        done.add((m as { i: number }).i);
      },
      hostJson({ batchSize: 4, newBatchThreshold: 2 }),
    );
    await waitFor(() => done.size === 20);
    expect(max).toBeLessThanOrEqual(6);
    expect(max).toBeGreaterThanOrEqual(4);
    expect(host.stats.byFunction.podEvents!.maxInFlight).toBe(max);
  });

  it("backs off on an idle queue up to maxPollingInterval, and picks up a new message within it", async () => {
    const queue = await newQueue();
    const polls: number[] = [];
    const original = QueueClient.prototype.receiveMessages;
    vi.spyOn(QueueClient.prototype, "receiveMessages").mockImplementation(function (
      this: QueueClient,
      ...args
    ) {
      if (this.name === queue.name) polls.push(Date.now());
      return original.apply(this, args);
    });
    const got: number[] = [];
    await start(queue, async () => void got.push(Date.now()), hostJson({ maxPollingInterval: "00:00:00.4" }));
    await sleep(2500);
    const gaps = polls.slice(1).map((t, i) => t - polls[i]!);
    expect(gaps.length).toBeGreaterThanOrEqual(5);
    expect(gaps.length).toBeLessThanOrEqual(14); // not a tight loop
    expect(Math.max(...gaps)).toBeLessThan(400 + 150);
    expect(gaps[0]!).toBeLessThan(250); // starts near 100 ms…
    expect(Math.min(...gaps.slice(-3))).toBeGreaterThanOrEqual(350); // …and settles at the maximum

    const sent = Date.now();
    await queue.sendMessage(b64("wake up"));
    await waitFor(() => got.length === 1);
    expect(got[0]! - sent).toBeLessThan(400 + 200);
  });

  it("stops polling on stop() but lets the running invocation finish and completes its message", async () => {
    const queue = await newQueue();
    let finished = false;
    let started = false;
    const host = await start(queue, async () => {
      started = true;
      await sleep(300);
      finished = true;
    });
    await queue.sendMessage(b64("slow"));
    await waitFor(() => started);
    await host.stop();
    expect(finished).toBe(true);
    expect(await peekAll(queue)).toEqual([]);
    await queue.sendMessage(b64("after stop"));
    await sleep(400);
    expect(host.stats.invocations).toBe(1);
  });

  it("fails an invocation that exceeds functionTimeout and releases the message", async () => {
    const queue = await newQueue();
    const lines: HostLogLine[] = [];
    let attempts = 0;
    const host = await startLocalHost({
      hostJson: { ...hostJson(), functionTimeout: "00:00:02" },
      timeScale: 10, // 2 s of host time = 200 ms
      connections: { AzureWebJobsStorage: connectionString },
      queueFunctions: [
        {
          name: "podEvents",
          queueName: queue.name,
          connection: "",
          handler: async () => {
            attempts++;
            if (attempts === 1) await sleep(600);
          },
        },
      ],
      log: (l) => lines.push(l),
    });
    hosts.push(host);
    await queue.sendMessage(b64("x"));
    await waitFor(() => host.stats.succeeded === 1);
    expect(host.stats).toMatchObject({ timeouts: 1, failures: 1 });
    expect(
      lines.some((l) =>
        l.message.startsWith("Timeout value of 00:00:02 exceeded by function 'Functions.podEvents'"),
      ),
    ).toBe(true);
  });

  it("refuses to start without the connection setting, naming it", async () => {
    await expect(
      startLocalHost({
        hostJson: hostJson(),
        connections: {},
        queueFunctions: [{ name: "f", queueName: "q", connection: "Missing", handler: async () => {} }],
        log: () => {},
      }),
    ).rejects.toThrow(/'AzureWebJobsMissing' does not exist/);
  });
});
