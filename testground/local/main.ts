/**
 * `npm start`: the whole bridge on one machine, playing a scenario (the article's aci-helloworld Deployment by
 * default). A thin CLI: parses flags and the stack's own environment (KUBECONFIG, Azure and storage settings),
 * starts the local stack (testground/local/stack.ts), plays the scenario (testground/local/scenarioRun.ts), stops everything.
 *
 * Exit codes: 0 — every pod as expected and a clean delete; 1 — the scenario did not go as expected (a pod
 * Failed or stays Pending unexpectedly, timeout, deletion incomplete); 2 — usage, manifest or startup error;
 * 130 — interrupted (second Ctrl+C, or Ctrl+C during `--once`).
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { isIP } from "node:net";
import { parseArgs } from "node:util";
import { loadBridgeConfig, POD_EVENTS_CONNECTION } from "../../lib/config.js";
import { ConfigError } from "../../lib/errors.js";
import { createDisplay, type Display } from "./display.js";
import { formatHostLogLine } from "./host.js";
import { assertPlayableWithFake, parseManifests, ScenarioError, type ManifestDoc } from "./scenario.js";
import { runScenario } from "./scenarioRun.js";
import {
  METRICS_SERVER_USER,
  REALISTIC_TIMING,
  repoPath,
  StackStartError,
  startLocalStack,
  type LocalStack,
  type LocalStackOptions,
} from "./stack.js";

export const EXIT_OK = 0;
export const EXIT_SCENARIO = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;
/** Interrupts closer together than this count as one Ctrl+C (see the SIGINT handler in main). */
const SAME_KEYPRESS_MS = 1000;

export const HELP = `Usage: npm start -- [options]

Runs aci-bridge on this machine — Azurite (queue), the ACI simulator, a Kubernetes API fake, the watcher and
the two Functions on a local Functions host — and plays a scenario: the article's aci-helloworld Deployment
(3 pods on virtual-kubelet-aci-connector-linux-westus) unless --scenario says otherwise.

Scenario
  --once                     non-interactive: delete as soon as every pod is settled, then exit
                             (0: all Running/Succeeded and cleanly deleted; 1: not as expected, with the reason)
  --serve                    serve the virtual node's kubelet endpoint (kubectl logs/exec/attach, metrics) and
                             keep running until Ctrl+C (then delete and exit 0); prints one line
                             "ready: node NAME kubelet https://ADDRESS:PORT" once the node is Ready and the
                             endpoint listens; with the API fake, then one line "kubectl: …" with a kubectl
                             command for it (kubectl logs/exec/attach reach the endpoint through the fake,
                             as through a real API server) and the metrics-server token
  --write-kubeconfig PATH    with --serve and the API fake: where that kubeconfig goes (default
                             .local/kubeconfig in the repository, ignored by git; rewritten at each start)
  --scenario FILE            manifests to apply (Pods, Deployments, ReplicaSets, StatefulSets, Jobs, CronJobs,
                             DaemonSets, ConfigMaps, Secrets, …); default testground/scenarios/aci-helloworld.yaml
  --expect-failed NAMES      pod or workload names (comma-separated) that should end Failed: exit 0 if they do
  --expect-pending NAMES     pod or workload names that should stay Pending (unschedulable): exit 0 if they do
  --timeout SECONDS          how long pods may take to settle, and the deletion to finish (default 120)
  --fast                     short simulator timings and polling (tests, CI); default looks like real ACI

Virtual node
  --node NAME                default virtual-kubelet-aci-connector-linux-westus
  --taint KEY[=VALUE]:EFFECT default azure.com/aci:NoSchedule (the article's)
  --region REGION            default westus
  --node-address ADDR        the node's InternalIP, where the kubelet endpoint listens (an IP of this machine
                             the API server can reach); default 127.0.0.1
  --kubelet-port PORT        the endpoint's port (daemonEndpoints.kubeletEndpoint.Port); default 10250 with
                             --kubeconfig (any free port if 10250 is taken), any free port (0) with the API fake

Real backends (off unless a flag names one: $KUBECONFIG, $AZURE_SUBSCRIPTION_ID, $PodEventsStorage and the
like in your shell are ignored, so a kubectl user's cluster is never touched by accident; the first lines
printed say which part uses what)
  --kubeconfig PATH          use this cluster instead of the API fake (it creates the virtual node and applies
                             the scenario there)
  --context NAME             context in the kubeconfig
  --azure                    use real ACI in --subscription/--resource-group (or $AZURE_SUBSCRIPTION_ID and
  --subscription ID          $ACI_RESOURCE_GROUP, read only with --azure); credentials from DefaultAzureCredential
  --resource-group NAME      (az login, environment, managed identity)
  --storage CONNECTION       use this storage account's queue instead of Azurite
  --local                    everything local (the default; kept for scripts that pass it)

Tuning
  --set KEY=VALUE            a bridge app setting (lib/config.ts), e.g. --set ACI_STATUS_FAST_SECONDS=1; repeatable
  --time-scale K             run the local Functions host's clock K times faster (timer, polling)
  --instances N              run podEvents on N instances (separate processes, like Flex scale-out); default 1
  --azurite-port N           default 0 (any free port)
  --aci-port N               default 0 (any free port)
  --verbose                  print the Functions host's and the watcher's log lines
  --log-file PATH            append them to PATH
  -h, --help                 this text
`;

export interface CliIo {
  argv: string[];
  env: Readonly<Record<string, string | undefined>>;
  stdout: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(text: string): unknown };
  /** Resolves on each Ctrl+C; default: process SIGINT. */
  onInterrupt?: (handler: () => void) => () => void;
}

class UsageError extends Error {}

interface ParsedCli {
  options: LocalStackOptions;
  once: boolean;
  serve: boolean;
  scenario: string;
  expectFailed: string[];
  expectPending: string[];
  timeoutMs: number;
  fast: boolean;
  verbose: boolean;
  logFile?: string;
  /** With --serve and the API fake: where the kubeconfig for kubectl is written. */
  kubeconfigOut?: string;
}

const list = (v: string | undefined) =>
  (v ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

function positiveNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new UsageError(`--${name} must be a non-negative number, got "${value}"`);
  return n;
}

export function parseCli(argv: string[], env: CliIo["env"]): ParsedCli | "help" {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        once: { type: "boolean" },
        serve: { type: "boolean" },
        "node-address": { type: "string" },
        "kubelet-port": { type: "string" },
        scenario: { type: "string" },
        "expect-failed": { type: "string" },
        "expect-pending": { type: "string" },
        timeout: { type: "string" },
        fast: { type: "boolean" },
        node: { type: "string" },
        taint: { type: "string" },
        region: { type: "string" },
        kubeconfig: { type: "string" },
        context: { type: "string" },
        subscription: { type: "string" },
        "resource-group": { type: "string" },
        storage: { type: "string" },
        azure: { type: "boolean" },
        local: { type: "boolean" },
        set: { type: "string", multiple: true },
        "time-scale": { type: "string" },
        instances: { type: "string" },
        "azurite-port": { type: "string" },
        "aci-port": { type: "string" },
        verbose: { type: "boolean" },
        "log-file": { type: "string" },
        "write-kubeconfig": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message} (npm start -- --help lists the options)`);
  }
  if (values.help) return "help";
  if (values.local && (values.kubeconfig || values.azure || values.subscription || values.storage))
    throw new UsageError(
      "--local cannot be combined with --kubeconfig, --azure, --subscription or --storage",
    );
  // Real Azure settings are read from the shell only once --azure asks for real ACI.
  const fromEnv = (name: string) => (values.azure ? env[name]?.trim() || undefined : undefined);
  const fast = values.fast ?? false;

  const settings: Record<string, string> = {};
  for (const pair of values.set ?? []) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--set expects KEY=VALUE, got "${pair}"`);
    settings[pair.slice(0, eq)] = pair.slice(eq + 1);
  }

  const options: LocalStackOptions = {
    node: {
      ...(values.node ? { name: values.node } : {}),
      ...(values.taint ? { taint: values.taint } : {}),
      ...(values.region ? { region: values.region } : {}),
    },
    settings: {
      ...(fast ? { ACI_STATUS_FAST_SECONDS: "1", ACI_STATUS_SLOW_SECONDS: "5" } : {}),
      ...settings,
    },
    simulator: fast
      ? { timing: { pendingMs: 150, creatingMs: 300, deleteMs: 200 } }
      : { timing: REALISTIC_TIMING },
    kubeFake: { nodeLifecycleDelayMs: fast ? 100 : 1000 },
    watcherSettings: fast ? { WATCHER_COALESCE_MS: "100" } : {},
    hostJson: fast ? { extensions: { queues: { maxPollingInterval: "00:00:00.500" } } } : {},
  };
  const timeScale = positiveNumber("time-scale", values["time-scale"]);
  if (timeScale !== undefined) {
    if (timeScale <= 0) throw new UsageError("--time-scale must be > 0");
    options.timeScale = timeScale;
  }
  if (values.instances !== undefined) {
    const n = Number(values.instances);
    if (!Number.isInteger(n) || n < 1 || n > 32) {
      throw new UsageError(`--instances must be an integer from 1 to 32, got "${values.instances}"`);
    }
    options.podEventsInstances = n;
  }
  const azuritePort = positiveNumber("azurite-port", values["azurite-port"]);
  const aciPort = positiveNumber("aci-port", values["aci-port"]);
  if (azuritePort !== undefined || aciPort !== undefined) {
    options.ports = {
      ...(azuritePort !== undefined ? { azurite: azuritePort } : {}),
      ...(aciPort !== undefined ? { aci: aciPort } : {}),
    };
  }

  const kubeconfig = values.kubeconfig;
  if (kubeconfig) {
    if (!existsSync(kubeconfig))
      throw new UsageError(`kubeconfig ${kubeconfig} does not exist (--kubeconfig)`);
    options.kubernetes = {
      kubeconfigPath: kubeconfig,
      ...(values.context ? { context: values.context } : {}),
    };
  } else if (values.context) {
    throw new UsageError("--context needs --kubeconfig");
  }
  const subscriptionId = values.subscription ?? fromEnv("AZURE_SUBSCRIPTION_ID");
  const resourceGroup = values["resource-group"] ?? fromEnv("ACI_RESOURCE_GROUP");
  if (values.azure || values.subscription || values["resource-group"]) {
    if (!subscriptionId || !resourceGroup) {
      throw new UsageError(
        "real ACI needs --subscription and --resource-group (or, with --azure, AZURE_SUBSCRIPTION_ID and ACI_RESOURCE_GROUP)",
      );
    }
    options.azure = { subscriptionId, resourceGroup };
    if (!values.region && fromEnv("ACI_REGION"))
      options.node = { ...options.node, region: fromEnv("ACI_REGION")! };
  }
  if (values.storage) options.storageConnectionString = values.storage;
  const serve = values.serve ?? false;
  if (serve && values.once)
    throw new UsageError("--serve and --once exclude each other (--serve runs until Ctrl+C)");
  const address = values["node-address"] ?? "127.0.0.1";
  if (isIP(address) === 0) {
    throw new UsageError(`--node-address must be an IP address (the Node's InternalIP), got "${address}"`);
  }
  let kubeletPort = options.kubernetes ? 10250 : 0;
  if (values["kubelet-port"] !== undefined) {
    const n = Number(values["kubelet-port"]);
    if (!Number.isInteger(n) || n < 0 || n > 65535) {
      throw new UsageError(
        `--kubelet-port must be a TCP port (0–65535, 0: any free port), got "${values["kubelet-port"]}"`,
      );
    }
    kubeletPort = n;
  }
  if (!serve && (values["node-address"] !== undefined || values["kubelet-port"] !== undefined)) {
    throw new UsageError("--node-address and --kubelet-port need --serve");
  }
  // Only with --serve: the Node's InternalIP becomes the endpoint's address (the article's run keeps 10.240.0.250).
  if (serve) {
    options.kubelet = { address, port: kubeletPort, portChosen: values["kubelet-port"] !== undefined };
  }
  checkSettings(options);

  const timeoutMs = (positiveNumber("timeout", values.timeout) ?? 120) * 1000;
  const parsed: ParsedCli = {
    options,
    once: values.once ?? false,
    serve,
    scenario: values.scenario ?? repoPath("testground", "scenarios", "aci-helloworld.yaml"),
    expectFailed: list(values["expect-failed"]),
    expectPending: list(values["expect-pending"]),
    timeoutMs,
    fast,
    verbose: values.verbose ?? false,
  };
  if (values["log-file"]) parsed.logFile = values["log-file"];
  if (values["write-kubeconfig"] !== undefined && !(serve && !options.kubernetes)) {
    throw new UsageError("--write-kubeconfig needs --serve and the API fake (no --kubeconfig)");
  }
  if (serve && !options.kubernetes) {
    parsed.kubeconfigOut = resolve(values["write-kubeconfig"] || repoPath(".local", "kubeconfig"));
  }
  return parsed;
}

/** Names of shell variables that would pick a real backend; reported as ignored so nobody wonders. */
const BACKEND_VARIABLES = [
  "KUBECONFIG",
  "AZURE_SUBSCRIPTION_ID",
  "ACI_RESOURCE_GROUP",
  "PodEventsStorage",
  "AZURE_STORAGE_CONNECTION_STRING",
];

/**
 * The bridge's settings as the stack will pass them, checked by the Functions' own config loader before
 * anything starts: a malformed --taint or --set value is a one-line usage error, not a 30 s wait.
 */
function checkSettings(options: LocalStackOptions): void {
  try {
    loadBridgeConfig({
      AZURE_SUBSCRIPTION_ID: "00000000-0000-0000-0000-000000000000",
      ACI_RESOURCE_GROUP: "check",
      KUBECONFIG: "check",
      [POD_EVENTS_CONNECTION]: "check",
      ...(options.node?.name ? { ACI_NODE_NAMES: options.node.name } : {}),
      ...(options.node?.taint ? { ACI_NODE_TAINT: options.node.taint } : {}),
      ...(options.node?.region ? { ACI_REGION: options.node.region } : {}),
      ...options.settings,
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      // The config loader never echoes a value (it may be a secret); a flag's own value is safe to repeat.
      const flag = /ACI_NODE_TAINT/.test(error.message)
        ? `--taint "${options.node?.taint ?? ""}": `
        : /ACI_NODE_NAMES/.test(error.message)
          ? `--node "${options.node?.name ?? ""}": `
          : "";
      throw new UsageError(`${flag}${error.message}`);
    }
    throw error;
  }
}

/** The first lines: which backend each part uses, known before anything starts. */
export function describePlannedBackends(options: LocalStackOptions, env: CliIo["env"]): string[] {
  const lines = [
    `Kubernetes: ${options.kubernetes ? `the cluster in ${options.kubernetes.kubeconfigPath}${options.kubernetes.context ? ` (context ${options.kubernetes.context})` : ""}` : "local API fake"}`,
    `ACI: ${options.azure ? `Azure subscription ${options.azure.subscriptionId}, resource group ${options.azure.resourceGroup}` : "local simulator"}`,
    `queue: ${options.storageConnectionString ? "the storage account from --storage" : "local Azurite"}`,
  ];
  const ignored = BACKEND_VARIABLES.filter((name) => env[name]?.trim());
  if (ignored.length > 0 && !(options.kubernetes && options.azure && options.storageConnectionString))
    lines.push(
      `ignoring ${ignored.map((n) => `$${n}`).join(", ")} from the shell (pass --kubeconfig, --azure or --storage to use a real backend)`,
    );
  if (options.kubelet) {
    const { address, port } = options.kubelet;
    lines.push(
      `kubelet endpoint: https://${address}:${port === 0 ? "<any free port>" : port} (node InternalIP ${address})`,
    );
  }
  return lines;
}

function loadScenario(path: string): { docs: ManifestDoc[]; source: string } {
  const rel = relative(process.cwd(), path);
  const source = rel && !rel.startsWith("..") ? rel : path;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ScenarioError(
      `cannot read scenario ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  const docs = parseManifests(text, source);
  if (docs.length === 0) throw new ScenarioError(`${source}: no manifests in the file`);
  return { docs, source };
}

/** The kubeconfig (the API fake's admin user) for a person's kubectl; only the fake's test tokens in it. */
function writeKubeconfig(path: string, yaml: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, yaml, { mode: 0o600 });
}

/** A path to print: relative when under the working directory (copy-pasteable from there), else absolute. */
function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") ? rel : path;
}

/** The line after `ready:` with the API fake: how to point kubectl at it, and the metrics-server token. */
export function kubectlHint(kubeconfigPath: string): string {
  return (
    `kubectl: kubectl --kubeconfig ${kubeconfigPath} get pods -A ` +
    `(then kubectl logs/exec/attach; metrics-server token: kube-fake-token-${METRICS_SERVER_USER})`
  );
}

export async function main(io: CliIo): Promise<number> {
  const out = (text: string) => io.stdout.write(`${text}\n`);
  const err = (text: string) => io.stderr.write(`${text}\n`);
  let cli: ParsedCli | "help";
  let scenario: { docs: ManifestDoc[]; source: string };
  try {
    cli = parseCli(io.argv, io.env);
    if (cli === "help") {
      io.stdout.write(HELP);
      return EXIT_OK;
    }
    scenario = loadScenario(cli.scenario); // before starting anything: a bad file fails in milliseconds
    if (!cli.options.kubernetes) assertPlayableWithFake(scenario.docs);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ScenarioError) {
      err(`error: ${error.message}`);
      return EXIT_USAGE;
    }
    throw error;
  }

  const tty = Boolean(io.stdout.isTTY) && !cli.once;
  const display: Display = createDisplay({
    write: (t) => io.stdout.write(t),
    tty,
    columns: io.stdout.columns || 120,
  });
  const logFile = cli.logFile;
  const verbose = cli.verbose;
  const logLine = (text: string) => {
    if (verbose) display.line(text);
    if (logFile) appendFileSync(logFile, `${text}\n`);
  };

  // Ctrl+C: the first one deletes and exits cleanly; a second one stops at once.
  let interrupts = 0;
  let resolveInterrupt: () => void = () => undefined;
  const interrupted = new Promise<void>((resolve) => (resolveInterrupt = resolve));
  let stack: LocalStack | undefined;
  const onInterrupt =
    io.onInterrupt ??
    ((handler: () => void) => {
      process.on("SIGINT", handler);
      return () => process.off("SIGINT", handler);
    });
  let firstInterruptAt = 0;
  const removeInterrupt = onInterrupt(() => {
    // One Ctrl+C under `npm start` arrives twice within milliseconds (the terminal signals the whole process
    // group and npm forwards its own copy to the script): a second one that soon is the same keypress.
    if (interrupts === 1 && Date.now() - firstInterruptAt < SAME_KEYPRESS_MS) return;
    interrupts++;
    if (interrupts === 1) {
      firstInterruptAt = Date.now();
      display.line("Ctrl+C: deleting the scenario's pods (Ctrl+C again to stop at once)…");
      resolveInterrupt();
    } else {
      err("stopping at once; container groups may be left behind (the next run's reconcile deletes orphans)");
      void (stack?.stop() ?? Promise.resolve()).finally(() => process.exit(EXIT_INTERRUPTED));
    }
  });

  out(`aci-bridge local stack — scenario ${scenario.source}${cli.once ? " (--once)" : ""}`);
  for (const line of describePlannedBackends(cli.options, io.env)) out(`  ${line}`);
  try {
    stack = await startLocalStack({
      ...cli.options,
      progress: out,
      hostLog: (line) => logLine(formatHostLogLine(line)),
      watcherLog: (line) => logLine(`[watcher] ${line}`),
    });
  } catch (error) {
    removeInterrupt();
    if (error instanceof StackStartError) {
      err(`error: ${error.message}`);
      return EXIT_USAGE;
    }
    err(`error: the local stack did not start: ${(error as Error).message}`);
    return EXIT_USAGE;
  }
  out("backends:");
  for (const line of stack.backends.describe) out(`  ${line}`);
  out("");

  const kubeletUrl = stack.kubelet?.url;
  let kubectlLine: string | undefined;
  if (cli.kubeconfigOut && stack.kube) {
    try {
      writeKubeconfig(cli.kubeconfigOut, stack.kubeconfigYaml);
      kubectlLine = kubectlHint(displayPath(cli.kubeconfigOut));
    } catch (error) {
      err(`note: cannot write ${cli.kubeconfigOut} (${(error as Error).message}); no kubeconfig for kubectl`);
    }
  }
  let exitCode: number;
  try {
    const result = await runScenario({
      stack,
      docs: scenario.docs,
      source: scenario.source,
      display,
      once: cli.once,
      expect: { failed: cli.expectFailed, pending: cli.expectPending },
      settleTimeoutMs: cli.timeoutMs,
      deleteTimeoutMs: cli.timeoutMs,
      interrupted,
      ...(cli.fast ? { refreshMs: 200 } : {}),
      ...(cli.serve && kubeletUrl
        ? {
            onNodeReady: (node: string) => {
              display.line(`ready: node ${node} kubelet ${kubeletUrl}`);
              if (kubectlLine) display.line(kubectlLine);
            },
          }
        : {}),
    });
    exitCode = result.exitCode;
    if (exitCode === EXIT_OK) out(`OK: ${result.summary}`);
    else err(`FAILED: ${result.summary}${result.hint ?? ""}`);
  } catch (error) {
    exitCode = error instanceof ScenarioError ? EXIT_USAGE : EXIT_SCENARIO;
    err(`error: ${(error as Error).message}`);
  } finally {
    removeInterrupt();
  }
  out("stopping the watcher, the Functions host and the servers…");
  await stack.stop();
  const stats = stack.host.stats;
  out(
    `stopped. Functions: ${stats.invocations} invocations (${stats.failures} failed, ${stats.poisoned} poisoned), ` +
      `${stats.timerRuns} timer runs${stack.aci ? `; ARM calls to the simulator: ${stack.aci.calls.length}` : ""}`,
  );
  return exitCode;
}

if (require.main === module) {
  main({
    argv: process.argv.slice(2),
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
  }).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(
        `error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(EXIT_USAGE);
    },
  );
}
