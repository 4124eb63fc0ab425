/**
 * Config errors name the setting, never its content: a malformed kubeconfig (with a token in it), a
 * connection string, an unresolved Key Vault reference. Checked on the errors and on the log lines the
 * Functions write (`config.invalid`) on every invocation.
 */
import { InvocationContext } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { loadBridgeConfig, loadWatcherConfig } from "../../lib/config.js";
import { ConfigError } from "../../lib/errors.js";
import { createPodEventsHandler, lazyRuntime } from "../../lib/functions/handlers.js";
import { loadKubeConfig } from "../../lib/kube/api.js";
import { kubeconfigConnection } from "../../lib/kube/http/connection.js";
import { connectionStringEndpoint } from "../../lib/queue/http.js";
import { createBridgeRuntime } from "../../lib/runtime.js";

const TOKEN = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2VuLXZhbHVl.sig-Zq9";
/** A kubeconfig with a token and a YAML syntax error two lines below it (an unclosed flow sequence). */
const BROKEN_KUBECONFIG = [
  "apiVersion: v1",
  "kind: Config",
  "current-context: c",
  "clusters:",
  "- name: k",
  "  cluster: {server: 'https://10.0.0.1:6443'}",
  "users:",
  "- name: u",
  "  user:",
  `    token: ${TOKEN}`,
  "  extra: [unclosed, list",
  "contexts: [{name: c, context: {cluster: k, user: u}}]",
].join("\n");

/** Every line of the text long enough to be recognisable. */
const contentLines = (text: string) =>
  text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.length > 6);

function expectNoContent(message: string, text: string): void {
  expect(message).not.toContain(TOKEN);
  expect(message).not.toContain(TOKEN.slice(0, 12));
  for (const line of contentLines(text)) expect(message).not.toContain(line);
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a throw");
}

describe("a malformed kubeconfig", () => {
  it("Functions: a ConfigError naming KUBECONFIG_CONTENT and the position, without the token or a line", () => {
    const error = thrown(() => loadKubeConfig({ inline: BROKEN_KUBECONFIG }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(
      /^KUBECONFIG_CONTENT: not a valid kubeconfig: YAML syntax error at line \d+, column \d+/,
    );
    expectNoContent(error.message, BROKEN_KUBECONFIG);
    expectNoContent(String(error.stack), BROKEN_KUBECONFIG);
  });

  it("Functions: every invocation logs config.invalid with the setting name, never the token", async () => {
    const env = {
      AZURE_SUBSCRIPTION_ID: "sub",
      ACI_RESOURCE_GROUP: "rg",
      ARM_ENDPOINT: "http://127.0.0.1:1",
      ARM_INSECURE: "true",
      KUBECONFIG_CONTENT: BROKEN_KUBECONFIG,
      PodEventsStorage: "UseDevelopmentStorage=true",
    };
    const handler = createPodEventsHandler(lazyRuntime(() => createBridgeRuntime(loadBridgeConfig(env))));
    const lines: string[] = [];
    const context = () =>
      new InvocationContext({
        invocationId: "i",
        functionName: "podEvents",
        logHandler: (_level, ...args) => lines.push(args.map(String).join(" ")),
      });
    const message = { v: 1, ns: "default", name: "web", reason: "added" };
    for (let i = 0; i < 2; i++) await expect(handler(message, context())).rejects.toBeInstanceOf(ConfigError);
    const invalid = lines.filter((l) => l.startsWith("config.invalid"));
    expect(invalid).toHaveLength(2);
    expect(invalid[0]).toContain("KUBECONFIG_CONTENT");
    for (const line of lines) expectNoContent(line, BROKEN_KUBECONFIG);
  });

  it("Functions: malformed JSON is named without quoting it", () => {
    const json = `{"users":[{"name":"u","user":{"token":"${TOKEN}"}}] oops}`;
    const error = thrown(() => loadKubeConfig({ inline: json }));
    expect(error.message).toBe("KUBECONFIG_CONTENT: not a valid kubeconfig: malformed JSON");
  });

  it("watcher: the same for its kubeconfig, as YAML and as JSON", async () => {
    const yaml = await kubeconfigConnection(BROKEN_KUBECONFIG, "/etc/kube/config", "KUBECONFIG").catch(
      (e: unknown) => e as Error,
    );
    expect(yaml).toBeInstanceOf(ConfigError);
    expect((yaml as Error).message).toMatch(
      /^KUBECONFIG file: not a valid kubeconfig: YAML syntax error at line/,
    );
    expectNoContent((yaml as Error).message, BROKEN_KUBECONFIG);
    const json = await kubeconfigConnection(`{"token": "${TOKEN}"`).catch((e: unknown) => e as Error);
    expect((json as Error).message).toBe("kubeconfig: not a valid kubeconfig: malformed JSON");
  });
});

describe("settings that are not what they should be", () => {
  const base = {
    AZURE_SUBSCRIPTION_ID: "sub",
    ACI_RESOURCE_GROUP: "rg",
    KUBECONFIG_CONTENT: "apiVersion: v1",
    PodEventsStorage: "UseDevelopmentStorage=true",
  };
  const reference =
    "@Microsoft.KeyVault(SecretUri=https://vault-name.vault.azure.net/secrets/kubeconfig/0123456789abcdef)";

  it.each([
    "KUBECONFIG_CONTENT",
    "PodEventsStorage",
    "AZURE_SUBSCRIPTION_ID",
    "ACI_NODE_TAINT",
    "ACI_REGION",
  ])("an unresolved Key Vault reference in %s is config.invalid naming it", (name) => {
    const error = thrown(() => loadBridgeConfig({ ...base, [name]: reference }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(new RegExp(`^${name}: the Key Vault reference did not resolve`));
    expect(error.message).not.toContain("vault-name");
  });

  it("the watcher's settings too (lower-case spelling, spaces)", () => {
    const error = thrown(() =>
      loadWatcherConfig({ PodEventsStorage: " @microsoft.keyvault (VaultName=v;SecretName=s)" }),
    );
    expect(error.message).toMatch(/^PodEventsStorage: the Key Vault reference did not resolve/);
  });

  it("a malformed value is named, not repeated", () => {
    const secretish = "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=c2VjcmV0";
    for (const [name, value] of [
      ["ACI_NODE_TAINT", secretish],
      ["ACI_API_SERVER", secretish],
      ["ACI_STATUS_FAST_SECONDS", secretish],
      ["ARM_INSECURE", secretish],
      ["ACI_NODE_OS", secretish],
    ] as const) {
      const error = thrown(() => loadBridgeConfig({ ...base, [name]: value }));
      expect(error.message).toContain(name);
      expect(error.message).not.toContain("c2VjcmV0");
    }
  });

  it("a connection string without a key is named, not repeated", () => {
    const error = thrown(() =>
      connectionStringEndpoint("AccountName=acct;SharedAccessSignatur=sv=1&sig=c2VjcmV0", "pod-events"),
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/^PodEventsStorage: /);
    expect(error.message).not.toContain("c2VjcmV0");
  });
});
