/**
 * Liveness/readiness/startup probes → ACI probes (docs/adr/0104-probes-aci-cannot-run.md). exec and httpGet
 * map (named ports resolved); tcpSocket/grpc are rejected unless dropped by policy; a startupProbe is folded
 * into the liveness probe's initial delay.
 */
import type { Container, ContainerProbe } from "@azure/arm-containerinstance";
import type { V1Container, V1Probe } from "@kubernetes/client-node";
import { InvalidPodSpecError } from "../errors.js";
import { ANN_UNSUPPORTED_PROBES, readAnnotation } from "./annotations.js";
import { PolicyRejection, warn, type TranslateContext } from "./context.js";

/** Sets `out.livenessProbe`/`readinessProbe` from the container's probes. */
export function applyProbes(ctx: TranslateContext, c: V1Container, path: string, out: Container): void {
  const liveness = translateProbe(ctx, c, c.livenessProbe, `${path}.livenessProbe`);
  const readiness = translateProbe(ctx, c, c.readinessProbe, `${path}.readinessProbe`);
  if (c.startupProbe) {
    const s = c.startupProbe;
    const window = (s.initialDelaySeconds ?? 0) + (s.periodSeconds ?? 10) * (s.failureThreshold ?? 3);
    if (liveness) liveness.initialDelaySeconds = Math.max(liveness.initialDelaySeconds ?? 0, window);
    warn(
      ctx,
      "StartupProbeApproximated",
      `${path}.startupProbe`,
      liveness
        ? `ACI has no startup probes; the liveness probe starts after the startup probe's window (${window}s) instead`
        : "ACI has no startup probes; it is not run",
    );
  }
  if (liveness) out.livenessProbe = liveness;
  if (readiness) out.readinessProbe = readiness;
}

function translateProbe(
  ctx: TranslateContext,
  c: V1Container,
  probe: V1Probe | undefined,
  field: string,
): ContainerProbe | undefined {
  if (!probe) return undefined;
  const out: ContainerProbe = {};
  if (probe.exec) {
    out.exec = { command: probe.exec.command ?? [] };
  } else if (probe.httpGet) {
    const h = probe.httpGet;
    if (h.host)
      throw new InvalidPodSpecError(
        `${field}.httpGet.host`,
        "ACI probes the container itself; another host cannot be probed",
      );
    out.httpGet = {
      port: resolvePort(c, h.port, `${field}.httpGet.port`),
      ...(h.path ? { path: h.path } : {}),
      ...(h.scheme ? { scheme: h.scheme.toLowerCase() } : {}),
      ...(h.httpHeaders?.length
        ? { httpHeaders: h.httpHeaders.map((x) => ({ name: x.name, value: x.value })) }
        : {}),
    };
  } else {
    const kind = probe.tcpSocket ? "tcpSocket" : probe.grpc ? "grpc" : "handler";
    if (kind === "handler") {
      throw new InvalidPodSpecError(
        field,
        "a probe needs exec, httpGet, tcpSocket or grpc",
        "InvalidPodSpec",
      );
    }
    const own = readAnnotation(ctx.pod, ANN_UNSUPPORTED_PROBES)?.value.toLowerCase();
    const choice = own === "drop" || own === "reject" ? own : ctx.policy.unsupportedProbes;
    if (choice === "drop") {
      warn(
        ctx,
        "ProbeDropped",
        `${field}.${kind}`,
        own === "drop"
          ? `ACI has no ${kind} probes; this probe is not run (${ANN_UNSUPPORTED_PROBES}: drop)`
          : `ACI has no ${kind} probes; this probe is not run (node policy ACI_UNSUPPORTED_PROBES=drop)`,
      );
      return undefined;
    }
    throw new PolicyRejection(
      `${field}.${kind}`,
      `ACI supports exec and httpGet probes only; use one of those, or set the annotation ${ANN_UNSUPPORTED_PROBES}: drop (or the node-wide ACI_UNSUPPORTED_PROBES=drop) to run the pod without this probe`,
    );
  }
  if (probe.initialDelaySeconds !== undefined) out.initialDelaySeconds = probe.initialDelaySeconds;
  if (probe.periodSeconds !== undefined) out.periodSeconds = probe.periodSeconds;
  if (probe.failureThreshold !== undefined) out.failureThreshold = probe.failureThreshold;
  if (probe.successThreshold !== undefined) out.successThreshold = probe.successThreshold;
  if (probe.timeoutSeconds !== undefined) out.timeoutSeconds = probe.timeoutSeconds;
  return out;
}

function resolvePort(c: V1Container, port: unknown, field: string): number {
  if (typeof port === "number") return port;
  const text = String(port);
  if (/^\d+$/.test(text)) return Number(text);
  const named = (c.ports ?? []).find((p) => p.name === text);
  if (!named) {
    throw new InvalidPodSpecError(
      field,
      `no port named "${text}" in this container's ports`,
      "InvalidPodSpec",
    );
  }
  return named.containerPort;
}
