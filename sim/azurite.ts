/**
 * Starts Azurite's queue service in-process (in-memory, random port on 127.0.0.1) — the real Storage
 * queue emulator that the tests, the local stack and the benchmarks share. Azurite is a dev dependency:
 * production code never imports this module.
 */
import type { AddressInfo } from "node:net";

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
}

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
  await server.start();
  const address = server.getHttpServerAddress(); // "http://127.0.0.1:12345"
  const actualPort = Number(new URL(address).port);
  return {
    connectionString: azuriteConnectionString(actualPort),
    queueEndpoint: `http://127.0.0.1:${actualPort}/${AZURITE_ACCOUNT}`,
    port: actualPort,
    close: async () => {
      await server.close();
      await server.clean().catch(() => undefined);
    },
  };
}
