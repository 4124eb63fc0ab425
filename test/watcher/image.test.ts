/* eslint-disable @typescript-eslint/no-unsafe-return -- rendered manifests and pod fixtures are untyped YAML/JSON */
/**
 * The container image and the real entry point. No Docker engine runs here, so: (1) build what the Dockerfile's
 * build stage builds and check every path it COPYs exists (a broken path fails CI), and (2) run the compiled
 * `dist/watcher/main.js` as the image would, against the Kubernetes API fake and Azurite, then SIGTERM it.
 */
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startKubeFake, type KubeFake } from "../../testground/sim/kube/index.js";
import { BUILD_DIR, REPO, buildLikeDockerfile, spawnWatcher } from "./support/child.js";
import { createQueue, drainQueue, sleep, testPod, uniqueName, waitFor } from "./support/integration.js";

let build: ReturnType<typeof buildLikeDockerfile>;

beforeAll(() => {
  rmSync(join(BUILD_DIR, "dist"), { recursive: true, force: true });
  build = buildLikeDockerfile();
}, 120_000);

describe("Dockerfile", () => {
  const dockerfile = readFileSync(join(REPO, "Dockerfile"), "utf8");
  const ignored = readFileSync(join(REPO, ".dockerignore"), "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));

  it("builds the watcher alone (tsc -p tsconfig.watcher.json) without errors", () => {
    expect(build.output).toBe("");
    expect(build.status).toBe(0);
    expect(dockerfile).toContain("tsc -p tsconfig.watcher.json");
  });

  it("the image holds only what the watcher runs: no Functions, simulators, local stack or benchmarks", () => {
    expect(readdirSync(join(BUILD_DIR, "dist")).sort()).toEqual(["lib", "watcher"]);
    expect(existsSync(join(BUILD_DIR, "dist", "lib", "functions"))).toBe(false);
    const copiedDist = dockerfile
      .split("\n")
      .filter((l) => /^COPY --from=build .*\/src\/dist/.test(l))
      .map((l) => l.split(/\s+/).find((p) => p.startsWith("/src/dist")));
    expect(copiedDist.sort()).toEqual(["/src/dist/lib", "/src/dist/watcher"]);
  });

  it("COPYs only paths that exist (context paths in the repo, /src/dist after the build) and are not .dockerignored", () => {
    const copies = dockerfile.split("\n").filter((l) => /^COPY\s/.test(l));
    expect(copies.length).toBeGreaterThanOrEqual(5);
    for (const line of copies) {
      const parts = line.replace(/^COPY\s+/, "").split(/\s+/);
      const from = parts.find((p) => p.startsWith("--from="))?.slice("--from=".length);
      const paths = parts.filter((p) => !p.startsWith("--"));
      const sources = paths.slice(0, -1);
      for (const src of sources) {
        if (!from) {
          if (src === ".") continue;
          expect(existsSync(join(REPO, src)), `${line}: ${src}`).toBe(true);
          expect(ignored, `${src} is .dockerignored`).not.toContain(src);
        } else if (from === "build") {
          // The build stage's WORKDIR is /src and it builds into /src/dist.
          const rel = src.replace(/^\/src\/?/, "");
          const local = rel.startsWith("dist") ? join(BUILD_DIR, rel) : join(REPO, rel);
          expect(existsSync(local), `${line}: ${src}`).toBe(true);
        } else if (from === "deps") {
          expect(src).toBe("/app/node_modules");
        } else throw new Error(`unknown stage ${from}`);
      }
    }
    expect(existsSync(build.mainJs)).toBe(true);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "dist\/watcher\/main\.js"\]$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    // Sources the build stage needs must not be ignored.
    for (const needed of [
      "lib",
      "watcher",
      "package.json",
      "package-lock.json",
      "tsconfig.json",
      "tsconfig.build.json",
    ]) {
      expect(ignored).not.toContain(needed);
    }
  });
});

describe("watcher process (dist/watcher/main.js)", () => {
  let kube: KubeFake;
  beforeAll(async () => {
    kube = await startKubeFake();
    kube.createNamespace("shop");
    kube.createNamespace("aci-bridge");
  });
  afterAll(async () => {
    await kube?.close();
  });

  it("serves /healthz, /readyz, /metrics; on SIGTERM flushes pending messages, releases the Lease and exits 0", async () => {
    const queue = await createQueue(inject("azuriteConnectionString"));
    const name = uniqueName("sig");
    const child = spawnWatcher(
      build.mainJs,
      {
        ACI_NODE_NAMES: name,
        PodEventsStorage: inject("azuriteConnectionString"),
        POD_EVENTS_QUEUE_NAME: queue.name,
        WATCHER_NAMESPACE: "aci-bridge",
        WATCHER_POD_NAME: `${name}-0`,
        WATCHER_LEASE_NAME: name,
        WATCHER_COALESCE_MS: "60000", // events stay pending until shutdown flushes them
      },
      kube.kubeconfigYaml({ user: "system:serviceaccount:aci-bridge:aci-bridge-watcher" }),
      join(tmpdir(), name),
    );
    try {
      const port = await waitFor("http port", () => child.port());
      const get = async (path: string) => {
        const res = await fetch(`http://127.0.0.1:${port}${path}`);
        return { status: res.status, text: await res.text() };
      };
      expect((await get("/healthz")).status).toBe(200);
      await waitFor("ready", async () => (await get("/readyz")).status === 200);
      await waitFor("leader", async () => /aci_bridge_watcher_leader 1/.test((await get("/metrics")).text));
      for (let i = 0; i < 3; i++) kube.createPod(testPod(`${name}-p${i}`), { nodeName: name });
      await waitFor("events seen", async () =>
        /aci_bridge_watcher_events_total\{node="[^"]+",type="add"\} 3/.test((await get("/metrics")).text),
      );
      await sleep(200);
      expect(await drainQueue(queue)).toEqual([]);

      child.proc.kill("SIGTERM");
      expect(await child.exited).toBe(0);
      const msgs = (await drainQueue(queue)).map((m) => `${m.ns}/${m.name}:${m.reason}`).sort();
      expect(msgs).toEqual([0, 1, 2].map((i) => `shop/${name}-p${i}:added`));
      expect(kube.get("leases", "aci-bridge", name).spec.holderIdentity ?? "").toBe("");
      const events = child.lines.map((l) => l.event);
      expect(events).toEqual(
        expect.arrayContaining([
          "watcher.started",
          "watcher.leader.acquired",
          "watcher.signal",
          "watcher.leader.released",
          "watcher.stopped",
        ]),
      );
      expect(child.lines.find((l) => l.event === "watcher.stopped")).toMatchObject({
        flushed: true,
        unsent: 0,
        level: "info",
      });
      // Never the credential in the logs.
      expect(JSON.stringify(child.lines)).not.toContain("AccountKey=");
    } finally {
      if (child.proc.exitCode === null) child.proc.kill("SIGKILL");
    }
  });

  it("exits 2 with watcher.config.invalid on a bad setting", async () => {
    const child = spawnWatcher(
      build.mainJs,
      { ACI_NODE_NAMES: "Bad_Name" },
      kube.kubeconfigYaml(),
      join(tmpdir(), uniqueName("bad")),
    );
    expect(await child.exited).toBe(2);
    expect(child.lines[0]).toMatchObject({ level: "error", event: "watcher.config.invalid" });
  });
});
