/**
 * The queue error table through both senders against Azurite's real answers: the Functions' SDK sender
 * (`lib/queue/client.ts`) and the watcher's HTTP sender (`lib/queue/http.ts`) must turn the same answer into
 * the same error.
 */
import { describe, expect, inject, it } from "vitest";
import { TransientError, UnauthorizedError } from "../../lib/errors.js";
import { createQueueClient, queueSender } from "../../lib/queue/client.js";
import { connectionStringEndpoint, httpQueueSender } from "../../lib/queue/http.js";
import type { PodMessageSender } from "../../lib/queue/message.js";

const message = { v: 1 as const, ns: "shop", name: "web-0", reason: "added" as const };
let counter = 0;
const queueName = () => `errors-${process.pid}-${++counter}`;

const senders = (connectionString: string, name: string): Record<string, PodMessageSender> => ({
  sdk: queueSender(createQueueClient({ queueName: name, connectionString })),
  http: httpQueueSender(connectionStringEndpoint(connectionString, name)),
});

async function failure(sender: PodMessageSender): Promise<Error> {
  try {
    await sender.send(message);
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the send to fail");
}

describe("the same Storage answer, the same error, from both senders", () => {
  it("a missing queue (404 QueueNotFound) is transient", async () => {
    const both = senders(inject("azuriteConnectionString"), queueName());
    const sdk = await failure(both.sdk!);
    const http = await failure(both.http!);
    for (const e of [sdk, http]) expect(e).toBeInstanceOf(TransientError);
    expect(http.message).toBe(sdk.message);
    expect(sdk.message).toBe("queue: 404 QueueNotFound");
  });

  it("a wrong account key (403) is unauthorized", async () => {
    const conn = inject("azuriteConnectionString");
    const name = queueName();
    await createQueueClient({ queueName: name, connectionString: conn }).create();
    const badKey = conn.replace(
      /AccountKey=[^;]+/,
      `AccountKey=${Buffer.from("x".repeat(64)).toString("base64")}`,
    );
    const both = senders(badKey, name);
    const sdk = await failure(both.sdk!);
    const http = await failure(both.http!);
    for (const e of [sdk, http]) expect(e).toBeInstanceOf(UnauthorizedError);
    expect(http.message).toBe(sdk.message);
  });

  it("delays are clamped to the queue's 7 days the same way (one clamp)", async () => {
    const conn = inject("azuriteConnectionString");
    const name = queueName();
    const queue = createQueueClient({ queueName: name, connectionString: conn });
    await queue.create();
    const both = senders(conn, name);
    await both.sdk!.send(message, 30 * 24 * 3600);
    await both.http!.send(message, 30 * 24 * 3600);
    expect((await queue.getProperties()).approximateMessagesCount).toBe(2);
    expect((await queue.receiveMessages()).receivedMessageItems).toHaveLength(0);
  });
});
