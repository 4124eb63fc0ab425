/**
 * lib/reconcile/references.ts: what the translator gets from the registry. A container with a workingDir has
 * its image config read (so the translator can run from it, docs/translation.md), each image once; a definite
 * registry answer leaves it out with a warning (the node policy then decides), a transient one is thrown.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { NotFoundError, TransientError } from "../../lib/errors.js";
import { memoryLogger } from "../../lib/log.js";
import type { EntrypointResolver } from "../../lib/reconcile/references.js";
import { resolveReferences } from "../../lib/reconcile/references.js";
import { collectReferences } from "../../lib/translate/index.js";
import type { ImageConfigFacts } from "../../lib/translate/types.js";

const pod = (images: string[]): V1Pod => ({
  metadata: { name: "p", namespace: "default", uid: "u" },
  spec: { containers: images.map((image, i) => ({ name: `c${i}`, image, workingDir: "/srv" })) },
});

const facts: ImageConfigFacts = { entrypoint: ["/app"], cmd: [], workingDir: "/srv", hasShell: true };

const kube = {
  getSecret: () => Promise.resolve(undefined),
  getConfigMap: () => Promise.resolve(undefined),
  createServiceAccountToken: () => Promise.reject(new Error("not used")),
};

function resolver(
  answer: (image: string) => Promise<ImageConfigFacts>,
): EntrypointResolver & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    resolve: () => Promise.resolve([]),
    resolveConfig: (image) => {
      asked.push(image);
      return answer(image);
    },
  };
}

describe("image configs for workingDir", () => {
  it("reads each image's config once and hands it to the translator", async () => {
    const p = pod(["nginx:1", "nginx:1", "busybox"]);
    const r = resolver(() => Promise.resolve(facts));
    const refs = await resolveReferences(p, collectReferences(p), kube, r, memoryLogger());
    expect(r.asked).toEqual(["nginx:1", "busybox"]);
    expect(refs.imageConfigs?.get("busybox")).toEqual(facts);
  });

  it("a definite registry answer leaves the config out with image.config.unresolved", async () => {
    const p = pod(["gone:1"]);
    const log = memoryLogger();
    const refs = await resolveReferences(
      p,
      collectReferences(p),
      kube,
      resolver(() => Promise.reject(new NotFoundError("no such image"))),
      log,
    );
    expect(refs.imageConfigs).toBeUndefined();
    expect(log.events()).toContain("image.config.unresolved");
  });

  it("transient registry trouble is thrown, so the message is retried", async () => {
    const p = pod(["flaky:1"]);
    await expect(
      resolveReferences(
        p,
        collectReferences(p),
        kube as never,
        resolver(() => Promise.reject(new TransientError("registry 503"))),
        memoryLogger(),
      ),
    ).rejects.toBeInstanceOf(TransientError);
  });
});
