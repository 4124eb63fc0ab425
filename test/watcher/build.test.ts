/**
 * `buildWatcher`: the watcher the entry point, the local stack and the chaos run start, built from a config
 * object against the Kubernetes API fake (real HTTP, the watcher's own clients), sending to a fake sender.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadWatcherConfig } from "../../lib/config.js";
import { kubeconfigConnection } from "../../lib/kube/http/connection.js";
import { memoryLogger } from "../../lib/log.js";
import type { PodMessage, PodMessageSender } from "../../lib/queue/message.js";
import { buildWatcher } from "../../lib/watcher/build.js";
import { startKubeFake, type KubeFake } from "../../sim/kube/index.js";
import { FakeSender } from "./support/fakes.js";
import { FAST_ENV, testPod, uniqueName, waitFor } from "./support/integration.js";

let kube: KubeFake;

beforeAll(async () => {
  kube = await startKubeFake();
  kube.createNamespace("shop");
  kube.createNamespace("aci-bridge");
});

afterAll(async () => {
  await kube?.close();
});

function config(node: string, identity: string, env: Record<string, string> = {}) {
  return loadWatcherConfig({
    ACI_NODE_NAMES: node,
    PodEventsStorage: "UseDevelopmentStorage=true",
    WATCHER_NAMESPACE: "aci-bridge",
    WATCHER_POD_NAME: identity,
    WATCHER_LEASE_NAME: node,
    ...FAST_ENV,
    ...env,
  });
}

const connection = (identity: string) =>
  kubeconfigConnection(kube.kubeconfigYaml({ user: `system:serviceaccount:aci-bridge:${identity}` }));

describe("buildWatcher", () => {
  it("wires the pod watch and the Lease from the config and forwards a pod change to the sender", async () => {
    const node = uniqueName("b");
    const identity = `${node}-a`;
    const sender = new FakeSender();
    const watcher = buildWatcher(config(node, identity), {
      kube: await connection(identity),
      sender,
      logger: memoryLogger(),
    });
    watcher.start();
    try {
      await waitFor("leader and synced", () => watcher.isLeader && watcher.readiness().length === 0);
      // Leader election went through the Lease the config names, in the watcher's namespace.
      const lease = kube.get<{ spec?: { holderIdentity?: string } }>("leases", "aci-bridge", node);
      expect(lease?.spec?.holderIdentity).toBe(identity);

      const created = kube.createPod(testPod(`${node}-p1`), { nodeName: node });
      kube.createPod(testPod(`${node}-elsewhere`), { nodeName: "aks-nodepool1-0" });
      const sent = await waitFor("the added message", () =>
        sender.sent.length > 0 ? sender.sent : undefined,
      );
      expect(sent).toEqual([
        expect.objectContaining({
          v: 1,
          ns: "shop",
          name: `${node}-p1`,
          uid: created.metadata!.uid,
          reason: "added",
        }),
      ]);
    } finally {
      await watcher.shutdown(1_000);
    }
    // Shutdown released the Lease (the elector's stop goes through the same store).
    const released = kube.get<{ spec?: { holderIdentity?: string } }>("leases", "aci-bridge", node);
    expect(released?.spec?.holderIdentity ?? "").not.toBe(identity);
  });

  it("puts `wrapSender` between the watcher and the sender; without leader election it touches no Lease", async () => {
    const node = uniqueName("b");
    const identity = `${node}-a`;
    const sender = new FakeSender();
    const wrapped: PodMessage[] = [];
    const wrap = (inner: PodMessageSender): PodMessageSender => ({
      async send(message, delaySeconds) {
        wrapped.push(message);
        await inner.send(message, delaySeconds);
      },
    });
    const user = `system:serviceaccount:aci-bridge:${identity}`;
    const watcher = buildWatcher(config(node, identity, { WATCHER_LEADER_ELECTION: "false" }), {
      kube: await connection(identity),
      sender,
      wrapSender: wrap,
      logger: memoryLogger(),
    });
    watcher.start();
    try {
      await waitFor("synced", () => watcher.readiness().length === 0);
      kube.createPod(testPod(`${node}-p1`), { nodeName: node });
      await waitFor("the added message", () => sender.sent.length > 0);
      expect(wrapped.map((m) => `${m.name}:${m.reason}`)).toEqual([`${node}-p1:added`]);
      expect(sender.sent).toEqual(wrapped);
    } finally {
      await watcher.shutdown(1_000);
    }
    const mine = kube.calls.filter((c) => c.user === user);
    expect(mine.some((c) => c.path.includes("/pods"))).toBe(true);
    expect(mine.filter((c) => c.path.includes("/leases"))).toEqual([]);
  });
});
