/**
 * Static checks of deploy/**.bicep (the Bicep CLI cannot run here: no package on npm or Debian). What they catch: undocumented
 * parameters, module paths and params/outputs that do not line up, wrong built-in role GUIDs, app settings
 * that lib/config.ts does not read (or required ones missing), account keys in settings, alert queries on
 * event names that are not in the catalog, custom roles broader than intended, unreviewed API versions.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { EVENTS } from "../../lib/events/index.js";
import { POD_EVENTS_POISON_QUEUE, POD_EVENTS_QUEUE } from "../../lib/queue/message.js";
import { objectKeys, parseBicep, stripComments, varObjectKeys, type BicepFile } from "./bicep-lite.js";

const root = resolve(__dirname, "../..");
const deployDir = join(root, "deploy");

function bicepFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? bicepFiles(join(dir, entry.name))
      : entry.name.endsWith(".bicep")
        ? [join(dir, entry.name)]
        : [],
  );
}

const files: BicepFile[] = bicepFiles(deployDir).map(parseBicep);
const byPath = new Map(files.map((f) => [f.file, f]));
const main = byPath.get(join(deployDir, "main.bicep"))!;
const rel = (file: string) => relative(root, file);
const moduleFile = (name: string) => byPath.get(join(deployDir, "modules", name))!;
/** Source without comments: checks must not be satisfied (or tripped) by prose. */
const code = (f: BicepFile) => f.source.split("\n").map(stripComments).join("\n");

/** Built-in roles used, looked up in Azure's built-in role list (docs/adr/0201). */
const BUILT_IN_ROLES: Record<string, string> = {
  "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": "Storage Blob Data Owner",
  "974c5e8b-45b9-4653-ba55-5f855dd0fb88": "Storage Queue Data Contributor",
  "c6a89b2d-59bc-44d0-9896-0f6e12d7b80a": "Storage Queue Data Message Sender",
  "4633458b-17de-408a-b874-0445c86b69e6": "Key Vault Secrets User",
  "b86a8fe4-44ce-4948-aee5-eccb2c155cd7": "Key Vault Secrets Officer",
  "3913510d-42f4-4e42-8a64-420c390055eb": "Monitoring Metrics Publisher",
};

/** Resource type @ API version pairs whose shape was reviewed against the docs/samples. Change deliberately. */
const REVIEWED_API_VERSIONS = new Set([
  "Microsoft.Resources/resourceGroups@2024-03-01",
  "Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31",
  "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31",
  "Microsoft.OperationalInsights/workspaces@2023-09-01",
  "Microsoft.Insights/components@2020-02-02",
  "Microsoft.Insights/actionGroups@2023-01-01",
  "Microsoft.Insights/scheduledQueryRules@2023-12-01",
  "Microsoft.Authorization/roleAssignments@2022-04-01",
  "Microsoft.Authorization/roleDefinitions@2022-04-01",
  "Microsoft.Storage/storageAccounts@2023-05-01",
  "Microsoft.Storage/storageAccounts/blobServices@2023-05-01",
  "Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01",
  "Microsoft.Storage/storageAccounts/queueServices@2023-05-01",
  "Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01",
  "Microsoft.KeyVault/vaults@2023-07-01",
  "Microsoft.KeyVault/vaults/secrets@2023-07-01",
  "Microsoft.Network/virtualNetworks@2024-01-01",
  "Microsoft.Network/virtualNetworks/subnets@2024-01-01",
  "Microsoft.Web/serverfarms@2024-04-01",
  "Microsoft.Web/sites@2024-04-01",
]);

/**
 * Names lib/config.ts (the Functions' settings) and lib/config/*.ts (shared parts, the watcher's) read, split
 * into required and optional, from their source.
 */
function configSettings(): { required: Set<string>; all: Set<string> } {
  // The Functions' part first: required names count only there (the watcher's file has its own).
  const functionsSource = ["lib/config.ts", "lib/config/reader.ts", "lib/config/nodes.ts"]
    .map((f) => readFileSync(join(root, f), "utf8"))
    .join("\n");
  const watcherMarker = "\n// ---- lib/config/watcher.ts ----\n";
  const source = functionsSource + watcherMarker + readFileSync(join(root, "lib/config/watcher.ts"), "utf8");
  const constants = new Map<string, string>();
  for (const m of source.matchAll(/export const (\w+)\s*=\s*"([^"]+)"/g)) constants.set(m[1]!, m[2]!);
  const resolveName = (raw: string) =>
    raw.replace(/^[`"]|[`"]$/g, "").replace(/\$\{(\w+)\}/g, (_, c: string) => {
      const value = constants.get(c);
      if (value === undefined) throw new Error(`lib/config.ts: unknown constant ${c}`);
      return value;
    });
  const required = new Set<string>();
  const all = new Set<string>();
  const watcherSection = source.indexOf(watcherMarker);
  // `r.string(NAME, …)` and friends, and `port(r, NAME, …)` (a Reader helper for TCP ports).
  for (const m of source.matchAll(/\b(?:r\.(\w+)\(|port\(r,)\s*([A-Z][A-Z0-9_]*|"[^"]+"|`[^`]+`)/g)) {
    const raw = m[2]!;
    const name = /^\w+$/.test(raw) ? constants.get(raw) : resolveName(raw);
    if (!name) throw new Error(`lib/config.ts: cannot resolve setting name ${raw}`);
    all.add(name);
    // Required by the Functions: only what loadBridgeConfig requires (the watcher's section has its own).
    if (m[1] === "required" && (m.index ?? 0) < watcherSection) required.add(name);
  }
  return { required, all };
}

describe("deploy/*.bicep: structure", () => {
  it("finds the expected files", () => {
    expect(files.map((f) => rel(f.file)).sort()).toEqual(
      [
        "deploy/main.bicep",
        "deploy/modules/aci-role.bicep",
        "deploy/modules/alerts.bicep",
        "deploy/modules/functionapp.bicep",
        "deploy/modules/identity.bicep",
        "deploy/modules/keyvault.bicep",
        "deploy/modules/kubelet-role.bicep",
        "deploy/modules/monitoring.bicep",
        "deploy/modules/network.bicep",
        "deploy/modules/storage.bicep",
        "deploy/modules/subnet-join-role.bicep",
      ].sort(),
    );
  });

  it("documents every param with @description", () => {
    const undocumented = files.flatMap((f) =>
      f.params
        .filter((p) => !p.decorators.some((d) => /^@(sys\.)?description\('.+'\)$/.test(d)))
        .map((p) => `${rel(f.file)}: param ${p.name}`),
    );
    expect(undocumented).toEqual([]);
    expect(files.every((f) => f.params.length > 0 || f === main)).toBe(true);
  });

  it("documents every output of main.bicep", () => {
    expect(main.outputs.length).toBeGreaterThan(5);
    expect(main.outputs.filter((o) => !o.decorators.some((d) => d.startsWith("@description(")))).toEqual([]);
  });

  it("references only module files that exist, and every module file is used", () => {
    const referenced = new Set<string>();
    for (const f of files) {
      for (const m of f.modules) {
        expect(existsSync(m.file), `${rel(f.file)}: module ${m.symbol} -> ${m.path}`).toBe(true);
        referenced.add(m.file);
      }
    }
    const unused = files.filter((f) => f !== main && !referenced.has(f.file)).map((f) => rel(f.file));
    expect(unused).toEqual([]);
  });

  it("passes each module exactly the params it declares (all required ones, no unknown ones)", () => {
    const problems: string[] = [];
    for (const f of files) {
      for (const m of f.modules) {
        const target = byPath.get(m.file)!;
        const declared = new Set(target.params.map((p) => p.name));
        for (const p of m.params) {
          if (!declared.has(p)) problems.push(`${m.symbol}: passes unknown param ${p}`);
        }
        for (const p of target.params) {
          if (!p.hasDefault && !m.params.includes(p.name)) problems.push(`${m.symbol}: misses ${p.name}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(main.modules.length).toBeGreaterThanOrEqual(9);
  });

  it("reads only outputs the modules declare", () => {
    const problems: string[] = [];
    for (const f of files) {
      const modules = new Map(f.modules.map((m) => [m.symbol, byPath.get(m.file)!]));
      for (const m of code(f).matchAll(/\b(\w+)!?\.outputs\.(\w+)/g)) {
        const target = modules.get(m[1]!);
        if (!target) problems.push(`${rel(f.file)}: ${m[0]} is not a module`);
        else if (!target.outputs.some((o) => o.name === m[2])) problems.push(`${rel(f.file)}: ${m[0]}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("main.parameters.json sets only declared params and every param without a default", () => {
    const json = JSON.parse(readFileSync(join(deployDir, "main.parameters.json"), "utf8")) as {
      parameters: Record<string, unknown>;
    };
    const names = Object.keys(json.parameters);
    const declared = new Set(main.params.map((p) => p.name));
    expect(names.filter((n) => !declared.has(n))).toEqual([]);
    const required = main.params.filter((p) => !p.hasDefault).map((p) => p.name);
    expect(required.filter((n) => !names.includes(n))).toEqual([]);
    // A kubeconfig never goes into a parameters file in the repository.
    expect(names).not.toContain("kubeconfigContent");
  });

  it("uses only reviewed resource API versions", () => {
    const used = files.flatMap((f) => f.resources.map((r) => `${r.type}@${r.apiVersion}`));
    expect(used.filter((u) => !REVIEWED_API_VERSIONS.has(u))).toEqual([]);
    expect(used).toContain("Microsoft.Insights/scheduledQueryRules@2023-12-01");
  });
});

describe("deploy/*.bicep: identities and roles", () => {
  it("uses built-in role GUIDs that match their names, and no other GUID literal", () => {
    const found: string[] = [];
    for (const f of files) {
      f.source.split("\n").forEach((line) => {
        for (const m of line.matchAll(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi)) {
          const guid = m[0].toLowerCase();
          const name = BUILT_IN_ROLES[guid];
          expect(name, `${rel(f.file)}: unknown GUID ${guid}`).toBeDefined();
          // The comment next to the id names the role, so a reviewer sees a mismatch.
          expect(line, `${rel(f.file)}: ${guid} should be commented "${name}"`).toContain(`// ${name}`);
          found.push(name!);
        }
      });
    }
    expect(new Set(found)).toEqual(new Set(Object.values(BUILT_IN_ROLES)));
  });

  it("assigns roles only to principals of type ServicePrincipal (managed identities) or the operator", () => {
    const assignments = files.flatMap((f) =>
      f.resources.filter((r) => r.type === "Microsoft.Authorization/roleAssignments"),
    );
    expect(assignments.length).toBeGreaterThanOrEqual(8);
    for (const a of assignments) {
      expect(a.text).toMatch(/principalType: ('ServicePrincipal'|operatorPrincipalType)/);
      // Every assignment is scoped explicitly (a resource, or the module's resource group for the ACI role).
      expect(a.text.includes("scope:") || a.text.includes("guid(resourceGroup().id")).toBe(true);
    }
  });

  it("gives the watcher Storage Queue Data Message Sender on the pod-events queue only", () => {
    const storage = moduleFile("storage.bicep");
    const watcher = storage.resources.find((r) => r.symbol === "watcherSender")!;
    expect(watcher.text).toContain("scope: podEventsQueue");
    expect(watcher.text).toContain("storageQueueDataMessageSenderRoleId");
    const queue = storage.resources.find((r) => r.symbol === "podEventsQueue")!;
    expect(queue.text).toContain("name: podEventsQueueName");
    // Nothing else in the deployment grants the watcher anything but the kubelet-endpoint role (below).
    const grants = files.flatMap((f) =>
      f.resources.filter((r) => r.type.endsWith("roleAssignments") && r.text.includes("watcherPrincipalId")),
    );
    expect(grants.map((g) => g.symbol)).toEqual(["kubeletAssignment", "watcherSender"]);
  });

  it("gives the watcher's kubelet endpoint read, logs, exec, attach and metrics only, on the ACI group, opt-in", () => {
    const role = moduleFile("kubelet-role.bicep").resources.find(
      (r) => r.type === "Microsoft.Authorization/roleDefinitions",
    )!;
    expect(actionsOf(role.text)).toEqual([
      "Microsoft.ContainerInstance/containerGroups/read",
      "Microsoft.ContainerInstance/containerGroups/containers/logs/read",
      "Microsoft.ContainerInstance/containerGroups/containers/exec/action",
      "Microsoft.ContainerInstance/containerGroups/containers/attach/action",
      "Microsoft.Insights/metrics/read",
    ]);
    expect(role.text).toContain("assignableScopes: [resourceGroup().id]");
    const m = main.modules.find((x) => x.symbol === "kubeletRole")!;
    expect(m.text).toContain("scope: aciRg");
    expect(m.text).toContain("if (enableKubeletEndpoint && watcherAuth == 'workloadIdentity')");
  });

  it("federates the watcher identity with system:serviceaccount:<ns>:<sa> for the AKS issuer", () => {
    const identity = moduleFile("identity.bicep");
    const fed = identity.resources.find((r) => r.type.endsWith("federatedIdentityCredentials"))!;
    expect(fed.text).toContain("issuer: aksOidcIssuerUrl");
    expect(fed.text).toContain(
      "subject: 'system:serviceaccount:${watcherNamespace}:${watcherServiceAccount}'",
    );
    expect(fed.text).toContain("audiences: ['api://AzureADTokenExchange']");
  });

  it("defines the ARM custom role with exactly the container-group actions, assignable to the ACI group", () => {
    const role = moduleFile("aci-role.bicep").resources.find(
      (r) => r.type === "Microsoft.Authorization/roleDefinitions",
    )!;
    expect(actionsOf(role.text)).toEqual(["Microsoft.ContainerInstance/containerGroups/*"]);
    expect(role.text).toContain("assignableScopes: [resourceGroup().id]");
    expect(role.text).not.toMatch(/dataActions/);
    // main deploys it to the ACI resource group, not the bridge's.
    expect(main.modules.find((m) => m.symbol === "aciRole")!.text).toContain("scope: aciRg");
  });

  it("defines the VNet-mode custom role with only subnet join, assigned on the subnet", () => {
    const f = moduleFile("subnet-join-role.bicep");
    const role = f.resources.find((r) => r.type === "Microsoft.Authorization/roleDefinitions")!;
    expect(actionsOf(role.text)).toEqual(["Microsoft.Network/virtualNetworks/subnets/join/action"]);
    const assignment = f.resources.find((r) => r.type === "Microsoft.Authorization/roleAssignments")!;
    expect(assignment.text).toContain("scope: subnet");
    expect(main.modules.find((m) => m.symbol === "subnetJoin")!.text).toContain("if (vnetMode != 'none')");
  });

  it("names every custom role uniquely per tenant: subscription and resource group in the role name", () => {
    const names = files.flatMap((f) => [...code(f).matchAll(/roleName: '([^']*)'/g)].map((m) => m[1]!));
    expect(names.length).toBeGreaterThanOrEqual(2);
    for (const name of names) {
      expect(name).toContain("${subscription().subscriptionId}");
      expect(name).toContain("${resourceGroup().name}");
    }
  });

  it("grants every storage service the app settings point at (no table URI without a table role)", () => {
    const settings = code(moduleFile("functionapp.bicep"));
    const granted = code(moduleFile("storage.bicep"));
    expect(settings).not.toMatch(/tableServiceUri/);
    expect(granted).not.toMatch(/Table Data/);
    expect(settings).toMatch(/AzureWebJobsStorage__blobServiceUri/);
    expect(granted).toMatch(/storageBlobDataOwnerRoleId/);
  });

  it("gives the operator the queue role the runbook's --auth-mode login commands need", () => {
    const storage = code(moduleFile("storage.bicep"));
    expect(storage).toMatch(
      /resource operatorQueueContributor [^=]+= if \(!empty\(operatorPrincipalId\)\)[\s\S]*?storageQueueDataContributorRoleId[\s\S]*?principalId: operatorPrincipalId/,
    );
    expect(code(main)).toMatch(/module storage [\s\S]*?operatorPrincipalId: operatorPrincipalId/);
    const runbook = readFileSync(join(root, "docs/runbook.md"), "utf8");
    expect(runbook).toMatch(/az storage message [a-z]+ .*--auth-mode login/);
  });

  it("uses no wildcard action other than containerGroups/*", () => {
    const wild = files.flatMap((f) =>
      [...code(f).matchAll(/'([^']*\*[^']*)'/g)].map((m) => m[1]!).filter((a) => a.includes("/")),
    );
    expect(wild).toEqual(["Microsoft.ContainerInstance/containerGroups/*"]);
  });
});

function actionsOf(text: string): string[] {
  const block = /actions:\s*\[([\s\S]*?)\]/.exec(text)?.[1] ?? "";
  return [...block.matchAll(/'([^']+)'/g)].map((m) => m[1]!);
}

describe("deploy/modules/functionapp.bicep: app settings", () => {
  const app = moduleFile("functionapp.bicep");
  const host = varObjectKeys(app.source, "hostAppSettings");
  const bridge = varObjectKeys(app.source, "bridgeAppSettings");
  const vnet = varObjectKeys(app.source, "vnetAppSettings");
  const all = [...host, ...bridge, ...vnet];
  const config = configSettings();

  it("parses the settings objects", () => {
    expect(host).toContain("AzureWebJobsStorage__credential");
    expect(bridge).toContain("AZURE_SUBSCRIPTION_ID");
    expect(vnet).toEqual(["ACI_SUBNET_ID"]);
    expect(config.required.size).toBeGreaterThan(0);
  });

  it("sets every setting lib/config.ts requires", () => {
    expect([...config.required].filter((n) => !all.includes(n))).toEqual([]);
  });

  it("sets only settings lib/config.ts reads (catches typos), besides host settings", () => {
    const hostOnly = new Set(["PodEventsStorage__credential"]);
    expect(bridge.filter((n) => !config.all.has(n) && !hostOnly.has(n))).toEqual([]);
    expect(vnet.filter((n) => !config.all.has(n))).toEqual([]);
    expect(host.every((n) => /^(AzureWebJobsStorage__|APPLICATIONINSIGHTS_)/.test(n))).toBe(true);
  });

  it("uses the production forms: Key Vault reference, identity-based queue connection, UAMI client id", () => {
    for (const name of [
      "KUBECONFIG_CONTENT",
      "AZURE_CLIENT_ID",
      "PodEventsStorage__queueServiceUri",
      "PodEventsStorage__clientId",
      "ACI_NODE_NAMES",
      "ACI_BRIDGE_CLUSTER_NAME",
      "ACI_REGION",
    ]) {
      expect(bridge, name).toContain(name);
    }
    expect(app.source).toMatch(
      /KUBECONFIG_CONTENT: '@Microsoft\.KeyVault\(SecretUri=\$\{kubeconfigSecretUri\}\)'/,
    );
    expect(app.source).toContain("PodEventsStorage__credential: 'managedidentity'");
    expect(app.source).toContain("AzureWebJobsStorage__credential: 'managedidentity'");
    expect(app.source).toContain("keyVaultReferenceIdentity: appIdentityId");
    // Connection-string forms must not be set: the app would prefer them.
    expect(all).not.toContain("PodEventsStorage");
    expect(all).not.toContain("AzureWebJobsStorage");
    expect(all).not.toContain("KUBECONFIG");
  });

  it("puts no account key, connection string or SAS anywhere in deploy/", () => {
    for (const f of files) {
      const text = code(f);
      for (const forbidden of [
        "listKeys(",
        "listAccountSas(",
        "listServiceSas(",
        "AccountKey=",
        "DefaultEndpointsProtocol",
        "SharedAccessSignature",
        "primaryKey",
      ]) {
        expect(text.includes(forbidden), `${rel(f.file)} contains ${forbidden}`).toBe(false);
      }
    }
    const storage = moduleFile("storage.bicep");
    expect(storage.source).toContain("allowSharedKeyAccess: allowSharedKeyAccess");
    expect(main.source).toContain("allowSharedKeyAccess: watcherAuth == 'sas'");
  });

  it("is a Flex Consumption Linux app on Node 22 without settings Flex rejects", () => {
    const text = code(app);
    expect(text).toMatch(/tier: 'FlexConsumption'/);
    expect(text).toMatch(/name: 'FC1'/);
    expect(text).toContain("kind: 'functionapp,linux'");
    expect(text).toMatch(/runtime: \{\s*name: 'node'\s*version: '22'\s*\}/);
    expect(text).toMatch(/type: 'UserAssignedIdentity'\s*userAssignedIdentityResourceId: appIdentityId/);
    for (const name of [
      "FUNCTIONS_WORKER_RUNTIME",
      "WEBSITE_RUN_FROM_PACKAGE",
      "FUNCTIONS_EXTENSION_VERSION",
    ]) {
      expect(text.includes(name), name).toBe(false);
    }
    expect(objectKeys(text, /identity:\s*\{/)).toEqual(["type", "userAssignedIdentities"]);
  });

  it("publishes the kubelet endpoint on the Node: ACI_NODE_KUBELET_PORT always, ACI_NODE_IP when nodeIp is set", () => {
    expect(bridge).toContain("ACI_NODE_KUBELET_PORT");
    expect(app.source).toContain("ACI_NODE_KUBELET_PORT: string(nodeKubeletPort)");
    expect(varObjectKeys(app.source, "nodeIpAppSettings")).toEqual(["ACI_NODE_IP"]);
    expect(code(app)).toContain("var nodeIpAppSettings = empty(nodeIp) ? {} : { ACI_NODE_IP: nodeIp }");
    expect(code(app)).toMatch(/var allAppSettings = union\([^)]*\bnodeIpAppSettings, extraAppSettings\)/);
    for (const name of ["ACI_NODE_IP", "ACI_NODE_KUBELET_PORT"]) expect(config.all, name).toContain(name);
    const m = main.modules.find((x) => x.symbol === "functionApp")!;
    expect(m.text).toContain("nodeIp: nodeIp");
    expect(m.text).toContain("nodeKubeletPort: nodeKubeletPort");
    // The chart's kubelet.port default (charts/aci-bridge-watcher/values.yaml) is the same port.
    const port = main.params.find((p) => p.name === "nodeKubeletPort")!;
    expect(port.hasDefault).toBe(true);
    expect(code(main)).toContain("param nodeKubeletPort int = 10250");
    const chartValues = readFileSync(join(root, "charts/aci-bridge-watcher/values.yaml"), "utf8");
    expect(chartValues).toMatch(/^kubelet:\n(?: {2}.*\n|\s*\n)*? {2}port: 10250$/m);
  });

  it("creates the queues the code uses", () => {
    expect(main.source).toContain(`var podEventsQueueName = '${POD_EVENTS_QUEUE}'`);
    expect(main.source).toContain(`var poisonQueueName = '${POD_EVENTS_POISON_QUEUE}'`);
  });
});

describe("deploy/modules/alerts.bicep: log alerts", () => {
  const alerts = moduleFile("alerts.bicep");
  const queries = [...alerts.source.matchAll(/query: '([^']*)'/g)].map((m) => m[1]!);
  const eventNames = queries.flatMap((q) =>
    [...q.matchAll(/(?:startswith|strlen\() ?"([a-z0-9.]+) "/g)].map((m) => m[1]!),
  );

  it("queries only event names that exist in lib/events", () => {
    const catalog = new Set(Object.keys(EVENTS));
    expect(eventNames.length).toBeGreaterThan(0);
    expect(eventNames.filter((n) => !catalog.has(n))).toEqual([]);
  });

  it("covers poison messages, create failures, heartbeat, sustained throttling and Failed pods", () => {
    for (const name of [
      "message.invalid",
      "message.retry",
      "cg.create.failed",
      "node.heartbeat.failed",
      "node.heartbeat.late",
      "arm.throttled",
      "pod.failed",
    ]) {
      expect(eventNames, name).toContain(name);
    }
    // The host's own line when maxDequeueCount is reached, and absence of the timer.
    expect(queries.some((q) => q.includes("Moving message to queue"))).toBe(true);
    expect(queries).toContain('requests | where operation_Name == "reconcile"');
    // A single late renewal already alerts: it is a bug at any pod count.
    expect(alerts.source).toMatch(
      /name: 'heartbeat-late'[\s\S]*?query: 'traces \| where message startswith "node\.heartbeat\.late "'[\s\S]*?threshold: 0/,
    );
    // Sustained throttling: several consecutive failing windows.
    expect(alerts.source).toMatch(/name: 'arm-throttled'[\s\S]*?periods: 3/);
    // "Marked Failed by the bridge", not pods whose containers failed on their own.
    expect(queries.find((q) => q.includes('"pod.failed "'))).toContain('tostring(f.source) == "bridge"');
  });

  it("knows host.json's maxDequeueCount", () => {
    const host = JSON.parse(readFileSync(join(root, "host.json"), "utf8")) as {
      extensions: { queues: { maxDequeueCount: number } };
    };
    expect(alerts.source).toContain(`param maxDequeueCount int = ${host.extensions.queues.maxDequeueCount}`);
  });

  it("uses the LogAlert shape (kind, Count aggregation, failingPeriods, action groups)", () => {
    const rule = alerts.resources.find((r) => r.type === "Microsoft.Insights/scheduledQueryRules")!;
    expect(rule.text).toContain("kind: 'LogAlert'");
    expect(rule.text).toContain("timeAggregation: 'Count'");
    expect(rule.text).toContain("numberOfEvaluationPeriods: rule.periods");
    expect(rule.text).toContain("actionGroups: actionGroups");
    expect(rule.text).toContain("scopes: [appInsightsId]");
  });
});
