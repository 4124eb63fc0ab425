/**
 * Starts Azurite's queue service in-process (in-memory, random port on 127.0.0.1) — the real Storage
 * queue emulator that the tests, the local stack and the benchmarks share. Azurite is a dev dependency:
 * production code never imports this module.
 */
import { fork } from "node:child_process";
import { existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";

export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface RunningAzurite {
  /** Storage connection string pointing at this instance's queue endpoint. */
  connectionString: string;
  queueEndpoint: string;
  port: number;
  close(): Promise<void>;
}

export function azuriteConnectionString(port: number, host = "127.0.0.1"): string {
  return (
    `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
    `QueueEndpoint=http://${host}:${port}/${AZURITE_ACCOUNT};`
  );
}

interface AzuriteQueueServer {
  start(): Promise<void>;
  close(): Promise<void>;
  clean(): Promise<void>;
  httpServer?: { address(): AddressInfo | string | null };
  getHttpServerAddress(): string;
  /** In-memory persistence: Azurite's MemoryExtentStore and LokiExtentMetadataStore (3.x). */
  extentStore?: {
    categoryName: string;
    chunks: { delete(category: string, id: string): boolean };
    deleteExtents(extents: Iterable<string>): Promise<number>;
    appendExtent(data: Buffer): Promise<unknown>;
  };
  extentMetadataStore?: { EXTENTS_COLLECTION: string; db: LokiDb };
  gcManager?: { markSweep(): Promise<void> };
}

interface LokiDb {
  getCollection(name: string): LokiCollection | null;
}

interface LokiCollection {
  removeWhere(test: (doc: { id?: string }) => boolean): void;
  count(): number;
}

/**
 * Azurite's queue GC (every 60 s) deletes the extents no message refers to one by one, each with a LokiJS
 * `findAndRemove`; with the adaptive binary index Azurite puts on `id`, every removal re-sorts the whole
 * index, so a sweep of k extents out of n costs k·n·log n — all of it in one run of microtasks, so the event
 * loop of the process hosting Azurite stops: 20 s at the chaos run's message rate, during which the local
 * stack's timer, API fake and simulator (same process) stood still. Storage is a service of its own and never
 * stalls the Functions host. One batched removal does the same deletions in one pass.
 */
function batchExtentDeletion(server: AzuriteQueueServer): void {
  const store = server.extentStore;
  const meta = server.extentMetadataStore;
  if (!store || !meta || typeof store.chunks?.delete !== "function" || !meta.db) return; // another layout: as is
  store.deleteExtents = (extents) => {
    const ids = new Set(extents);
    for (const id of ids) store.chunks.delete(store.categoryName, id);
    meta.db
      .getCollection(meta.EXTENTS_COLLECTION)
      ?.removeWhere((doc) => doc.id !== undefined && ids.has(doc.id));
    return Promise.resolve(ids.size);
  };
}

/** For tests: Azurite's server object (its GC and stores), by the connection string startAzurite returned. */
export const azuriteServers = new Map<string, AzuriteQueueServer>();

/** Starts Azurite's queue service. `port` 0 picks a free port. */
export async function startAzurite(port = 0): Promise<RunningAzurite> {
  // Loaded lazily so that production bundles never need azurite installed.
  /* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call */
  const QueueServer = require("azurite/dist/src/queue/QueueServer").default;
  const QueueConfiguration = require("azurite/dist/src/queue/QueueConfiguration").default;
  const config = new QueueConfiguration(
    "127.0.0.1",
    port,
    undefined, // keepAliveTimeout
    undefined, // metadataDBPath (unused in memory mode)
    undefined, // extentDBPath
    undefined, // persistence paths
    false, // access log
    undefined,
    false, // debug log
    undefined,
    true, // loose
    true, // skipApiVersionCheck: the SDK speaks a newer API version than Azurite knows (docs/architecture.md#platform-facts)
    "",
    "",
    "",
    undefined,
    false,
    true, // in-memory persistence
  );
  const server: AzuriteQueueServer = new QueueServer(config);
  /* eslint-enable */
  batchExtentDeletion(server);
  await server.start();
  const address = server.getHttpServerAddress(); // "http://127.0.0.1:12345"
  const actualPort = Number(new URL(address).port);
  azuriteServers.set(azuriteConnectionString(actualPort), server);
  return {
    connectionString: azuriteConnectionString(actualPort),
    queueEndpoint: `http://127.0.0.1:${actualPort}/${AZURITE_ACCOUNT}`,
    port: actualPort,
    close: async () => {
      azuriteServers.delete(azuriteConnectionString(actualPort));
      await server.close();
      await server.clean().catch(() => undefined);
    },
  };
}

/**
 * Azurite in a child process (testground/sim/azuriteProcess.ts, compiled), for runs where the queue must not share the
 * event loop of the process that hosts the timer and the other fakes: in-process, Azurite's LokiJS store takes
 * a large share of that loop once hundreds of messages wait (docs/chaos.md, "Latest full run"), a cost a
 * Storage account does not put on the Functions host. Same interface as `startAzurite`.
 */
export async function startAzuriteProcess(port = 0): Promise<RunningAzurite> {
  const child = fork(azuriteProcessEntry(), [String(port)], {
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const killChild = () => child.kill("SIGKILL");
  process.once("exit", killChild);
  const actualPort = await new Promise<number>((resolve, reject) => {
    child.once("message", (m: { port?: number; error?: string }) =>
      m.port ? resolve(m.port) : reject(new Error(`Azurite did not start: ${m.error ?? "no port"}`)),
    );
    child.once("exit", (code) => reject(new Error(`Azurite exited with ${code} before it listened`)));
  });
  return {
    connectionString: azuriteConnectionString(actualPort),
    queueEndpoint: `http://127.0.0.1:${actualPort}/${AZURITE_ACCOUNT}`,
    port: actualPort,
    close: () =>
      new Promise<void>((resolve) => {
        process.removeListener("exit", killChild);
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const hard = setTimeout(killChild, 5_000);
        child.once("exit", () => {
          clearTimeout(hard);
          resolve();
        });
        if (child.connected) child.send("stop");
        else killChild();
      }),
  };
}

/** The compiled entry: next to this module when running from dist/, else the repository's dist/testground/sim/. */
function azuriteProcessEntry(): string {
  const here = join(__dirname, "azuriteProcess.js");
  if (existsSync(here)) return here;
  let dir = __dirname;
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, "package.json")))
      return join(dir, "dist", "testground", "sim", "azuriteProcess.js");
    dir = dirname(dir);
  }
  return here;
}
