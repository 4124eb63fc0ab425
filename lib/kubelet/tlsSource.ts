/**
 * Getting a kubelet-serving certificate through the CSR API for as long as it takes (the watcher's `csr`
 * mode, and every rotation): one CSR, waited for until it is issued; a denied, failed or deleted CSR is
 * replaced by a new one after `retryMs`; API errors are retried likewise. Never self-signed: in a cluster
 * the API server may verify the kubelet's certificate (`--kubelet-certificate-authority`).
 */
import { ensureError } from "../errors.js";
import type { Logger } from "../log.js";
import {
  awaitServingCertificate,
  CsrPendingError,
  CsrRefusedError,
  newServingRequest,
  servingCsrName,
  servingCsrObject,
  type CsrApi,
  type ServingCertificate,
  type ServingIdentity,
} from "./servingCert.js";

export interface IssueOptions {
  api: CsrApi;
  logger: Logger;
  signal: AbortSignal;
  /** Between polls of a pending CSR. Default 5 s. */
  pollMs?: number;
  /** After a refused CSR or an API error, before trying again. Default 60 s. */
  retryMs?: number;
  expirationSeconds?: number;
}

export class AbortedError extends Error {
  override name = "AbortedError";
}

export async function issueUntilApproved(id: ServingIdentity, o: IssueOptions): Promise<ServingCertificate> {
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        o.signal.removeEventListener("abort", done);
        resolve();
      }
      o.signal.addEventListener("abort", done);
    });
  for (;;) {
    if (o.signal.aborted) throw new AbortedError("stopped while waiting for the kubelet-serving CSR");
    let name = "";
    try {
      const { keyPem, requestPem } = await newServingRequest(id);
      name = servingCsrName(id.nodeName, requestPem);
      await o.api.create(servingCsrObject(name, requestPem, o.expirationSeconds));
      o.logger.info("kubelet.cert.pending", { node: id.nodeName, csr: name });
      const cert = await awaitServingCertificate(
        { name, keyPem },
        { api: o.api, timeoutMs: Infinity, pollMs: o.pollMs ?? 5_000, signal: o.signal, sleep },
      );
      o.logger.info("kubelet.cert.issued", {
        node: id.nodeName,
        csr: name,
        notAfter: cert.notAfter.toISOString(),
      });
      return cert;
    } catch (error) {
      if (o.signal.aborted || error instanceof CsrPendingError) {
        throw new AbortedError("stopped while waiting for the kubelet-serving CSR");
      }
      o.logger.warn("kubelet.cert.refused", {
        node: id.nodeName,
        ...(name ? { csr: name } : {}),
        reason: error instanceof CsrRefusedError ? error.state : "error",
        error: ensureError(error).message,
      });
      await sleep(o.retryMs ?? 60_000);
    }
  }
}
