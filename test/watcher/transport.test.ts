/**
 * The watcher's HTTP clients (no SDK, in the adapter layer): the kubeconfig loader (`lib/kube/http`) and the
 * Storage queue sender (`lib/queue/http.ts`) — parsing, Shared Key signing, SAS, error mapping — the latter
 * against Azurite.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QueueSASPermissions } from "@azure/storage-queue";
import { describe, expect, inject, it } from "vitest";
import { TransientError, UnauthorizedError } from "../../lib/errors.js";
import { inClusterConnection, kubeconfigConnection } from "../../lib/kube/http/connection.js";
import { microTime } from "../../lib/kube/lease.js";
import { connectionStringEndpoint, sasUrlEndpoint } from "../../lib/queue/http.js";
import { watcherQueueSender } from "../../lib/queue/watcherSender.js";
import { createQueue, drainQueue } from "./support/integration.js";

const kubeconfig = (user: Record<string, unknown>, cluster: Record<string, unknown> = {}) => ({
  apiVersion: "v1",
  kind: "Config",
  "current-context": "c",
  contexts: [{ name: "c", context: { cluster: "k", user: "u" } }],
  clusters: [{ name: "k", cluster: { server: "https://10.0.0.1:6443/", ...cluster } }],
  users: [{ name: "u", user }],
});

describe("kubeconfig loading", () => {
  it("reads a token kubeconfig, as JSON or YAML, without client-node", async () => {
    const json = await kubeconfigConnection(JSON.stringify(kubeconfig({ token: "t0k" })));
    expect(json.server).toBe("https://10.0.0.1:6443");
    expect((await json.requestOptions()).headers).toEqual({ authorization: "Bearer t0k" });
    const yaml = await kubeconfigConnection(
      [
        "current-context: c",
        "contexts: [{name: c, context: {cluster: k, user: u}}]",
        "clusters: [{name: k, cluster: {server: 'http://127.0.0.1:1', insecure-skip-tls-verify: true}}]",
        "users: [{name: u, user: {username: a, password: b}}]",
      ].join("\n"),
    );
    expect(yaml.server).toBe("http://127.0.0.1:1");
    expect((await yaml.requestOptions()).headers).toEqual({
      authorization: `Basic ${Buffer.from("a:b").toString("base64")}`,
    });
  });

  it("resolves a token file relative to the kubeconfig and re-reads it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kc-"));
    writeFileSync(join(dir, "token"), "abc\n");
    const conn = await kubeconfigConnection(
      JSON.stringify(kubeconfig({ tokenFile: "token" })),
      join(dir, "config"),
    );
    expect((await conn.requestOptions()).headers).toEqual({ authorization: "Bearer abc" });
  });

  it("hands exec plugins and other exotic settings to client-node", async () => {
    const conn = await kubeconfigConnection(
      JSON.stringify(
        kubeconfig({ exec: { apiVersion: "client.authentication.k8s.io/v1", command: "true" } }),
      ),
    );
    expect(conn.server).toBe("https://10.0.0.1:6443");
  });

  it("fails clearly without a current context or outside a cluster", async () => {
    await expect(kubeconfigConnection("{}")).rejects.toThrow(/no current context/);
    expect(() => inClusterConnection({})).toThrow(/not in a cluster/);
  });

  it("writes Lease times as MicroTime", () => {
    expect(microTime(new Date("2026-01-02T03:04:05.678Z"))).toBe("2026-01-02T03:04:05.678000Z");
  });
});

describe("queue endpoints", () => {
  it("parses account-key, SAS and development connection strings and SAS URLs", () => {
    expect(
      connectionStringEndpoint(
        "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5;EndpointSuffix=core.windows.net",
        "pod-events",
      ),
    ).toEqual({
      queueUrl: "https://acct.queue.core.windows.net/pod-events",
      sharedKey: { account: "acct", key: Buffer.from("key") },
    });
    expect(
      connectionStringEndpoint(
        "QueueEndpoint=https://acct.queue.core.windows.net/;SharedAccessSignature=sv=1&sig=x",
        "q",
      ),
    ).toEqual({ queueUrl: "https://acct.queue.core.windows.net/q", sas: "sv=1&sig=x" });
    expect(connectionStringEndpoint("UseDevelopmentStorage=true", "q").queueUrl).toBe(
      "http://127.0.0.1:10001/devstoreaccount1/q",
    );
    expect(sasUrlEndpoint("https://acct.queue.core.windows.net/q?sv=1&sig=x")).toEqual({
      queueUrl: "https://acct.queue.core.windows.net/q",
      sas: "sv=1&sig=x",
    });
    expect(() => connectionStringEndpoint("AccountName=acct", "q")).toThrow(/AccountKey/);
  });
});

describe("queue sender without the SDK ⇄ Azurite", () => {
  const conn = () => inject("azuriteConnectionString");
  const message = {
    v: 1 as const,
    ns: "shop",
    name: "web-0",
    reason: "added" as const,
    at: "2026-01-01T00:00:00.000Z",
  };

  it("sends base64 JSON with Shared Key and with a SAS URL", async () => {
    const queue = await createQueue(conn());
    await watcherQueueSender(queue.name, { kind: "connectionString", connectionString: conn() }).send(
      message,
    );
    const sasUrl = queue.generateSasUrl({
      permissions: QueueSASPermissions.parse("a"),
      expiresOn: new Date(Date.now() + 3_600_000),
    });
    await watcherQueueSender(queue.name, { kind: "sasUrl", queueSasUrl: sasUrl }).send({
      ...message,
      name: "web-1",
    });
    const got = await drainQueue(queue);
    expect(got.map((m) => m.name).sort()).toEqual(["web-0", "web-1"]);
    expect(got[0]).toMatchObject({ ns: "shop", reason: "added" });
  });

  it("maps a missing queue to a transient error and a wrong key to unauthorized", async () => {
    const queue = await createQueue(conn(), false);
    const missing = watcherQueueSender(queue.name, { kind: "connectionString", connectionString: conn() });
    await expect(missing.send(message)).rejects.toBeInstanceOf(TransientError);
    const badKey = conn().replace(
      /AccountKey=[^;]+/,
      `AccountKey=${Buffer.from("x".repeat(64)).toString("base64")}`,
    );
    await queue.create();
    const wrong = watcherQueueSender(queue.name, { kind: "connectionString", connectionString: badKey });
    await expect(wrong.send(message)).rejects.toBeInstanceOf(UnauthorizedError);
  });
});
