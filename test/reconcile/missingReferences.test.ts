/** Missing Secrets/ConfigMaps judged like the kubelet, and the back-off while waiting for them. Pure. */
import type { V1ConfigMap, V1Container, V1Pod, V1Secret } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { retryBackoffSeconds } from "../../lib/functions/handlers.js";
import {
  findMissingReference,
  referenceLooks,
  referenceRetrySeconds,
  referenceWait,
} from "../../lib/reconcile/missingReferences.js";

const secret = (name: string, keys: string[]): [string, V1Secret] => [
  name,
  { metadata: { name }, data: Object.fromEntries(keys.map((k) => [k, "eA=="])) },
];
const configMap = (name: string, keys: string[]): [string, V1ConfigMap] => [
  name,
  { metadata: { name }, data: Object.fromEntries(keys.map((k) => [k, "x"])) },
];
const objects = {
  secrets: new Map([secret("db", ["password"])]),
  configMaps: new Map([configMap("settings", ["mode"])]),
};

function pod(spec: Partial<V1Pod["spec"]>, container: Partial<V1Container> = {}): V1Pod {
  return {
    metadata: { name: "p", namespace: "shop" },
    spec: { containers: [{ name: "app", image: "nginx", ...container }], ...spec },
  };
}

const rows: { name: string; pod: V1Pod; expected: unknown }[] = [
  {
    name: "env secretKeyRef, secret missing",
    pod: pod({}, { env: [{ name: "A", valueFrom: { secretKeyRef: { name: "nope", key: "k" } } }] }),
    expected: { kind: "config", container: "app", init: false, message: 'secret "nope" not found' },
  },
  {
    name: "env secretKeyRef, key missing",
    pod: pod({}, { env: [{ name: "A", valueFrom: { secretKeyRef: { name: "db", key: "user" } } }] }),
    expected: { kind: "config", message: "couldn't find key user in Secret shop/db" },
  },
  {
    name: "env configMapKeyRef, key missing",
    pod: pod(
      {},
      {
        name: "app",
        env: [{ name: "A", valueFrom: { configMapKeyRef: { name: "settings", key: "level" } } }],
      },
    ),
    expected: { kind: "config", message: "couldn't find key level in ConfigMap shop/settings" },
  },
  {
    name: "env configMapKeyRef optional, configmap missing → no wait",
    pod: pod(
      {},
      {
        name: "app",
        env: [{ name: "A", valueFrom: { configMapKeyRef: { name: "x", key: "k", optional: true } } }],
      },
    ),
    expected: undefined,
  },
  {
    name: "envFrom configMapRef missing",
    pod: pod({}, { envFrom: [{ configMapRef: { name: "absent" } }] }),
    expected: { kind: "config", message: 'configmap "absent" not found' },
  },
  {
    name: "envFrom secretRef optional missing → no wait",
    pod: pod({}, { envFrom: [{ secretRef: { name: "absent", optional: true } }] }),
    expected: undefined,
  },
  {
    name: "init container env → names the init container",
    pod: pod({
      initContainers: [
        {
          name: "migrate",
          image: "m",
          env: [{ name: "A", valueFrom: { secretKeyRef: { name: "nope", key: "k" } } }],
        },
      ],
    }),
    expected: { kind: "config", container: "migrate", init: true },
  },
  {
    name: "secret volume missing → FailedMount",
    pod: pod({ volumes: [{ name: "certs", secret: { secretName: "tls" } }] }),
    expected: {
      kind: "mount",
      volume: "certs",
      message: 'MountVolume.SetUp failed for volume "certs" : secret "tls" not found',
    },
  },
  {
    name: "secret volume optional missing → no wait",
    pod: pod({ volumes: [{ name: "certs", secret: { secretName: "tls", optional: true } }] }),
    expected: undefined,
  },
  {
    name: "configMap volume item key missing",
    pod: pod({
      volumes: [{ name: "cfg", configMap: { name: "settings", items: [{ key: "other", path: "o" }] } }],
    }),
    expected: { kind: "mount", message: expect.stringContaining("non-existent config key: other") },
  },
  {
    name: "projected secret source missing",
    pod: pod({ volumes: [{ name: "all", projected: { sources: [{ secret: { name: "gone" } }] } }] }),
    expected: { kind: "mount", message: expect.stringContaining('secret "gone" not found') },
  },
  {
    name: "projected optional source missing → no wait",
    pod: pod({
      volumes: [{ name: "all", projected: { sources: [{ configMap: { name: "gone", optional: true } }] } }],
    }),
    expected: undefined,
  },
  {
    name: "volumes before env, like the kubelet (mount before container config)",
    pod: pod(
      { volumes: [{ name: "certs", secret: { secretName: "tls" } }] },
      { env: [{ name: "A", valueFrom: { secretKeyRef: { name: "nope", key: "k" } } }] },
    ),
    expected: { kind: "mount" },
  },
  {
    name: "everything present",
    pod: pod(
      { volumes: [{ name: "cfg", configMap: { name: "settings" } }] },
      { env: [{ name: "A", valueFrom: { secretKeyRef: { name: "db", key: "password" } } }] },
    ),
    expected: undefined,
  },
];

describe("findMissingReference", () => {
  it.each(rows)("$name", ({ pod: p, expected }) => {
    const found = findMissingReference(p, objects);
    if (expected === undefined) expect(found).toBeUndefined();
    else expect(found).toMatchObject(expected as object);
  });
});

describe("the wait", () => {
  it("backs off 10 s, doubling with the time waited, capped at 5 minutes", () => {
    const looksAt: number[] = [];
    for (let t = 0; t < 1500; t += referenceRetrySeconds(t)) looksAt.push(t);
    expect(looksAt.slice(0, 8)).toEqual([0, 10, 20, 40, 80, 160, 320, 620]);
    expect(referenceRetrySeconds(10_000)).toBe(300);
    expect(referenceLooks(0)).toBe(1);
    expect(referenceLooks(25)).toBe(3);
    expect(referenceLooks(320)).toBe(7);
  });

  it("a config error is the kubelet's CreateContainerConfigError with a Failed Event on the container", () => {
    const since = new Date("2026-12-01T12:00:00Z");
    const wait = referenceWait(
      { kind: "config", container: "app", init: false, message: 'secret "db" not found' },
      since,
      new Date(since.getTime() + 25_000),
    );
    expect(wait.waiting).toEqual({
      name: "app",
      init: false,
      reason: "CreateContainerConfigError",
      message: 'secret "db" not found',
    });
    expect(wait.event).toMatchObject({
      type: "Warning",
      reason: "Failed",
      message: 'Error: secret "db" not found',
      fieldPath: "spec.containers{app}",
      count: 3,
    });
    expect(wait.retrySeconds).toBe(25);
  });
});

describe("transient retry back-off", () => {
  it("2 s doubling per attempt, capped at 5 minutes", () => {
    expect([1, 2, 3, 4, 5, 6].map(retryBackoffSeconds)).toEqual([2, 4, 8, 16, 32, 64]);
    expect(retryBackoffSeconds(9)).toBe(300);
    expect(retryBackoffSeconds(10_000)).toBe(300);
  });
});
