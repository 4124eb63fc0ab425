import { describe, expect, it } from "vitest";
import { loadBridgeConfig, parseNodes, parseTaint } from "../../lib/config.js";
import { ConfigError } from "../../lib/errors.js";

const base = {
  AZURE_SUBSCRIPTION_ID: "sub",
  ACI_RESOURCE_GROUP: "rg",
  KUBECONFIG_CONTENT: "apiVersion: v1",
  PodEventsStorage: "UseDevelopmentStorage=true",
};

describe("loadBridgeConfig", () => {
  it("applies documented defaults", () => {
    const config = loadBridgeConfig(base);
    expect(config.nodes).toEqual([{ name: "aci-bridge", region: "eastus" }]);
    expect(config.node.taint).toEqual({
      key: "virtual-kubelet.io/provider",
      value: "azure",
      effect: "NoSchedule",
    });
    expect(config.node.capacity).toEqual({ cpu: "10000", memory: "4Ti", pods: "5000" });
    expect(config.aci.allowPublicIp).toBe(false);
    expect(config.timings.leaseDurationSeconds).toBe(40);
    expect(Object.isFrozen(config.aci)).toBe(true);
  });

  it.each([
    [{ ...base, AZURE_SUBSCRIPTION_ID: "" }, /AZURE_SUBSCRIPTION_ID must be set/],
    [{ ...base, KUBECONFIG_CONTENT: undefined }, /KUBECONFIG_CONTENT .* or KUBECONFIG/],
    [{ ...base, PodEventsStorage: undefined }, /PodEventsStorage/],
    [{ ...base, ACI_ALLOW_PUBLIC_IP: "maybe" }, /ACI_ALLOW_PUBLIC_IP must be true or false/],
    [{ ...base, ACI_STATUS_FAST_SECONDS: "-1" }, /ACI_STATUS_FAST_SECONDS must be a non-negative number/],
    [{ ...base, ACI_NODE_OS: "Plan9" }, /ACI_NODE_OS must be one of Linux, Windows/],
    [{ ...base, ARM_INSECURE: "true" }, /ARM_INSECURE=true needs ARM_ENDPOINT/],
  ])("names the bad setting (%#)", (env, message) => {
    expect(() => loadBridgeConfig(env)).toThrow(ConfigError);
    expect(() => loadBridgeConfig(env)).toThrow(message);
  });

  it("takes the ownership identity from ACI_CLUSTER_ID, else ACI_BRIDGE_CLUSTER_NAME, else derives it", () => {
    // Derived from the kube-system uid at run time (lib/reconcile/identity.ts); `default` until then.
    expect(loadBridgeConfig(base)).toMatchObject({ clusterName: "default", clusterIdentity: "derive" });
    expect(loadBridgeConfig({ ...base, ACI_BRIDGE_CLUSTER_NAME: "default" }).clusterIdentity).toBe("default");
    expect(loadBridgeConfig({ ...base, ACI_BRIDGE_CLUSTER_NAME: "my-aks" })).toMatchObject({
      clusterName: "my-aks",
      clusterIdentity: "ACI_BRIDGE_CLUSTER_NAME",
    });
    const uid = "6f1c2a4e-0d7b-4f0e-9a51-3c2b8e7d9f10";
    expect(
      loadBridgeConfig({ ...base, ACI_BRIDGE_CLUSTER_NAME: "my-aks", ACI_CLUSTER_ID: uid }),
    ).toMatchObject({
      clusterName: uid,
      clusterIdentity: "ACI_CLUSTER_ID",
    });
    expect(() => loadBridgeConfig({ ...base, ACI_CLUSTER_ID: "not a uid!" })).toThrow(/ACI_CLUSTER_ID/);
  });

  it("accepts identity-based queue settings instead of a connection string", () => {
    const config = loadBridgeConfig({
      ...base,
      PodEventsStorage: undefined,
      PodEventsStorage__queueServiceUri: "https://acct.queue.core.windows.net",
      PodEventsStorage__clientId: "cid",
    });
    expect(config.queue).toEqual({ queueServiceUri: "https://acct.queue.core.windows.net", clientId: "cid" });
  });
});

describe("parseTaint", () => {
  it.each([
    [
      "virtual-kubelet.io/provider=azure:NoSchedule",
      { key: "virtual-kubelet.io/provider", value: "azure", effect: "NoSchedule" },
    ],
    ["azure.com/aci:NoSchedule", { key: "azure.com/aci", effect: "NoSchedule" }],
  ])("parses %s", (text, taint) => {
    expect(parseTaint(text)).toEqual(taint);
  });
  it.each(["azure.com/aci", "a=b:Sometimes", "=x:NoSchedule"])("rejects %j", (text) => {
    expect(() => parseTaint(text)).toThrow(/ACI_NODE_TAINT/);
  });
});

describe("parseNodes", () => {
  it("reads several nodes with optional regions", () => {
    expect(parseNodes("aci-bridge, aci-west:westus", "eastus")).toEqual([
      { name: "aci-bridge", region: "eastus" },
      { name: "aci-west", region: "westus" },
    ]);
  });
  it.each(["", "Bad_Name", "a,a"])("rejects %j", (value) => {
    expect(() => parseNodes(value, "eastus")).toThrow(ConfigError);
  });
});
