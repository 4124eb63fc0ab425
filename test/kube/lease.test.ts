/**
 * MicroTime on the wire. A real API server parses Lease `renewTime`/`acquireTime` and Event `eventTime` with
 * the Go layout `2006-01-02T15:04:05.000000Z07:00` (exactly six fractional digits) and answers 400 otherwise.
 * These tests send through the real client-node client (the bridge's Kubernetes adapter) to a small HTTP
 * server that applies that layout to the exact bytes received, and answers like the API server does.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { V1Lease, V1Node } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadBridgeConfig } from "../../lib/config.js";
import { createKubeApi, loadKubeConfig } from "../../lib/kube/api.js";
import { KubeHttpError, kubeStatusMessage, mapKubeHttpError, statusOf } from "../../lib/kube/errors.js";
import { encodeLease, microTime } from "../../lib/kube/lease.js";
import { memoryLogger } from "../../lib/log.js";
import { heartbeat } from "../../lib/reconcile/node.js";

/** Go's `time.Parse("2006-01-02T15:04:05.000000Z07:00", s)`: six digits, then `Z` or `±hh:mm`. */
function parseGoMicroTime(value: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{6})(Z|[+-]\d{2}:\d{2})$/.exec(value);
  if (!m) throw new Error(`parsing time "${value}" as "2006-01-02T15:04:05.000000Z07:00"`);
  const [mo, d, h, mi, s] = [m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) {
    throw new Error(`parsing time "${value}": field out of range`);
  }
  return new Date(value);
}

const MICRO_KEYS = new Set(["renewTime", "acquireTime", "eventTime", "lastObservedTime"]);

/** Every MicroTime field in a JSON body, with its path. */
function microTimes(value: unknown, path = ""): Array<{ path: string; value: unknown }> {
  if (Array.isArray(value)) return value.flatMap((v, i) => microTimes(v, `${path}[${i}]`));
  if (!value || typeof value !== "object") return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
    MICRO_KEYS.has(k) && v !== null && v !== undefined
      ? [{ path: `${path}.${k}`, value: v }]
      : microTimes(v, `${path}.${k}`),
  );
}

interface Received {
  method: string;
  path: string;
  body: string;
}

/** A tiny API server: nodes, leases and events in memory; MicroTime checked strictly on every write. */
class StrictApiServer {
  readonly received: Received[] = [];
  readonly objects = new Map<string, Record<string, unknown>>();
  private server: Server | undefined;
  private uid = 0;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => this.handle(req, res, Buffer.concat(chunks).toString("utf8")));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  kubeconfig(): string {
    return [
      "apiVersion: v1",
      "kind: Config",
      "clusters: [{name: c, cluster: {server: 'http://127.0.0.1:" +
        this.port +
        "', insecure-skip-tls-verify: true}}]",
      "users: [{name: u, user: {token: not-a-secret}}]",
      "contexts: [{name: x, context: {cluster: c, user: u}}]",
      "current-context: x",
    ].join("\n");
  }

  private reply(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  }

  private status(res: ServerResponse, code: number, reason: string, message: string): void {
    this.reply(res, code, { kind: "Status", apiVersion: "v1", status: "Failure", message, reason, code });
  }

  private handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const method = req.method ?? "GET";
    const path = (req.url ?? "/").split("?")[0]!;
    this.received.push({ method, path, body });
    if (method === "POST" || method === "PUT" || method === "PATCH") {
      const obj = JSON.parse(body) as Record<string, unknown>;
      for (const { value } of microTimes(obj)) {
        try {
          if (typeof value !== "string") throw new Error(`not a string: ${JSON.stringify(value)}`);
          parseGoMicroTime(value);
        } catch {
          const got = typeof value === "string" ? value : JSON.stringify(value);
          const frac = /(\.\d*Z)$/.exec(got)?.[1] ?? got;
          const kind = typeof obj.kind === "string" ? obj.kind : "Lease";
          return this.status(
            res,
            400,
            "BadRequest",
            `${kind} in version "v1" cannot be handled as a ${kind}: parsing time "${got}" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "${frac}" as ".000000"`,
          );
        }
      }
    }
    const key = path.replace(/\/status$/, "");
    if (method === "GET") {
      const found = this.objects.get(key);
      return found
        ? this.reply(res, 200, found)
        : this.status(res, 404, "NotFound", `${key.split("/").at(-2)} "${key.split("/").at(-1)}" not found`);
    }
    if (method === "POST") {
      const obj = JSON.parse(body) as { metadata: Record<string, unknown> };
      obj.metadata.uid = `uid-${++this.uid}`;
      obj.metadata.resourceVersion = String(this.uid);
      this.objects.set(`${path}/${String(obj.metadata.name)}`, obj);
      return this.reply(res, 201, obj);
    }
    if (method === "PUT") {
      const obj = JSON.parse(body) as { metadata: Record<string, unknown> };
      obj.metadata.resourceVersion = String(++this.uid);
      this.objects.set(key, obj);
      return this.reply(res, 200, obj);
    }
    if (method === "PATCH") {
      const current = this.objects.get(key) ?? {};
      const patched = { ...current, ...(JSON.parse(body) as Record<string, unknown>) };
      this.objects.set(key, patched);
      return this.reply(res, 200, patched);
    }
    return this.status(res, 405, "MethodNotAllowed", "no");
  }
}

const config = () =>
  loadBridgeConfig({
    AZURE_SUBSCRIPTION_ID: "00000000-0000-0000-0000-000000000000",
    ACI_RESOURCE_GROUP: "rg",
    KUBECONFIG_CONTENT: "unused",
    PodEventsStorage: "UseDevelopmentStorage=true",
  });

let api: StrictApiServer;
beforeEach(async () => {
  api = new StrictApiServer();
  await api.start();
});
afterEach(async () => {
  await api.close();
});

describe("the strict Go MicroTime layout (test's own parser)", () => {
  it("accepts six digits and rejects what a Date serialises to", () => {
    expect(() => parseGoMicroTime("2026-12-01T19:12:48.863000Z")).not.toThrow();
    expect(() => parseGoMicroTime("2026-12-01T19:12:48.863000+01:00")).not.toThrow();
    expect(() => parseGoMicroTime("2026-12-01T19:12:48.863Z")).toThrow(/000000/);
    expect(() => parseGoMicroTime("2026-12-01T19:12:48Z")).toThrow();
    expect(() => parseGoMicroTime("2026-12-01T19:12:48.8630001Z")).toThrow();
    expect(() => parseGoMicroTime("2026-13-01T19:12:48.863000Z")).toThrow(/range/);
  });
});

describe("MicroTime helper", () => {
  it("formats with six digits in UTC", () => {
    expect(microTime(new Date("2026-12-01T19:12:48.863Z"))).toBe("2026-12-01T19:12:48.863000Z");
    expect(microTime(new Date("2026-12-01T21:12:48.863+02:00"))).toBe("2026-12-01T19:12:48.863000Z");
    expect(microTime(new Date("2026-12-01T19:12:48Z"))).toBe("2026-12-01T19:12:48.000000Z");
  });

  it("the Lease codec writes both MicroTime fields that way, given a Date or the text a Date prints", () => {
    const spec = encodeLease({
      spec: {
        renewTime: new Date("2026-12-01T19:12:48.863Z"),
        acquireTime: "2026-12-01T19:12:40.001Z" as never,
      },
    }).spec as Record<string, unknown>;
    expect(spec).toMatchObject({
      renewTime: "2026-12-01T19:12:48.863000Z",
      acquireTime: "2026-12-01T19:12:40.001000Z",
    });
  });
});

describe("bytes the Kubernetes adapter sends", () => {
  it("a plain Date in a Lease (the original bug) goes out with six digits through the one Lease client", async () => {
    const kube = createKubeApi(loadKubeConfig({ inline: api.kubeconfig() }));
    await kube.createLease({
      metadata: { name: "n", namespace: "kube-node-lease" },
      spec: { holderIdentity: "n", renewTime: new Date("2026-12-01T19:12:48.863Z") },
    });
    const sent = api.received.filter((r) => r.method === "POST" && r.path.endsWith("/leases")).at(-1)!;
    expect((JSON.parse(sent.body) as V1Lease).spec?.renewTime as unknown).toBe("2026-12-01T19:12:48.863000Z");
  });

  it("keeps the API server's Status message of a refused write for the log, masking tokens", () => {
    const refused = new KubeHttpError(
      400,
      JSON.stringify({
        kind: "Status",
        reason: "BadRequest",
        message:
          'Lease in version "v1" cannot be handled as a Lease: parsing time "2026-12-01T19:12:48.863Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse ".863Z" as ".000000" (Bearer abc.def)',
      }),
      undefined,
      "create lease n",
    );
    const mapped = mapKubeHttpError(refused, "create lease n");
    expect(String(mapped)).toMatch(/create lease n: 400 BadRequest/);
    expect(statusOf(mapped)).toBe(400);
    expect(kubeStatusMessage(mapped)).toBe(
      'Lease in version "v1" cannot be handled as a Lease: parsing time "2026-12-01T19:12:48.863Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse ".863Z" as ".000000" (Bearer ***',
    );
  });

  it("the heartbeat creates the Node, then a Lease owned by it, and renews it, all strictly parseable", async () => {
    const kube = createKubeApi(loadKubeConfig({ inline: api.kubeconfig() }));
    const cfg = config();
    const log = memoryLogger();
    let now = new Date("2026-12-01T19:12:48.863Z");
    const deps = { kube, shape: cfg.node, clusterName: cfg.clusterName, now: () => now, log };
    const node = cfg.nodes[0]!;
    await heartbeat(node, { ok: true }, deps);
    now = new Date("2026-12-01T19:12:58.001Z");
    await heartbeat(node, { ok: true }, deps);

    const writes = api.received.filter((r) => r.method !== "GET");
    expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /api/v1/nodes",
      "POST /apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases",
      "PATCH /api/v1/nodes/aci-bridge/status",
      "PUT /apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/aci-bridge",
    ]);
    const leaseBodies = writes.filter((r) => r.path.includes("/leases")).map((r) => r.body);
    const renewTimes = leaseBodies.map((b) => (JSON.parse(b) as V1Lease).spec?.renewTime as unknown);
    expect(renewTimes).toEqual(["2026-12-01T19:12:48.863000Z", "2026-12-01T19:12:58.001000Z"]);
    for (const body of leaseBodies) {
      const found = microTimes(JSON.parse(body));
      expect(found.length).toBeGreaterThan(0);
      for (const { value } of found) expect(() => parseGoMicroTime(String(value))).not.toThrow();
    }
    const created = api.objects.get("/api/v1/nodes/aci-bridge") as V1Node;
    for (const body of leaseBodies) {
      expect((JSON.parse(body) as V1Lease).metadata?.ownerReferences).toEqual([
        { apiVersion: "v1", kind: "Node", name: "aci-bridge", uid: created.metadata?.uid },
      ]);
    }
    expect(log.events()).toEqual(["node.registered", "node.ready.changed"]);
  });

  it("an Event the adapter records carries no MicroTime that fails the layout", async () => {
    const kube = createKubeApi(loadKubeConfig({ inline: api.kubeconfig() }));
    await kube.recordEvent(
      { metadata: { name: "p", namespace: "default", uid: "u1" } },
      { type: "Normal", reason: "Pulled", message: "ok", key: "k", count: 1 },
      "instance-1",
    );
    const post = api.received.find((r) => r.method === "POST")!;
    expect(post.path).toBe("/api/v1/namespaces/default/events");
    for (const { value } of microTimes(JSON.parse(post.body))) {
      expect(() => parseGoMicroTime(String(value))).not.toThrow();
    }
  });
});
