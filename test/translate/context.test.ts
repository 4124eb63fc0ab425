import { describe, expect, it } from "vitest";
import { run } from "./helpers.js";

/** Error order (lib/translate/context.ts): unsupported by ACI, malformed, policy, missing reference. */
describe("which problem is reported", () => {
  const missingSecret = { name: "S", valueFrom: { secretKeyRef: { name: "absent", key: "k" } } };
  const podIp = { name: "IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } };
  const base = (container: object, spec: object = {}) => ({
    metadata: { name: "p", namespace: "default" },
    spec: { containers: [{ name: "app", image: "nginx", ...container }], ...spec },
  });

  it.each([
    [
      "a missing secret alone",
      base({ env: [missingSecret] }),
      "spec.containers[0].env[0].valueFrom.secretKeyRef",
    ],
    [
      "a policy before a missing secret",
      base({ env: [missingSecret, podIp] }),
      "spec.containers[0].env[1].valueFrom.fieldRef.fieldPath",
    ],
    [
      "a malformed field before a policy",
      base({ env: [podIp], livenessProbe: { httpGet: { port: "nope" } } }),
      "spec.containers[0].livenessProbe.httpGet.port",
    ],
    [
      "what ACI cannot run before anything, even in a later container",
      base(
        { env: [missingSecret, podIp] },
        { initContainers: [{ name: "i", image: "busybox", securityContext: { privileged: true } }] },
      ),
      "spec.initContainers[0].securityContext.privileged",
    ],
    [
      "the first of equals in pod order",
      base({ volumeDevices: [{ name: "d", devicePath: "/dev/x" }] }, { hostNetwork: true }),
      "spec.hostNetwork",
    ],
  ])("%s", (_name, pod, field) => {
    expect(run(pod)).toMatchObject({ error: { field } });
  });
});
