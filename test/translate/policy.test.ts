/**
 * Node-wide translation policies: parsed and validated by lib/config (`loadTranslationPolicy`), and applied by
 * the translator through the node settings, with the per-pod annotations still deciding for their pod.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_TRANSLATION_POLICY,
  loadTranslationPolicy,
  Reader,
  type TranslationPolicy,
} from "../../lib/config.js";
import { ConfigError, InvalidPodSpecError } from "../../lib/errors.js";
import { podToContainerGroup } from "../../lib/translate/index.js";
import { TEST_NODE } from "./harness.js";

const refs = { secrets: new Map(), configMaps: new Map(), entrypoints: new Map() };

function translate(pod: V1Pod, policy: Partial<TranslationPolicy> = {}) {
  const node = { ...TEST_NODE, policy };
  try {
    const t = podToContainerGroup(pod, refs, node);
    return { warnings: (t.warnings ?? []).map((w) => w.reason), cg: t.containerGroup };
  } catch (error) {
    if (!(error instanceof InvalidPodSpecError)) throw error;
    return { field: error.field };
  }
}

const pod = (container: object, annotations: Record<string, string> = {}): V1Pod => ({
  metadata: { name: "p", namespace: "default", annotations },
  spec: { containers: [{ name: "app", image: "nginx", ...container }] },
});

describe("loadTranslationPolicy", () => {
  it("defaults: reject unsupported probes, drop an unhonourable workingDir, reject excess ports", () => {
    expect(loadTranslationPolicy(new Reader({}))).toEqual({ ...DEFAULT_TRANSLATION_POLICY });
  });

  it("reads every setting", () => {
    expect(
      loadTranslationPolicy(
        new Reader({
          ACI_UNSUPPORTED_PROBES: "drop",
          ACI_POD_IP_SUBSTITUTE: "0.0.0.0",
          ACI_WORKING_DIR: "Reject",
          ACI_EXCESS_PORTS: "first5",
        }),
      ),
    ).toEqual({
      unsupportedProbes: "drop",
      podIpSubstitute: "0.0.0.0",
      workingDir: "reject",
      excessPorts: "first5",
    });
  });

  it.each([
    ["ACI_UNSUPPORTED_PROBES", "ignore"],
    ["ACI_WORKING_DIR", "wrap"],
    ["ACI_EXCESS_PORTS", "all"],
    ["ACI_POD_IP_SUBSTITUTE", "$(hostname)"],
  ])("rejects %s=%s naming the setting", (name, value) => {
    expect(() => loadTranslationPolicy(new Reader({ [name]: value }))).toThrow(ConfigError);
    expect(() => loadTranslationPolicy(new Reader({ [name]: value }))).toThrow(name);
  });
});

describe("policies in translation", () => {
  const tcp = { livenessProbe: { tcpSocket: { port: 80 } } };
  it("tcpSocket probes: node reject (default) vs node drop vs the pod's own choice", () => {
    expect(translate(pod(tcp))).toEqual({ field: "spec.containers[0].livenessProbe.tcpSocket" });
    expect(translate(pod(tcp), { unsupportedProbes: "drop" })).toMatchObject({ warnings: ["ProbeDropped"] });
    expect(translate(pod(tcp, { "aci-bridge.io/unsupported-probes": "drop" }))).toMatchObject({
      warnings: ["ProbeDropped"],
    });
    expect(
      translate(pod(tcp, { "aci-bridge.io/unsupported-probes": "reject" }), { unsupportedProbes: "drop" }),
    ).toEqual({ field: "spec.containers[0].livenessProbe.tcpSocket" });
  });

  it("status.podIP: the node's substitute, overridden by the pod's", () => {
    const ip = { env: [{ name: "IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }] };
    const value = (r: ReturnType<typeof translate>) =>
      "cg" in r ? r.cg?.containers[0]?.environmentVariables?.find((e) => e.name === "IP")?.value : undefined;
    expect(translate(pod(ip))).toEqual({ field: "spec.containers[0].env[0].valueFrom.fieldRef.fieldPath" });
    expect(value(translate(pod(ip), { podIpSubstitute: "0.0.0.0" }))).toBe("0.0.0.0");
    expect(
      value(
        translate(pod(ip, { "aci-bridge.io/pod-ip-substitute": "127.0.0.1" }), {
          podIpSubstitute: "0.0.0.0",
        }),
      ),
    ).toBe("127.0.0.1");
  });

  it("workingDir without image facts: drop (default, Warning) or reject", () => {
    expect(translate(pod({ workingDir: "/w", command: ["run"] }))).toMatchObject({
      warnings: ["WorkingDirDropped"],
    });
    expect(translate(pod({ workingDir: "/w", command: ["run"] }), { workingDir: "reject" })).toEqual({
      field: "spec.containers[0].workingDir",
    });
  });
});
