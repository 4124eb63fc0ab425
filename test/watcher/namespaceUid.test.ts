/** The watcher's read of the cluster identity (lib/kube/http/namespaces.ts, used by watcher/main.ts). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UnauthorizedError } from "../../lib/errors.js";
import { kubeNamespaceUid } from "../../lib/kube/http/namespaces.js";
import { deriveClusterIdentity } from "../../lib/reconcile/identity.js";
import { startKubeFake, type KubeFake } from "../../testground/sim/kube/index.js";

let kube: KubeFake;
beforeAll(async () => {
  kube = await startKubeFake();
});
afterAll(async () => {
  await kube.close();
});

describe("kubeNamespaceUid", () => {
  it("reads kube-system's uid, undefined for a namespace that does not exist, 403 as UnauthorizedError", async () => {
    const read = kubeNamespaceUid(kube.kubeConfig());
    const uid = kube.get<{ metadata: { uid: string } }>("namespaces", undefined, "kube-system")!.metadata.uid;
    expect(await read("kube-system")).toBe(uid);
    expect(await read("no-such-namespace")).toBeUndefined();
    const remove = kube.faults.add({ method: "GET", path: /\/namespaces\/kube-system$/, status: 403 });
    await expect(read("kube-system")).rejects.toBeInstanceOf(UnauthorizedError);
    // Forbidden is an answer: no identity (default), not a retry.
    const config = { clusterName: "default", clusterIdentity: "derive" as const };
    expect(await deriveClusterIdentity(config, { getNamespaceUid: read })).toEqual({
      clusterName: "default",
      clusterIdentity: "default",
    });
    remove();
    expect(await deriveClusterIdentity(config, { getNamespaceUid: read })).toEqual({
      clusterName: uid,
      clusterIdentity: "kube-system",
    });
  });
});
