/**
 * The kubelet endpoint wired to the real fakes over HTTP: the ACI simulator through the real
 * `@azure/arm-containerinstance` client, the Kubernetes API fake for TokenReview/SubjectAccessReview, and a
 * TLS client that presents the API server's kubelet-client certificate (or another credential).
 */
import * as https from "node:https";
import { createContainerInstanceClient } from "../../../lib/aci/armClient.js";
import { armKubeletAciApi, type KubeletAciApi } from "../../../lib/kubelet/aci.js";
import { KubeletAuth } from "../../../lib/kubelet/auth.js";
import { streamHandler, type StreamDeps } from "../../../lib/kubelet/exec.js";
import { kubePodReader } from "../../../lib/kube/http/pod.js";
import { kubeReviews } from "../../../lib/kubelet/kubeReviews.js";
import type { FollowTiming } from "../../../lib/kubelet/logs.js";
import {
  startKubeletServer,
  type KubeletServerDeps,
  type RunningKubelet,
} from "../../../lib/kubelet/server.js";
import { memoryLogger } from "../../../lib/log.js";
import { containerGroupName, containerGroupTags } from "../../../lib/translate/names.js";
import {
  startAciSimulator,
  type AciSimulator,
  type AciSimulatorOptions,
  type Json,
} from "../../../testground/sim/aci/index.js";
import { startKubeFake, type KubeFake, type KubeFakeOptions } from "../../../testground/sim/kube/index.js";
import type { KeyPair, TestPki } from "./certs.js";

export const RG = "aci-bridge-rg";
export const CLUSTER = "test-cluster";
export const NODE = "aci-bridge";

export interface Harness {
  sim: AciSimulator;
  kube: KubeFake;
  kubelet: RunningKubelet;
  logger: ReturnType<typeof memoryLogger>;
  aci: KubeletAciApi;
  url: string;
  close(): Promise<void>;
}

export async function startHarness(
  pki: TestPki,
  opts: {
    sim?: AciSimulatorOptions;
    kube?: KubeFakeOptions;
    /** Overrides of the exec/attach handler's timing (resizeWaitMs is 300 by default here). */
    streams?: Partial<Omit<StreamDeps, "aci" | "logger">>;
    followTiming?: FollowTiming;
    extra?: Partial<KubeletServerDeps>;
    /**
     * As behind a real API server: the fake proxies pods/log, exec and attach to this endpoint as
     * `kube-apiserver-kubelet-client` (a client certificate from the test PKI), and the Node is registered
     * with InternalIP 127.0.0.1 and the endpoint's port, which is where the proxy dials.
     */
    proxied?: boolean;
  } = {},
): Promise<Harness> {
  const sim = await startAciSimulator({ throttling: false, ...opts.sim });
  const kube = await startKubeFake({
    ...opts.kube,
    ...(opts.proxied
      ? { kubeletClient: { cert: pki.apiServer.cert, key: pki.apiServer.key, ca: pki.ca } }
      : {}),
  });
  const client = createContainerInstanceClient({
    subscriptionId: sim.subscriptionId,
    endpoint: sim.endpoint,
    insecure: true,
    retryOptions: { maxRetries: 0 },
  });
  const aci = armKubeletAciApi(client, RG);
  const logger = memoryLogger();
  const watcherCredentials = {
    server: kube.url,
    requestOptions: async () => ({ headers: { authorization: "Bearer kube-fake-token-aci-bridge-watcher" } }),
  };
  const reviews = kubeReviews(watcherCredentials);
  const kubelet = await startKubeletServer(
    { port: 0, host: "127.0.0.1", tls: { cert: pki.serving.cert, key: pki.serving.key, clientCa: pki.ca } },
    {
      clusterName: CLUSTER,
      nodeNames: [NODE],
      aci,
      auth: new KubeletAuth(reviews, NODE),
      logger,
      streams: streamHandler({ aci, logger, resizeWaitMs: 300, ...opts.streams }),
      pods: kubePodReader(watcherCredentials),
      ...(opts.followTiming ? { followTiming: opts.followTiming } : {}),
      ...opts.extra,
    },
  );
  if (opts.proxied) {
    kube.createNode({ metadata: { name: NODE } });
    kube.patch(
      "nodes",
      undefined,
      NODE,
      {
        status: {
          addresses: [{ type: "InternalIP", address: "127.0.0.1" }],
          daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } },
        },
      },
      { subresource: "status" },
    );
  }
  return {
    sim,
    kube,
    kubelet,
    logger,
    aci,
    url: `https://127.0.0.1:${kubelet.port}`,
    async close() {
      await kubelet.close();
      await sim.close();
      await kube.close();
    },
  };
}

export interface SeedContainer {
  name: string;
  image: string;
  command?: string[];
  env?: Array<{ name: string; value?: string; secureValue?: string }>;
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}

/** Puts a Running group for pod `ns/pod` with the bridge's tags (or `tags` instead). */
export function seedPod(
  sim: AciSimulator,
  ns: string,
  pod: string,
  containers: SeedContainer[],
  opts: {
    startedAgoMs?: number;
    restartPolicy?: "Always" | "OnFailure" | "Never";
    tags?: Record<string, string>;
    volumes?: Json[];
  } = {},
): string {
  const name = containerGroupName(ns, pod);
  sim.seedGroup(
    RG,
    name,
    {
      location: "westeurope",
      tags:
        opts.tags ??
        containerGroupTags({ cluster: CLUSTER, node: NODE, namespace: ns, pod, uid: `uid-${pod}` }),
      properties: {
        osType: "Linux",
        restartPolicy: opts.restartPolicy ?? "Always",
        containers: containers.map((c) => ({
          name: c.name,
          properties: {
            image: c.image,
            ...(c.command ? { command: c.command } : {}),
            ...(c.env ? { environmentVariables: c.env } : {}),
            ...(c.volumeMounts ? { volumeMounts: c.volumeMounts } : {}),
            resources: { requests: { cpu: 1, memoryInGB: 1.5 } },
          },
        })),
        ...(opts.volumes ? { volumes: opts.volumes } : {}),
      },
    },
    opts.startedAgoMs !== undefined ? { startedAgoMs: opts.startedAgoMs } : {},
  );
  return name;
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface Credential {
  client?: KeyPair;
  token?: string;
}

export function tlsOptions(pki: TestPki, cred: Credential): https.RequestOptions {
  return {
    ca: pki.ca,
    ...(cred.client ? { cert: cred.client.cert, key: cred.client.key } : {}),
    headers: cred.token ? { authorization: `Bearer ${cred.token}` } : {},
    agent: false,
  };
}

/** One request; the whole body. */
export function get(
  h: Harness,
  pki: TestPki,
  path: string,
  cred: Credential = { client: pki.apiServer },
  method = "GET",
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${h.url}${path}`, { ...tlsOptions(pki, cred), method }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

/** A streaming request: chunks as they arrive, the end, and a way to hang up. */
export function stream(
  h: Harness,
  pki: TestPki,
  path: string,
  cred: Credential = { client: pki.apiServer },
): {
  text(): string;
  status: Promise<number>;
  ended: Promise<void>;
  waitFor(re: RegExp, ms?: number): Promise<void>;
  abort(): void;
} {
  let text = "";
  let onData: () => void = () => undefined;
  let req: ReturnType<typeof https.request>;
  let resolveStatus!: (n: number) => void;
  const status = new Promise<number>((r) => (resolveStatus = r));
  const ended = new Promise<void>((resolve, reject) => {
    req = https.request(`${h.url}${path}`, tlsOptions(pki, cred), (res) => {
      resolveStatus(res.statusCode ?? 0);
      res.on("data", (c: Buffer) => {
        text += c.toString("utf8");
        onData();
      });
      res.on("end", () => resolve());
      res.on("close", () => resolve());
      res.on("error", () => resolve());
    });
    req.on("error", (e) => (text.length ? resolve() : reject(e)));
    req.end();
  });
  return {
    text: () => text,
    status,
    ended,
    waitFor: (re, ms = 10_000) =>
      new Promise<void>((resolve, reject) => {
        if (re.test(text)) return resolve();
        const timer = setTimeout(
          () => reject(new Error(`timed out waiting for ${re} in ${JSON.stringify(text)}`)),
          ms,
        );
        onData = () => {
          if (re.test(text)) {
            clearTimeout(timer);
            resolve();
          }
        };
      }),
    abort: () => req.destroy(),
  };
}
