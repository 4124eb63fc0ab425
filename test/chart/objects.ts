/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- rendered manifests are untyped YAML */
/**
 * What the chart tests ask of rendered objects: validation against the Kubernetes schemas in
 * `kubernetes-models`, the watcher container and its env, and that env as a cluster would resolve it.
 */
import { expect } from "vitest";
import { Deployment } from "kubernetes-models/apps/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import {
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
} from "kubernetes-models/rbac.authorization.k8s.io/v1";
import { Secret, Service, ServiceAccount } from "kubernetes-models/v1";
import { find, type Obj, type Rendered } from "./helm.js";

const MODELS: Record<string, new (o: any) => { validate(): void }> = {
  Deployment,
  PodDisruptionBudget,
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
  Secret,
  Service,
  ServiceAccount,
};

export function validateAll(objects: Obj[]): void {
  for (const o of objects) {
    if (o.kind === "ServiceMonitor") continue; // a CRD kubernetes-models does not know; asserted field by field
    const Model = MODELS[o.kind];
    if (!Model) throw new Error(`no validator for kind ${o.kind}`);
    expect(() => new Model(o).validate(), `${o.kind} ${o.metadata?.name}`).not.toThrow();
  }
}

export const kinds = (objects: Obj[]): string[] => objects.map((o) => o.kind as string).sort();
export const container = (r: { objects: Obj[] }): Obj =>
  find(r, "Deployment")!.spec.template.spec.containers[0] as Obj;
export const podSpec = (r: { objects: Obj[] }): Obj => find(r, "Deployment")!.spec.template.spec as Obj;
export const envOf = (r: { objects: Obj[] }): Record<string, any> =>
  Object.fromEntries((container(r).env as Obj[]).map((e) => [e.name, e.value ?? e.valueFrom]));

/** The env a cluster would give the container (secret refs resolved from `secrets`). */
export function resolvedEnv(
  r: Pick<Rendered, "objects">,
  secrets: Record<string, string>,
  pod = "w-0",
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of container(r).env as Obj[]) {
    if (typeof e.value === "string") env[e.name] = e.value;
    else if (e.valueFrom?.secretKeyRef) env[e.name] = secrets[e.valueFrom.secretKeyRef.key] ?? "";
    else if (e.valueFrom?.fieldRef?.fieldPath === "metadata.namespace")
      env[e.name] = find(r, "Deployment")!.metadata.namespace;
    else if (e.valueFrom?.fieldRef?.fieldPath === "metadata.name") env[e.name] = pod;
  }
  return env;
}
