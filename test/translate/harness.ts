/**
 * Loads a pod fixture (test/fixtures/pods/*.yaml): the first workload in the file becomes a pod (with the
 * API server's admission defaults, like the CLI), the Secrets/ConfigMaps in the file are its references.
 * Optional header comments: `# node: {…}` overrides node settings (including `policy`),
 * `# entrypoints: {image: [...]}`, `# imageConfigs: {image: {entrypoint, cmd, workingDir, hasShell}}`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { V1ConfigMap, V1Pod, V1Secret } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import {
  applyAdmissionDefaults,
  podsFromManifest,
  splitDocuments,
  type Manifest,
} from "../../cli/workloads.js";
import { collectReferences } from "../../lib/translate/index.js";
import type { ImageConfigFacts, NodeSettings, ResolvedReferences } from "../../lib/translate/types.js";

export const FIXTURES = join(__dirname, "..", "fixtures", "pods");

export const TEST_NODE: NodeSettings = {
  clusterName: "test",
  nodeName: "aci-bridge",
  region: "westeurope",
  os: "Linux",
  allowPublicIp: false,
  dnsServers: [],
  clusterDomain: "cluster.local",
  nodeIP: "10.240.0.250",
  maxCpuPerGroup: 4,
  maxMemoryGbPerGroup: 16,
};

export const TOKEN_PREFIX = "TOKEN-S3CRET-";

export interface Fixture {
  pod: V1Pod;
  refs: ResolvedReferences;
  node: NodeSettings;
  secrets: V1Secret[];
}

export function loadFixture(name: string): Fixture {
  const text = readFileSync(join(FIXTURES, `${name}.yaml`), "utf8");
  const header = (key: string): unknown => {
    const line = text.split("\n").find((l) => l.startsWith(`# ${key}: `));
    return line ? JSON.parse(line.slice(key.length + 4)) : undefined;
  };
  const docs = parseAllDocuments(text)
    .map((d) => d.toJS() as Manifest)
    .filter(Boolean);
  const { workloads, resources } = splitDocuments(docs);
  const [first] = workloads.flatMap(podsFromManifest);
  if (!first) throw new Error(`${name}: no pod`);
  const pod = applyAdmissionDefaults(first, "default");
  const ns = pod.metadata?.namespace ?? "default";
  const byName = <T extends { metadata?: { name?: string } }>(list: T[]) =>
    new Map(list.map((o) => [o.metadata?.name ?? "", o] as const));
  const configMaps = byName<V1ConfigMap>(resources.configMaps);
  if (!configMaps.has("kube-root-ca.crt")) {
    configMaps.set("kube-root-ca.crt", {
      metadata: { name: "kube-root-ca.crt", namespace: ns },
      data: { "ca.crt": "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n" },
    });
  }
  const entrypoints = new Map(Object.entries((header("entrypoints") ?? {}) as Record<string, string[]>));
  const refs: ResolvedReferences = { secrets: byName(resources.secrets), configMaps, entrypoints };
  const imageConfigs = header("imageConfigs") as Record<string, ImageConfigFacts> | undefined;
  if (imageConfigs) refs.imageConfigs = new Map(Object.entries(imageConfigs));
  const request = collectReferences(pod);
  if (request.serviceAccountTokens) {
    refs.serviceAccountTokens = new Map(
      request.serviceAccountTokens.map((t) => [
        t.audience ?? "",
        `${TOKEN_PREFIX}${t.audience ?? "default"}`,
      ]),
    );
    refs.serviceAccountToken = refs.serviceAccountTokens.get("") ?? undefined;
  }
  const node = { ...TEST_NODE, ...((header("node") ?? {}) as Partial<NodeSettings>) };
  return { pod, refs, node, secrets: resources.secrets };
}
