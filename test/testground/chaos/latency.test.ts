/**
 * Latency profiles (testground/sim/latency.ts) and where they apply: the Kubernetes API fake's request handling and the
 * queue proxy in front of Azurite (which also refuses connections during a queue outage).
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { QueueServiceClient } from "@azure/storage-queue";
import { afterEach, describe, expect, inject, it } from "vitest";
import { startKubeFake, type KubeFake } from "../../../testground/sim/kube/index.js";
import {
  createLatencySampler,
  kubeOperation,
  queueOperation,
  REALISTIC_LATENCY,
  withSeed,
  type LatencyProfile,
} from "../../../testground/sim/latency.js";
import { startQueueProxy, type QueueProxy } from "../../../testground/sim/queueProxy.js";

const azurite = inject("azuriteConnectionString");
const azuritePort = Number(/:(\d+)\//.exec(azurite)?.[1]);
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

describe("latency sampler", () => {
  it("draws inside each range, reproducibly per seed and stream, and 0 for classes left out", () => {
    const a = createLatencySampler(REALISTIC_LATENCY, "kube");
    const b = createLatencySampler(REALISTIC_LATENCY, "kube");
    const drawsA = Array.from({ length: 200 }, () => a.delayMs("kube.list"));
    expect(drawsA).toEqual(Array.from({ length: 200 }, () => b.delayMs("kube.list")));
    expect(Math.min(...drawsA)).toBeGreaterThanOrEqual(20);
    expect(Math.max(...drawsA)).toBeLessThanOrEqual(80);
    expect(Math.max(...drawsA) - Math.min(...drawsA)).toBeGreaterThan(30);
    const other = createLatencySampler(withSeed(REALISTIC_LATENCY, 2), "kube");
    expect(Array.from({ length: 20 }, () => other.delayMs("kube.list"))).not.toEqual(drawsA.slice(0, 20));
    expect(a.delayMs("arm.read")).toBe(0);
    const bad: LatencyProfile = { name: "bad", seed: 1, ranges: { "kube.get": { minMs: 5, maxMs: 1 } } };
    expect(() => createLatencySampler(bad, "x")).toThrow(/minMs <= maxMs/);
  });

  it("classifies Kubernetes and queue requests", () => {
    expect(kubeOperation("GET", "/api/v1/namespaces/chaos/pods/web-0", "")).toBe("kube.get");
    expect(kubeOperation("GET", "/api/v1/namespaces/chaos/pods", "")).toBe("kube.list");
    expect(kubeOperation("GET", "/api/v1/pods", "?fieldSelector=spec.nodeName%3Dvk&watch=true")).toBe(
      "kube.list",
    );
    expect(kubeOperation("GET", "/api/v1/nodes/vk", "")).toBe("kube.get");
    expect(kubeOperation("GET", "/api/v1/namespaces/chaos", "")).toBe("kube.get");
    expect(
      kubeOperation("GET", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/vk", ""),
    ).toBe("kube.get");
    expect(kubeOperation("PATCH", "/api/v1/namespaces/chaos/pods/web-0/status", "")).toBe("kube.write");
    expect(queueOperation("POST", "/devstoreaccount1/pod-events/messages")).toBe("queue.send");
    expect(queueOperation("GET", "/devstoreaccount1/pod-events/messages")).toBe("queue.receive");
    expect(queueOperation("DELETE", "/devstoreaccount1/pod-events/messages/abc")).toBe("queue.delete");
    expect(queueOperation("PUT", "/devstoreaccount1/pod-events/messages/abc")).toBe("queue.update");
    expect(queueOperation("PUT", "/devstoreaccount1/pod-events")).toBe("queue.other");
  });
});

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

describe("Kubernetes API fake latency", () => {
  it("delays LISTs by the profile's range and not at all without a profile", async () => {
    const slow: LatencyProfile = {
      name: "test",
      seed: 1,
      ranges: { "kube.list": { minMs: 400, maxMs: 410 } },
    };
    const fakes: KubeFake[] = [await startKubeFake({ latency: slow }), await startKubeFake()];
    for (const f of fakes) closers.push(() => f.close());
    const list = (f: KubeFake) => fetch(`${f.url}/api/v1/namespaces/default/pods`).then((r) => r.text());
    const get = (f: KubeFake) => fetch(`${f.url}/api/v1/namespaces/default`).then((r) => r.text());
    await Promise.all(fakes.map(get)); // warm up connections and code paths
    expect(await timed(() => list(fakes[0]!))).toBeGreaterThanOrEqual(395);
    // Margins for a loaded machine: the point is 400 ms versus none.
    expect(await timed(() => list(fakes[1]!))).toBeLessThan(300);
    expect(await timed(() => get(fakes[0]!))).toBeLessThan(300);
  });
});

describe("queue proxy", () => {
  async function proxy(latency?: LatencyProfile): Promise<QueueProxy> {
    const p = await startQueueProxy({ targetPort: azuritePort, ...(latency ? { latency } : {}) });
    closers.push(() => p.close());
    return p;
  }

  it("forwards to Azurite with the profile's delay per operation", async () => {
    const slow: LatencyProfile = {
      name: "test",
      seed: 1,
      ranges: { "queue.send": { minMs: 400, maxMs: 410 } },
    };
    const p = await proxy(slow);
    const queue = QueueServiceClient.fromConnectionString(p.connectionString).getQueueClient(
      `proxy-${randomUUID().slice(0, 8)}`,
    );
    await queue.create();
    expect(await timed(() => queue.sendMessage("aGVsbG8="))).toBeGreaterThanOrEqual(395);
    expect(await timed(() => queue.getProperties())).toBeLessThan(300);
    const got = await queue.receiveMessages();
    expect(got.receivedMessageItems.map((m) => m.messageText)).toEqual(["aGVsbG8="]);
    expect(p.forwarded).toBe(4);
  });

  it("refuses every request while unavailable, and works again after", async () => {
    const p = await proxy();
    const queue = QueueServiceClient.fromConnectionString(p.connectionString, {
      retryOptions: { maxTries: 1 },
    }).getQueueClient(`proxy-${randomUUID().slice(0, 8)}`);
    await queue.create();
    p.unavailable = true;
    // The first send may fail on the kept-alive connection the proxy cut, the second on a refused one.
    await expect(queue.sendMessage("aGVsbG8=")).rejects.toThrow();
    await expect(queue.sendMessage("aGVsbG8=")).rejects.toThrow();
    expect(p.refused).toBeGreaterThan(0);
    p.unavailable = false;
    await queue.sendMessage("aGVsbG8=");
    expect((await queue.peekMessages()).peekedMessageItems).toHaveLength(1);
  });
});
