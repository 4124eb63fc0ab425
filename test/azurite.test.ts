import { QueueServiceClient } from "@azure/storage-queue";
import { describe, expect, inject, it } from "vitest";

describe("Azurite (started by the global setup)", () => {
  it("round-trips a base64 JSON message like the Functions host expects", async () => {
    const service = QueueServiceClient.fromConnectionString(inject("azuriteConnectionString"));
    const queue = service.getQueueClient(`roundtrip-${Date.now()}`);
    await queue.create();
    const body = { v: 1, ns: "default", name: "web-0", uid: "u1", reason: "added" };
    await queue.sendMessage(Buffer.from(JSON.stringify(body)).toString("base64"));
    const received = await queue.receiveMessages({ numberOfMessages: 1 });
    expect(received.receivedMessageItems).toHaveLength(1);
    const item = received.receivedMessageItems[0]!;
    expect(JSON.parse(Buffer.from(item.messageText, "base64").toString("utf8"))).toEqual(body);
    expect(item.dequeueCount).toBe(1);
    await queue.delete();
  });
});
