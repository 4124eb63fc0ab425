/**
 * Settings of the kubelet endpoint (off by default, what enabling it requires) and the Node fields that
 * point the API server at it (`addresses` InternalIP, `daemonEndpoints.kubeletEndpoint.Port`).
 */
import { describe, expect, it } from "vitest";
import { loadBridgeConfig, loadKubeletEndpointConfig, loadWatcherConfig } from "../../lib/config.js";
import { nodeStatus } from "../../lib/reconcile/node.js";

const watcherEnv = { PodEventsStorage: "UseDevelopmentStorage=true", ACI_NODE_NAMES: "vn-a,vn-b" };
const enabled = {
  ...watcherEnv,
  WATCHER_KUBELET_ENABLED: "true",
  KUBELET_TLS_CERT_FILE: "/tls/tls.crt",
  KUBELET_TLS_KEY_FILE: "/tls/tls.key",
  KUBELET_CLIENT_CA_FILE: "/ca/ca.crt",
  AZURE_SUBSCRIPTION_ID: "sub",
  ACI_RESOURCE_GROUP: "rg",
};

describe("kubelet endpoint settings", () => {
  it("is off unless WATCHER_KUBELET_ENABLED", () => {
    expect(loadWatcherConfig(watcherEnv).kubelet).toBeUndefined();
  });

  it("parses the settings with defaults when enabled", () => {
    expect(loadWatcherConfig(enabled).kubelet).toEqual({
      port: 10250,
      tls: { mode: "files", certFile: "/tls/tls.crt", keyFile: "/tls/tls.key" },
      clientCaFile: "/ca/ca.crt",
      clusterName: "default",
      clusterIdentity: "derive",
      authzNodeName: "vn-a",
      aci: { subscriptionId: "sub", resourceGroup: "rg", armInsecure: false },
      logsPollSeconds: 2,
      logsIdlePollSeconds: 10,
      statsRefreshSeconds: 60,
    });
  });

  it("checks ownership with the Functions' identity: ACI_CLUSTER_ID first, then the name, else derived", () => {
    const uid = "6f1c2a4e-0d7b-4f0e-9a51-3c2b8e7d9f10";
    const with_ = (over: Record<string, string>) =>
      loadKubeletEndpointConfig({ ...enabled, ...over }, ["vn-a"]);
    expect(with_({ ACI_CLUSTER_ID: uid, ACI_BRIDGE_CLUSTER_NAME: "my-aks" })).toMatchObject({
      clusterName: uid,
      clusterIdentity: "ACI_CLUSTER_ID",
    });
    expect(with_({ ACI_BRIDGE_CLUSTER_NAME: "my-aks" })).toMatchObject({
      clusterName: "my-aks",
      clusterIdentity: "ACI_BRIDGE_CLUSTER_NAME",
    });
    expect(with_({ ACI_BRIDGE_CLUSTER_NAME: "default" })?.clusterIdentity).toBe("default");
  });

  it.each([
    [{ KUBELET_TLS_CERT_FILE: "" }, /KUBELET_TLS_CERT_FILE must be set/],
    [{ ACI_RESOURCE_GROUP: "" }, /ACI_RESOURCE_GROUP must be set/],
    [{ KUBELET_PORT: "70000" }, /KUBELET_PORT must be a TCP port/],
    [{ KUBELET_LOGS_POLL_SECONDS: "20" }, /KUBELET_LOGS_POLL_SECONDS must be > 0 and ≤/],
    [{ ARM_INSECURE: "true" }, /ARM_INSECURE=true needs ARM_ENDPOINT/],
    [{ WATCHER_KUBELET_TLS_MODE: "auto" }, /WATCHER_KUBELET_TLS_MODE must be "files" or "csr"/],
    [{ WATCHER_KUBELET_TLS_MODE: "csr" }, /KUBELET_NODE_ADDRESS must be set/],
    [
      { WATCHER_KUBELET_TLS_MODE: "csr", KUBELET_NODE_ADDRESS: "vn.example" },
      /KUBELET_NODE_ADDRESS must be an IP/,
    ],
  ])("refuses %j", (over, message) => {
    expect(() => loadKubeletEndpointConfig({ ...enabled, ...over }, ["vn-a"])).toThrow(message);
  });
});

describe("WATCHER_KUBELET_TLS_MODE=csr", () => {
  it("needs no certificate files, takes the node address as IP SAN and the node name as DNS SAN", () => {
    const env: Record<string, string> = {
      ...enabled,
      WATCHER_KUBELET_TLS_MODE: "csr",
      KUBELET_NODE_ADDRESS: "10.240.0.250",
      KUBELET_NODE_NAME: "vn-b",
    };
    delete env.KUBELET_TLS_CERT_FILE;
    delete env.KUBELET_TLS_KEY_FILE;
    expect(loadKubeletEndpointConfig(env, ["vn-a", "vn-b"])?.tls).toEqual({
      mode: "csr",
      nodeAddress: "10.240.0.250",
      dnsNames: ["vn-b"],
    });
  });
});

describe("Node status points at the endpoint", () => {
  const bridgeEnv = {
    AZURE_SUBSCRIPTION_ID: "sub",
    ACI_RESOURCE_GROUP: "rg",
    KUBECONFIG: "/k",
    PodEventsStorage: "UseDevelopmentStorage=true",
    ACI_NODE_IP: "10.0.0.42",
  };

  it("uses ACI_NODE_IP as the only address (InternalIP) and ACI_NODE_KUBELET_PORT as the kubelet port", () => {
    const c = loadBridgeConfig({ ...bridgeEnv, ACI_NODE_KUBELET_PORT: "11250" });
    const s = nodeStatus(c.node, []);
    // Only InternalIP: an API server preferring Hostname (its default order) must not pick an unresolvable name.
    expect(s.addresses).toEqual([{ type: "InternalIP", address: "10.0.0.42" }]);
    expect(s.daemonEndpoints).toEqual({ kubeletEndpoint: { Port: 11250 } });
    expect(nodeStatus(loadBridgeConfig(bridgeEnv).node, []).daemonEndpoints).toEqual({
      kubeletEndpoint: { Port: 10250 },
    });
  });
});
