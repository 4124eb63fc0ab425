/**
 * Which Secret or ConfigMap a pod needs and does not have yet, judged the way the kubelet judges it. The
 * kubelet does not fail such a pod: it keeps it Pending and retries until the object appears.
 * - A volume (secret, configMap, projected sources, azureFile / CSI secrets) that cannot be set up: the pod's
 *   containers stay Waiting `ContainerCreating` and the kubelet records `FailedMount`
 *   (`MountVolume.SetUp failed for volume "v" : secret "x" not found`).
 * - An env `valueFrom` or `envFrom` source: the container is Waiting `CreateContainerConfigError` and the
 *   kubelet records `Failed` (`Error: secret "x" not found`, `couldn't find key k in Secret ns/x`).
 * `optional: true` references are skipped when missing, like the kubelet does. Volumes are checked first:
 * the kubelet mounts a pod's volumes before it configures any container. Pure.
 */
import type { V1ConfigMap, V1Container, V1Pod, V1Secret } from "@kubernetes/client-node";
import type { PendingContainer } from "../translate/pendingPodStatus.js";
import type { KubeEventSpec } from "../translate/types.js";

export interface ReferencedObjects {
  secrets: ReadonlyMap<string, V1Secret>;
  configMaps: ReadonlyMap<string, V1ConfigMap>;
}

export type MissingReference =
  | { kind: "mount"; volume: string; message: string }
  | { kind: "config"; container: string; init: boolean; message: string };

export function findMissingReference(pod: V1Pod, objects: ReferencedObjects): MissingReference | undefined {
  const ns = pod.metadata?.namespace ?? "default";
  const secretKeys = (name: string) => keysOf(objects.secrets.get(name));
  const configMapKeys = (name: string) => keysOf(objects.configMaps.get(name));

  for (const v of pod.spec?.volumes ?? []) {
    const mount = (message: string): MissingReference => ({
      kind: "mount",
      volume: v.name,
      message: `MountVolume.SetUp failed for volume "${v.name}" : ${message}`,
    });
    if (v.secret?.secretName) {
      const keys = secretKeys(v.secret.secretName);
      if (!keys) {
        if (!v.secret.optional) return mount(`secret "${v.secret.secretName}" not found`);
      } else {
        const absent = (v.secret.items ?? []).find((i) => !keys.has(i.key));
        if (absent && !v.secret.optional) return mount(`references non-existent secret key: ${absent.key}`);
      }
    }
    if (v.configMap?.name) {
      const keys = configMapKeys(v.configMap.name);
      if (!keys) {
        if (!v.configMap.optional) return mount(`configmap "${v.configMap.name}" not found`);
      } else {
        const absent = (v.configMap.items ?? []).find((i) => !keys.has(i.key));
        if (absent && !v.configMap.optional) {
          return mount(`configmap references non-existent config key: ${absent.key}`);
        }
      }
    }
    for (const source of v.projected?.sources ?? []) {
      if (source.secret?.name && !source.secret.optional) {
        const keys = secretKeys(source.secret.name);
        if (!keys) return mount(`secret "${source.secret.name}" not found`);
        const absent = (source.secret.items ?? []).find((i) => !keys.has(i.key));
        if (absent) return mount(`references non-existent secret key: ${absent.key}`);
      }
      if (source.configMap?.name && !source.configMap.optional) {
        const keys = configMapKeys(source.configMap.name);
        if (!keys) return mount(`configmap "${source.configMap.name}" not found`);
        const absent = (source.configMap.items ?? []).find((i) => !keys.has(i.key));
        if (absent) return mount(`configmap references non-existent config key: ${absent.key}`);
      }
    }
    if (v.azureFile?.secretName && !secretKeys(v.azureFile.secretName)) {
      return mount(`secret "${v.azureFile.secretName}" not found`);
    }
    const csiSecret = v.csi?.nodePublishSecretRef?.name ?? v.csi?.volumeAttributes?.["secretName"];
    if (csiSecret && !secretKeys(csiSecret)) return mount(`secret "${csiSecret}" not found`);
  }

  const containers: [V1Container, boolean][] = [
    ...(pod.spec?.initContainers ?? []).map((c): [V1Container, boolean] => [c, true]),
    ...(pod.spec?.containers ?? []).map((c): [V1Container, boolean] => [c, false]),
  ];
  for (const [c, init] of containers) {
    const config = (message: string): MissingReference => ({
      kind: "config",
      container: c.name,
      init,
      message,
    });
    // The kubelet reads envFrom before env (makeEnvironmentVariables).
    for (const from of c.envFrom ?? []) {
      if (from.configMapRef?.name && !from.configMapRef.optional && !configMapKeys(from.configMapRef.name)) {
        return config(`configmap "${from.configMapRef.name}" not found`);
      }
      if (from.secretRef?.name && !from.secretRef.optional && !secretKeys(from.secretRef.name)) {
        return config(`secret "${from.secretRef.name}" not found`);
      }
    }
    for (const e of c.env ?? []) {
      const cm = e.valueFrom?.configMapKeyRef;
      if (cm?.name && !cm.optional) {
        const keys = configMapKeys(cm.name);
        if (!keys) return config(`configmap "${cm.name}" not found`);
        if (!keys.has(cm.key)) return config(`couldn't find key ${cm.key} in ConfigMap ${ns}/${cm.name}`);
      }
      const secret = e.valueFrom?.secretKeyRef;
      if (secret?.name && !secret.optional) {
        const keys = secretKeys(secret.name);
        if (!keys) return config(`secret "${secret.name}" not found`);
        if (!keys.has(secret.key))
          return config(`couldn't find key ${secret.key} in Secret ${ns}/${secret.name}`);
      }
    }
  }
  return undefined;
}

function keysOf(object: V1Secret | V1ConfigMap | undefined): Set<string> | undefined {
  if (!object) return undefined;
  const keys = new Set<string>(Object.keys(object.data ?? {}));
  if ("binaryData" in object) for (const k of Object.keys(object.binaryData ?? {})) keys.add(k);
  if ("stringData" in object) for (const k of Object.keys(object.stringData ?? {})) keys.add(k);
  return keys;
}

/** The kubelet's container back-off: 10 s, doubling, capped at 5 minutes. */
export const REFERENCE_RETRY_MIN_SECONDS = 10;
export const REFERENCE_RETRY_MAX_SECONDS = 300;

/**
 * Seconds until the next look at a pod that has waited `waitedSeconds` so far: the time waited, between
 * 10 s and 5 min. Looks then fall at 0, 10, 20, 40, 80, 160, 300, 600… s: a doubling back-off that needs no
 * counter (the wait's start is on the pod, so any instance continues it).
 */
export function referenceRetrySeconds(waitedSeconds: number): number {
  return Math.min(
    REFERENCE_RETRY_MAX_SECONDS,
    Math.max(REFERENCE_RETRY_MIN_SECONDS, Math.floor(waitedSeconds)),
  );
}

/** How many looks that schedule has made after `waitedSeconds` (the Event's count, like the kubelet's). */
export function referenceLooks(waitedSeconds: number): number {
  let t = 0;
  let looks = 1;
  for (;;) {
    const step = referenceRetrySeconds(t);
    if (t + step > waitedSeconds) return looks;
    t += step;
    looks++;
  }
}

export interface ReferenceWait {
  /** The container's waiting reason and message, as the kubelet shows them. */
  waiting: PendingContainer | undefined;
  /** The Event the kubelet records for it. */
  event: KubeEventSpec;
  /** Seconds until the next look. */
  retrySeconds: number;
  /** When the wait started (kept on the pod). */
  since: Date;
}

/** What a pod waiting for `missing` shows and when it is looked at again. Pure. */
export function referenceWait(missing: MissingReference, since: Date, now: Date): ReferenceWait {
  const waited = Math.max(0, (now.getTime() - since.getTime()) / 1000);
  const count = referenceLooks(waited);
  const at = new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString();
  const first = new Date(Math.floor(since.getTime() / 1000) * 1000).toISOString();
  if (missing.kind === "mount") {
    return {
      waiting: undefined,
      event: {
        type: "Warning",
        reason: "FailedMount",
        message: missing.message,
        key: `failedmount/${missing.volume}`,
        count,
        firstTimestamp: first,
        lastTimestamp: at,
      },
      retrySeconds: referenceRetrySeconds(waited),
      since,
    };
  }
  const field = missing.init ? "initContainers" : "containers";
  return {
    waiting: {
      name: missing.container,
      init: missing.init,
      reason: "CreateContainerConfigError",
      message: missing.message,
    },
    event: {
      type: "Warning",
      reason: "Failed",
      message: `Error: ${missing.message}`,
      key: `failed/config/${field}/${missing.container}`,
      count,
      firstTimestamp: first,
      lastTimestamp: at,
      fieldPath: `spec.${field}{${missing.container}}`,
    },
    retrySeconds: referenceRetrySeconds(waited),
    since,
  };
}
