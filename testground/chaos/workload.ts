/**
 * The chaos workload: pods of a few shapes (plain, secret env, image pull secret, secret volume, short job),
 * each with its own Secret holding a distinctive `CHAOS-SECRET-<hex>` value, so a leak anywhere names the pod.
 * Pods are created already bound to the virtual node (the API fake has no scheduler).
 */
import type { V1Pod, V1Secret } from "@kubernetes/client-node";
import type { Rng } from "./prng.js";
import { SECRET_PREFIX } from "./secrets.js";

export const CHAOS_NAMESPACE = "chaos";
export const PULL_REGISTRY = "chaosacr.azurecr.io";

export type PodShape = "plain" | "secret-env" | "pull-secret" | "secret-volume" | "job";

export interface PlannedPod {
  pod: V1Pod;
  secrets: V1Secret[];
  /** The distinctive values this pod's secrets hold. */
  secretValues: string[];
  shape: PodShape;
}

const SHAPES: ReadonlyArray<[PodShape, number]> = [
  ["plain", 0.3],
  ["secret-env", 0.3],
  ["pull-secret", 0.2],
  ["secret-volume", 0.1],
  ["job", 0.1],
];

export function pickShape(rng: Rng): PodShape {
  let r = rng.next();
  for (const [shape, p] of SHAPES) {
    if (r < p) return shape;
    r -= p;
  }
  return "plain";
}

/** Tolerates both the article's taint and the virtual-kubelet one, as real manifests for virtual nodes do. */
const TOLERATIONS = [
  { key: "azure.com/aci", operator: "Exists", effect: "NoSchedule" },
  { key: "virtual-kubelet.io/provider", operator: "Exists", effect: "NoSchedule" },
];

export function planPod(name: string, shape: PodShape, rng: Rng): PlannedPod {
  const secretValues: string[] = [];
  const secrets: V1Secret[] = [];
  const newValue = () => {
    const v = `${SECRET_PREFIX}${rng.hex(20)}`;
    secretValues.push(v);
    return v;
  };
  const container: NonNullable<V1Pod["spec"]>["containers"][number] = {
    name: "app",
    image: "mcr.microsoft.com/azuredocs/aci-helloworld:latest",
    ports: [{ containerPort: 80 }],
    env: [{ name: "MODE", value: "chaos" }],
    resources: { requests: { cpu: "100m", memory: "128Mi" } },
  };
  const spec: NonNullable<V1Pod["spec"]> = {
    containers: [container],
    tolerations: TOLERATIONS,
    automountServiceAccountToken: rng.chance(0.5),
  };
  const secretName = `${name}-creds`;
  if (shape === "secret-env" || shape === "pull-secret" || shape === "secret-volume") {
    secrets.push({
      metadata: { name: secretName, namespace: CHAOS_NAMESPACE },
      stringData: { password: newValue(), token: newValue() },
    });
  }
  if (shape === "secret-env" || shape === "pull-secret") {
    container.env!.push(
      { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: secretName, key: "password" } } },
      { name: "API_TOKEN", valueFrom: { secretKeyRef: { name: secretName, key: "token" } } },
    );
  }
  if (shape === "pull-secret") {
    const pullName = `${name}-pull`;
    const dockerconfig = {
      auths: { [PULL_REGISTRY]: { username: "chaos-robot", password: newValue() } },
    };
    secrets.push({
      metadata: { name: pullName, namespace: CHAOS_NAMESPACE },
      type: "kubernetes.io/dockerconfigjson",
      stringData: { ".dockerconfigjson": JSON.stringify(dockerconfig) },
    });
    container.image = `${PULL_REGISTRY}/chaos/app:1.0`;
    spec.imagePullSecrets = [{ name: pullName }];
  }
  if (shape === "secret-volume") {
    spec.volumes = [{ name: "creds", secret: { secretName } }];
    container.volumeMounts = [{ name: "creds", mountPath: "/etc/creds", readOnly: true }];
  }
  if (shape === "job") {
    // Simulator convention: exits 0 after the given time; restartPolicy Never makes the pod Succeeded.
    container.image = `mcr.microsoft.com/aci-sim/exit-0-after-${rng.int(2, 8) * 1000}ms:1`;
    container.ports = [];
    spec.restartPolicy = "Never";
  }
  return {
    pod: { metadata: { name, namespace: CHAOS_NAMESPACE, labels: { app: "chaos", shape } }, spec },
    secrets,
    secretValues,
    shape,
  };
}
