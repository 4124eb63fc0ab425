/** Small inline pods for the per-module tests (the fixtures under test/fixtures/pods are the realistic ones). */
import type { ContainerGroup } from "@azure/arm-containerinstance";
import type { V1Container, V1Pod, V1PodSpec } from "@kubernetes/client-node";
import { InvalidPodSpecError } from "../../lib/errors.js";
import { podToContainerGroup } from "../../lib/translate/index.js";
import type { NodeSettings, ResolvedReferences } from "../../lib/translate/types.js";
import { TEST_NODE } from "./harness.js";

export function podWith(spec: Partial<V1PodSpec>, container: Partial<V1Container> = {}): V1Pod {
  return {
    metadata: { name: "p", namespace: "default", uid: "u" },
    spec: { containers: [{ name: "app", image: "nginx", ...container }], ...spec },
  };
}

export type Outcome =
  { cg: ContainerGroup; warnings: string[] } | { error: { field: string; reason: string; message: string } };

export function run(
  pod: V1Pod,
  refs: Partial<ResolvedReferences> = {},
  node: Partial<NodeSettings> = {},
): Outcome {
  try {
    const t = podToContainerGroup(
      pod,
      { secrets: new Map(), configMaps: new Map(), entrypoints: new Map(), ...refs },
      { ...TEST_NODE, ...node },
    );
    return { cg: t.containerGroup, warnings: (t.warnings ?? []).map((w) => w.reason) };
  } catch (error) {
    if (!(error instanceof InvalidPodSpecError)) throw error;
    return { error: { field: error.field, reason: error.reason, message: error.message } };
  }
}

export function group(outcome: Outcome): ContainerGroup {
  if ("error" in outcome) throw new Error(`expected a group, got ${outcome.error.message}`);
  return outcome.cg;
}
