/**
 * Serving-certificate rotation for the kubelet endpoint, like the kubelet's certificate manager: once
 * `ROTATE_AT_FRACTION` (80 %) of the current certificate's validity has passed, obtain a new one (a new key
 * and CSR, servingCert.ts) and hand it to the running server (`server.setSecureContext`: new connections
 * get it, open ones keep theirs; no restart). A failed renewal is logged and retried after `retryMs`; the
 * current certificate keeps serving meanwhile.
 */
import { ensureError } from "../errors.js";
import type { Logger } from "../log.js";
import { rotationTime, type ServingCertificate } from "./servingCert.js";

/** setTimeout's limit (~24.8 days): longer waits are taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface RotationDeps {
  current: ServingCertificate;
  /** Obtains the next certificate (may wait for an approval). */
  renew: (signal: AbortSignal) => Promise<ServingCertificate>;
  /** Serves it (the server's `setTls`). */
  apply: (cert: ServingCertificate) => void;
  logger: Logger;
  node: string;
  retryMs?: number;
  now?: () => number;
}

export class ServingCertRotation {
  private timer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  private current: ServingCertificate;
  private readonly now: () => number;
  /** Resolves after each rotation attempt (tests wait on it). */
  private attempts: Array<() => void> = [];

  constructor(private readonly d: RotationDeps) {
    this.current = d.current;
    this.now = d.now ?? Date.now;
  }

  get certificate(): ServingCertificate {
    return this.current;
  }

  start(): void {
    this.schedule(rotationTime(this.current) - this.now());
  }

  stop(): void {
    this.abort.abort();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Resolves when the next rotation attempt (successful or not) has finished. */
  nextAttempt(): Promise<void> {
    return new Promise((resolve) => this.attempts.push(resolve));
  }

  /** Serves `cert` now and schedules its own rotation (e.g. a CSR issued after a self-signed fallback). */
  replace(cert: ServingCertificate): void {
    const previous = this.current;
    this.current = cert;
    this.d.apply(cert);
    this.d.logger.info("kubelet.cert.rotated", {
      node: this.d.node,
      source: cert.source,
      ...(cert.csrName ? { csr: cert.csrName } : {}),
      notAfter: cert.notAfter.toISOString(),
      previousNotAfter: previous.notAfter.toISOString(),
    });
    if (this.timer) clearTimeout(this.timer);
    this.schedule(rotationTime(cert) - this.now());
  }

  private schedule(ms: number): void {
    if (this.abort.signal.aborted) return;
    const wait = Math.max(0, Math.min(ms, MAX_TIMER_MS));
    this.timer = setTimeout(() => {
      if (rotationTime(this.current) - this.now() > 1000)
        return this.schedule(rotationTime(this.current) - this.now());
      void this.rotate();
    }, wait);
    this.timer.unref();
  }

  private async rotate(): Promise<void> {
    const previous = this.current;
    try {
      const next = await this.d.renew(this.abort.signal);
      if (this.abort.signal.aborted) return;
      this.current = next;
      this.d.apply(next);
      this.d.logger.info("kubelet.cert.rotated", {
        node: this.d.node,
        source: next.source,
        ...(next.csrName ? { csr: next.csrName } : {}),
        notAfter: next.notAfter.toISOString(),
        previousNotAfter: previous.notAfter.toISOString(),
      });
      this.schedule(rotationTime(next) - this.now());
    } catch (error) {
      if (this.abort.signal.aborted) return;
      this.d.logger.warn("kubelet.cert.rotate.failed", {
        node: this.d.node,
        error: ensureError(error).message,
        notAfter: previous.notAfter.toISOString(),
      });
      this.schedule(this.d.retryMs ?? 60_000);
    } finally {
      const waiting = this.attempts;
      this.attempts = [];
      for (const w of waiting) w();
    }
  }
}
