/**
 * The watcher's HTTP endpoints: `/healthz` (liveness: the process answers and its event loop is not
 * stalled), `/readyz` (every node's watch has synced and the queue is not failing), `/metrics` (Prometheus).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface HealthSource {
  /** Liveness: a reason when unhealthy, else undefined. */
  liveness(): string | undefined;
  /** Readiness: the reasons it is not ready (empty when ready). */
  readiness(): string[];
  metricsText(): string;
}

export interface RunningHttp {
  port: number;
  close(): Promise<void>;
}

export async function startHttpServer(
  port: number,
  source: HealthSource,
  host = "0.0.0.0",
): Promise<RunningHttp> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (path === "/healthz") {
      const problem = source.liveness();
      res.writeHead(problem ? 500 : 200, { "content-type": "text/plain" }).end(problem ?? "ok\n");
    } else if (path === "/readyz") {
      const problems = source.readiness();
      res
        .writeHead(problems.length ? 503 : 200, { "content-type": "text/plain" })
        .end(problems.length ? problems.join("\n") + "\n" : "ok\n");
    } else if (path === "/metrics") {
      res
        .writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" })
        .end(source.metricsText());
    } else {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
