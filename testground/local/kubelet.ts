/**
 * The virtual node's kubelet endpoint in the local stack (`npm start`; with `--serve` against a real
 * cluster, so `kubectl logs/exec/attach` and metrics scrapes reach it): the same code as the watcher's
 * (lib/kubelet/start.ts), given the stack's parts — the simulator's ARM endpoint and Monitor metrics (or real
 * Azure), and the chosen cluster's (or the API fake's) connection for TokenReview, SubjectAccessReview, the
 * client CA and the serving certificate's CSR.
 *
 * Serving certificate: a kubelet-serving CSR, waited for `csrTimeoutMs`; not issued by then (no approver),
 * refused or not allowed → a self-signed certificate for the node address, with a note (the API server does
 * not verify kubelet serving certificates unless `--kubelet-certificate-authority` is set). A CSR still
 * pending is watched meanwhile: once someone approves it, the endpoint switches to the issued certificate.
 */
import { createServer } from "node:net";
import { ensureError } from "../../lib/errors.js";
import type { Logger } from "../../lib/log.js";
import type { KubeConnection } from "../../lib/kube/http/connection.js";
import { ServingCertRotation } from "../../lib/kubelet/certRotation.js";
import { readClusterClientCa } from "../../lib/kubelet/clientCa.js";
import type { RunningKubelet, TlsMaterial } from "../../lib/kubelet/server.js";
import {
  awaitServingCertificate,
  CsrPendingError,
  kubeCsrApi,
  requestServingCertificate,
  selfSignedServingCertificate,
  type ServingCertificate,
} from "../../lib/kubelet/servingCert.js";
import { kubePodReader } from "../../lib/kube/http/pod.js";
import { azureKubeletApis, startKubeletEndpointWith } from "../../lib/kubelet/start.js";
import { kubeReviews } from "../../lib/kubelet/kubeReviews.js";
import { issueUntilApproved } from "../../lib/kubelet/tlsSource.js";

export interface LocalKubeletOptions {
  address: string;
  /** 0: any free port. */
  port: number;
  nodeName: string;
  clusterName: string;
  kube: KubeConnection;
  /** The kubeconfig's `certificate-authority-data`: the client CA when the ConfigMap cannot be read. */
  fallbackClientCa?: string;
  aci: { subscriptionId: string; resourceGroup: string; armEndpoint?: string; armInsecure: boolean };
  metricsEndpoint?: string;
  csrTimeoutMs: number;
  progress: (line: string) => void;
  logger: Logger;
}

export interface LocalKubelet {
  address: string;
  port: number;
  url: string;
  /** Where the certificate being served came from (changes to `csr` if a pending CSR is approved later). */
  certificate(): ServingCertificate["source"];
  close(): Promise<void>;
}

export async function startLocalKubelet(o: LocalKubeletOptions): Promise<LocalKubelet> {
  const clientCa = await clientCaOf(o);
  const withCa = (c: ServingCertificate): TlsMaterial => ({
    cert: c.cert,
    key: c.key,
    ...(clientCa ? { clientCa } : {}),
  });
  const id = { nodeName: o.nodeName, address: o.address, dnsNames: [o.nodeName] };
  const api = kubeCsrApi(o.kube);
  const stop = new AbortController();
  let first: ServingCertificate;
  let pending: CsrPendingError | undefined;
  try {
    first = await requestServingCertificate(id, { api, timeoutMs: o.csrTimeoutMs, progress: o.progress });
    o.progress(`  kubelet serving certificate: issued by the cluster (CSR ${first.csrName})`);
  } catch (error) {
    if (error instanceof CsrPendingError) pending = error;
    first = await selfSignedServingCertificate(id);
    o.progress(
      `  note: ${ensureError(error).message}; serving a self-signed certificate for ${o.address} instead ` +
        `(the API server does not verify kubelet serving certificates unless --kubelet-certificate-authority is set)` +
        `${pending ? "; the CSR stays pending and is used once approved" : ""}`,
    );
  }
  let running: RunningKubelet;
  const rotation = new ServingCertRotation({
    current: first,
    // Rotations of a cluster-issued certificate wait for the next approval; a self-signed one is only
    // replaced by an approved CSR (below), its own rotation is a year away.
    renew: (signal) => issueUntilApproved(id, { api, logger: o.logger, signal }),
    apply: (c) => running.setTls(withCa(c)),
    logger: o.logger,
    node: o.nodeName,
  });
  try {
    running = await startKubeletEndpointWith({
      port: o.port,
      host: o.address,
      tls: withCa(first),
      clusterName: o.clusterName,
      nodeNames: [o.nodeName],
      nodeName: o.nodeName,
      ...azureKubeletApis(
        { ...o.aci, ...(o.aci.armEndpoint ? { armEndpoint: o.aci.armEndpoint } : {}) },
        o.metricsEndpoint,
      ),
      reviews: kubeReviews(o.kube),
      pods: kubePodReader(o.kube),
      logger: o.logger,
      statsRefreshMs: 60_000,
    });
  } catch (error) {
    stop.abort();
    throw error;
  }
  rotation.start();
  if (pending) {
    void awaitServingCertificate(pending.pending, {
      api,
      timeoutMs: Infinity,
      pollMs: 2_000,
      signal: stop.signal,
    }).then(
      (issued) => {
        if (stop.signal.aborted) return;
        rotation.replace(issued);
        o.progress(
          `kubelet serving certificate: CSR ${issued.csrName} approved; now serving the issued certificate`,
        );
      },
      () => undefined,
    );
  }
  const host = o.address.includes(":") ? `[${o.address}]` : o.address;
  return {
    address: o.address,
    port: running.port,
    url: `https://${host}:${running.port}`,
    certificate: () => rotation.certificate.source,
    close: async () => {
      stop.abort();
      rotation.stop();
      await running.close();
    },
  };
}

async function clientCaOf(o: LocalKubeletOptions): Promise<string | undefined> {
  try {
    const pem = await readClusterClientCa(o.kube);
    if (pem) return pem;
    throw new Error("it has no client-ca-file");
  } catch (error) {
    const why = `cannot read kube-system/extension-apiserver-authentication (${ensureError(error).message})`;
    if (o.fallbackClientCa) {
      o.progress(
        `  note: ${why}: trusting the kubeconfig's certificate-authority-data for client certificates`,
      );
      return o.fallbackClientCa;
    }
    o.progress(`  note: ${why}: only bearer tokens authenticate to the kubelet endpoint`);
    return undefined;
  }
}

/** Why `address:port` cannot be listened on (`EADDRINUSE`, `EADDRNOTAVAIL`, `EACCES`, …), or undefined if it can. */
export function probeListen(address: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    server.listen({ host: address, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

export type KubeletPortPlan = { port: number; note?: string } | { error: string };

/**
 * The port to serve on, decided before the serving certificate is asked for (a CSR may wait 30 s: a port
 * problem must not show up only after it). `probe`: what `probeListen` said. A port the user did not choose
 * (10250, the default with a real cluster) that is taken — a kubelet on this machine — gives way to any free
 * port: the Node's `daemonEndpoints.kubeletEndpoint.Port` carries it, and the API server calls that port. Pure.
 */
export function planKubeletPort(
  o: { address: string; port: number; chosen: boolean },
  probe: string | undefined,
): KubeletPortPlan {
  if (o.port === 0 || probe === undefined) return { port: o.port };
  if (probe === "EADDRINUSE" && !o.chosen) {
    return {
      port: 0,
      note:
        `port ${o.port} is in use on ${o.address} (a kubelet on this machine?): the endpoint takes any free port ` +
        `and the Node advertises it (the API server uses it; metrics-server scrapes ${o.port} unless run with ` +
        `--kubelet-use-node-status-port); --kubelet-port picks one`,
    };
  }
  if (probe === "EADDRINUSE") {
    return {
      error: `port ${o.port} is in use on ${o.address} (kubelet endpoint): stop what listens there, or pass another --kubelet-port`,
    };
  }
  return {
    error: `cannot listen on ${o.address}:${o.port} (${probe}, kubelet endpoint): --node-address must be an address of this machine${probe === "EACCES" ? " (ports below 1024 need privileges)" : ""}`,
  };
}
