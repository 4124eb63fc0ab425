/**
 * A small HTTP proxy in front of Azurite's queue endpoint: everyone who should see a slow or failing queue
 * (the watcher, the Functions' follow-up sender, the local host's listeners) uses its connection string.
 * It adds a seeded per-request delay by operation class (testground/sim/latency.ts) and, while `unavailable`, refuses
 * every request by resetting the connection (as an unreachable storage endpoint looks to the SDK, which
 * retries). Azurite itself stays up, so no message is lost by the outage.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { azuriteConnectionString } from "./azurite";
import { createLatencySampler, queueOperation, type LatencyProfile } from "./latency";

export interface QueueProxy {
  port: number;
  /** Storage connection string through the proxy (same account and key as Azurite's). */
  connectionString: string;
  /** While true every request is refused (connection reset), and open connections are cut. */
  unavailable: boolean;
  /** Requests refused while unavailable. */
  readonly refused: number;
  /** Requests forwarded. */
  readonly forwarded: number;
  close(): Promise<void>;
}

export async function startQueueProxy(options: {
  /** Azurite's queue port on 127.0.0.1. */
  targetPort: number;
  latency?: LatencyProfile;
  port?: number;
}): Promise<QueueProxy> {
  const sampler = options.latency ? createLatencySampler(options.latency, "queue") : undefined;
  const sockets = new Set<Socket>();
  let unavailable = false;
  let refused = 0;
  let forwarded = 0;

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const upstream = request(
      {
        host: "127.0.0.1",
        port: options.targetPort,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => req.socket.destroy());
    upstream.end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const url = new URL(req.url ?? "/", "http://queue-proxy");
        if (sampler) await sampler.wait(queueOperation(req.method ?? "GET", url.pathname));
        if (unavailable) {
          refused++;
          req.socket.destroy();
          return;
        }
        forwarded++;
        forward(req, res, Buffer.concat(chunks));
      })();
    });
  });
  server.on("connection", (socket) => {
    if (unavailable) {
      refused++;
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    connectionString: azuriteConnectionString(port),
    get unavailable() {
      return unavailable;
    },
    set unavailable(value: boolean) {
      unavailable = value;
      if (value) for (const s of sockets) s.destroy();
    },
    get refused() {
      return refused;
    },
    get forwarded() {
      return forwarded;
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
