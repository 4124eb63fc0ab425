/**
 * `aci-bridge translate -f pod.yaml`: the dry run of pod → container group. Prints
 * `{"name", "containerGroup"}` (the ARM REST request body, secret values masked) per pod, an array when the
 * input holds several. Exit 0 on success; 2 when a pod cannot run on ACI (one line on stderr naming the field,
 * nothing on stdout); 1 for usage, file or YAML errors. Everything comes in through `main`'s arguments, so
 * tests call it with fake streams and files.
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import type { V1ConfigMap, V1Pod, V1Secret } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { ConfigError, InvalidPodSpecError, type AciBridgeError } from "../lib/errors.js";
import type { Env } from "../lib/config.js";
import { createEntrypointResolver } from "../lib/registry/entrypoint.js";
import { collectReferences, podToContainerGroup } from "../lib/translate/index.js";
import type { ImageConfigFacts, ResolvedReferences } from "../lib/translate/types.js";
import { armRequestBody, maskSecrets } from "./armBody.js";
import { cliNodeSettings } from "./settings.js";
import {
  applyAdmissionDefaults,
  ManifestError,
  podsFromManifest,
  splitDocuments,
  type Manifest,
} from "./workloads.js";

export const USAGE = `Usage: aci-bridge translate -f <file|-> [options]

Prints the Azure Container Instances request body each pod would become (secret values masked).

Options:
  -f, --filename <file|->      manifest(s): Pod, Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob
                               (repeatable; "-" reads stdin; multi-document YAML gives a JSON array)
  -r, --resources <file>       Secrets and ConfigMaps the pods reference (repeatable)
  -n, --namespace <ns>         namespace for manifests that name none (default "default")
      --region <region>        ACI region (env ACI_REGION, default eastus)
      --subnet <id>            delegated subnet resource id (env ACI_SUBNET_ID)
      --allow-public-ip        let pods that ask for it get a public IP (env ACI_ALLOW_PUBLIC_IP)
      --os <Linux|Windows>     the node's OS (env ACI_NODE_OS)
      --node <name>            virtual node name (env ACI_NODE_NAMES, first entry)
      --cluster <name>         cluster name for tags (env ACI_BRIDGE_CLUSTER_NAME)
      --dns-servers <a,b>      cluster DNS servers for VNet groups (env ACI_DNS_SERVERS)
      --api-server <host:port> KUBERNETES_SERVICE_HOST/PORT written into containers (env ACI_API_SERVER)
      --entrypoint <image=cmd> the ENTRYPOINT of an image whose container has args but no command
                               (JSON array or a single path; repeatable)
      --resolve-entrypoints    read missing ENTRYPOINTs (and, for workingDir, image configs) from the
                               registries (network)
      --no-admission-defaults  translate pods exactly as written (no kube-api-access volume, no defaults)
  -h, --help                   this text
`;

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readStdin: () => Promise<string>;
  readFile?: (path: string) => Promise<string>;
  fetch?: typeof fetch;
}

class UsageError extends Error {}

/** Placeholders for what a dry run cannot fetch: the cluster CA and a service-account token (masked anyway). */
const PLACEHOLDER_CA =
  "-----BEGIN CERTIFICATE-----\n(cluster CA, filled in by the bridge)\n-----END CERTIFICATE-----\n";
const PLACEHOLDER_TOKEN = "(service-account token, requested by the bridge through the TokenRequest API)";

function parseYamlDocs(text: string, source: string): Manifest[] {
  const docs = parseAllDocuments(text);
  const out: Manifest[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0)
      throw new ManifestError(`${source}: ${doc.errors[0]?.message ?? "invalid YAML"}`);
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    if (typeof value !== "object" || Array.isArray(value))
      throw new ManifestError(`${source}: a document is not a Kubernetes object`);
    out.push(value as Manifest);
  }
  return out;
}

function parseEntrypoint(spec: string): [string, string[]] {
  const eq = spec.indexOf("=");
  if (eq <= 0) throw new UsageError(`--entrypoint "${spec}": expected IMAGE=COMMAND`);
  const image = spec.slice(0, eq);
  const raw = spec.slice(eq + 1).trim();
  if (raw.startsWith("[")) {
    try {
      const parsed = JSON.parse(raw) as unknown;
      if (Array.isArray(parsed) && parsed.every((x) => typeof x === "string")) return [image, parsed];
    } catch {
      // fall through to the usage error
    }
    throw new UsageError(`--entrypoint "${spec}": the command must be a JSON array of strings`);
  }
  return [image, raw ? [raw] : []];
}

export async function main(argv: string[], env: Env, io: CliIO): Promise<number> {
  const read = io.readFile ?? ((p: string) => readFile(p, "utf8"));
  try {
    const [command, ...rest] = argv;
    if (command === "-h" || command === "--help" || command === "help") {
      io.stdout(USAGE);
      return 0;
    }
    if (command !== "translate")
      throw new UsageError(command ? `unknown command "${command}"` : "a command is required");
    let parsed;
    try {
      parsed = parseArgs({
        args: rest,
        allowPositionals: false,
        options: {
          filename: { type: "string", short: "f", multiple: true },
          resources: { type: "string", short: "r", multiple: true },
          namespace: { type: "string", short: "n" },
          region: { type: "string" },
          subnet: { type: "string" },
          "allow-public-ip": { type: "boolean" },
          os: { type: "string" },
          node: { type: "string" },
          cluster: { type: "string" },
          "dns-servers": { type: "string" },
          "api-server": { type: "string" },
          entrypoint: { type: "string", multiple: true },
          "resolve-entrypoints": { type: "boolean" },
          "no-admission-defaults": { type: "boolean" },
          help: { type: "boolean", short: "h" },
        },
      });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const v = parsed.values;
    if (v.help) {
      io.stdout(USAGE);
      return 0;
    }
    if (!v.filename || v.filename.length === 0) throw new UsageError("-f <file> is required");
    const node = cliNodeSettings(env, {
      region: v.region,
      subnet: v.subnet,
      allowPublicIp: v["allow-public-ip"],
      os: v.os,
      node: v.node,
      cluster: v.cluster,
      dnsServers: v["dns-servers"],
      apiServer: v["api-server"],
    });
    const namespace = v.namespace ?? "default";

    const docs: Manifest[] = [];
    let stdinUsed = false;
    for (const file of v.filename) {
      if (file === "-") {
        if (stdinUsed) throw new UsageError('"-f -" can be given once');
        stdinUsed = true;
        docs.push(...parseYamlDocs(await io.readStdin(), "stdin"));
      } else {
        docs.push(...parseYamlDocs(await readText(read, file), file));
      }
    }
    const resourceDocs: Manifest[] = [];
    for (const file of v.resources ?? [])
      resourceDocs.push(...parseYamlDocs(await readText(read, file), file));
    const { workloads, resources } = splitDocuments([...docs, ...resourceDocs]);
    const pods: V1Pod[] = workloads.flatMap(podsFromManifest);
    if (pods.length === 0) throw new UsageError("no Pod or workload (Deployment, Job, …) found in the input");

    const admission = !v["no-admission-defaults"];
    const entrypoints = new Map<string, string[]>((v.entrypoint ?? []).map(parseEntrypoint));
    const resolver = v["resolve-entrypoints"]
      ? createEntrypointResolver(io.fetch ? { fetch: io.fetch } : {})
      : undefined;

    const results: { name: string; containerGroup: Record<string, unknown> }[] = [];
    for (const raw of pods) {
      const pod = admission ? applyAdmissionDefaults(raw, namespace) : withNamespace(raw, namespace);
      const podKey = `${pod.metadata?.namespace ?? namespace}/${pod.metadata?.name ?? ""}`;
      const refs = await resolve(
        pod,
        resources.secrets,
        resources.configMaps,
        entrypoints,
        resolver,
        admission,
      );
      try {
        const translated = podToContainerGroup(pod, refs, node);
        const body = await armRequestBody(translated.name, translated.containerGroup);
        results.push({ name: translated.name, containerGroup: maskSecrets(body) });
        for (const w of translated.warnings ?? []) io.stderr(`warning: ${podKey}: ${w.message}\n`);
      } catch (error) {
        if (error instanceof InvalidPodSpecError) {
          io.stderr(`error: ${podKey}: ${error.reason}: ${error.message}\n`);
          return 2;
        }
        throw error;
      }
    }
    io.stdout(`${JSON.stringify(results.length === 1 ? results[0] : results, null, 2)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`error: ${error.message}\n\n${USAGE}`);
      return 1;
    }
    if (error instanceof ManifestError || error instanceof ConfigError) {
      io.stderr(`error: ${error.message}\n`);
      return 1;
    }
    const e = error as AciBridgeError;
    io.stderr(`error: ${e.message ?? String(error)}\n`);
    return 1;
  }
}

async function readText(read: (p: string) => Promise<string>, file: string): Promise<string> {
  try {
    return await read(file);
  } catch (error) {
    throw new ManifestError(
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

function withNamespace(pod: V1Pod, namespace: string): V1Pod {
  return { ...pod, metadata: { ...(pod.metadata ?? {}), namespace: pod.metadata?.namespace ?? namespace } };
}

async function resolve(
  pod: V1Pod,
  secrets: V1Secret[],
  configMaps: V1ConfigMap[],
  entrypoints: ReadonlyMap<string, string[]>,
  resolver: ReturnType<typeof createEntrypointResolver> | undefined,
  admission: boolean,
): Promise<ResolvedReferences> {
  const ns = pod.metadata?.namespace ?? "default";
  const inNs = <T extends { metadata?: { name?: string; namespace?: string } }>(list: T[]) =>
    new Map(
      list
        .filter((o) => (o.metadata?.namespace ?? ns) === ns)
        .map((o) => [o.metadata?.name ?? "", o] as const),
    );
  const secretMap = inNs(secrets);
  const configMapMap = inNs(configMaps);
  if (admission && !configMapMap.has("kube-root-ca.crt")) {
    configMapMap.set("kube-root-ca.crt", {
      metadata: { name: "kube-root-ca.crt", namespace: ns },
      data: { "ca.crt": PLACEHOLDER_CA },
    });
  }
  const request = collectReferences(pod);
  const resolvedEntrypoints = new Map<string, string[]>();
  for (const { image, pullSecretNames } of request.entrypointImages) {
    const known = entrypoints.get(image);
    if (known) resolvedEntrypoints.set(image, known);
    else if (resolver) {
      const pullSecrets = pullSecretNames
        .map((n) => secretMap.get(n))
        .filter((s): s is V1Secret => s !== undefined);
      resolvedEntrypoints.set(image, await resolver.resolve(image, pullSecrets));
    }
  }
  const refs: ResolvedReferences = {
    secrets: secretMap,
    configMaps: configMapMap,
    entrypoints: resolvedEntrypoints,
  };
  if (resolver && request.imageConfigImages) {
    const configs = new Map<string, ImageConfigFacts>();
    for (const { image, pullSecretNames } of request.imageConfigImages) {
      const pullSecrets = pullSecretNames
        .map((n) => secretMap.get(n))
        .filter((s): s is V1Secret => s !== undefined);
      configs.set(image, await resolver.resolveConfig(image, pullSecrets));
    }
    refs.imageConfigs = configs;
  }
  if (request.serviceAccountTokens) {
    refs.serviceAccountToken = PLACEHOLDER_TOKEN;
    refs.serviceAccountTokens = new Map(
      request.serviceAccountTokens.map((t) => [t.audience ?? "", PLACEHOLDER_TOKEN]),
    );
  }
  return refs;
}

/** Entry point for bin/aci-bridge.js: the only place that touches process streams. */
export function run(argv: string[], env: Env): void {
  const readStdin = async (): Promise<string> => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  };
  main(argv, env, {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    readStdin,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`error: ${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
