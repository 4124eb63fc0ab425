/**
 * Ports, IP address and DNS (docs/adr/0105-ip-addresses.md): container ports; a private IP in the node's
 * subnet, or a public IP when the operator allows it and the pod asks; the DNS name label; cluster DNS in
 * VNet mode merged with the pod's dnsConfig.
 */
import type {
  ContainerGroup,
  ContainerPort,
  DnsConfiguration,
  IpAddress,
  Port,
} from "@azure/arm-containerinstance";
import type { V1Container } from "@kubernetes/client-node";
import { InvalidPodSpecError } from "../errors.js";
import {
  ANN_DNS_NAME_LABEL,
  ANN_DNS_NAME_LABEL_VK,
  ANN_INJECT_DNS,
  ANN_INJECT_DNS_VN2,
  ANN_PUBLIC_IP,
  annotationField,
  isTrue,
  readAnnotation,
} from "./annotations.js";
import { PolicyRejection, podNamespace, warn, type TranslateContext } from "./context.js";

export const ACI_MAX_PORTS_PER_IP = 5;

export function containerPorts(c: V1Container, path: string): ContainerPort[] {
  return (c.ports ?? []).map((p, i) => {
    const field = `${path}.ports[${i}]`;
    const protocol = p.protocol ?? "TCP";
    if (protocol !== "TCP" && protocol !== "UDP") {
      throw new InvalidPodSpecError(`${field}.protocol`, `ACI supports TCP and UDP ports, not ${protocol}`);
    }
    if (p.hostPort !== undefined && p.hostPort !== p.containerPort) {
      throw new InvalidPodSpecError(
        `${field}.hostPort`,
        "ACI cannot map a host port to a different container port",
      );
    }
    return { port: p.containerPort, protocol };
  });
}

export function applyNetwork(ctx: TranslateContext, cg: ContainerGroup): void {
  const { node } = ctx;
  const ports = new Map<string, Port>();
  for (const c of cg.containers) {
    for (const p of c.ports ?? [])
      ports.set(`${p.protocol ?? "TCP"}/${p.port}`, { protocol: p.protocol ?? "TCP", port: p.port });
  }
  const publicAnn = readAnnotation(ctx.pod, ANN_PUBLIC_IP);
  const wantsPublic = isTrue(publicAnn?.value);
  const label = readAnnotation(ctx.pod, ANN_DNS_NAME_LABEL, ANN_DNS_NAME_LABEL_VK);
  const list = [...ports.values()];
  if (wantsPublic) {
    if (!node.allowPublicIp) {
      throw new InvalidPodSpecError(
        annotationField(ANN_PUBLIC_IP),
        "public IP addresses are not allowed on this virtual node (operator setting ACI_ALLOW_PUBLIC_IP)",
      );
    }
    if (list.length === 0) {
      throw new InvalidPodSpecError(
        annotationField(ANN_PUBLIC_IP),
        "a public IP needs at least one container port",
        "InvalidPodSpec",
      );
    }
  }
  // Ports matter only where the group gets an IP: without one they are informational (the NoIPAddress
  // warning below). With one, ACI exposes at most 5: the node's policy decides.
  const getsIp = wantsPublic || node.subnetId !== undefined;
  if (getsIp && list.length > ACI_MAX_PORTS_PER_IP) {
    if (ctx.policy.excessPorts === "reject") {
      throw new PolicyRejection(
        "spec.containers[*].ports",
        `${list.length} distinct ports; ACI exposes at most ${ACI_MAX_PORTS_PER_IP} per IP address (the node-wide ACI_EXCESS_PORTS=first5 exposes the first ${ACI_MAX_PORTS_PER_IP} declared instead)`,
      );
    }
    const hidden = list.splice(ACI_MAX_PORTS_PER_IP);
    warn(
      ctx,
      "PortsNotExposed",
      "spec.containers[*].ports",
      `ACI exposes at most ${ACI_MAX_PORTS_PER_IP} ports per IP address; ${hidden.map((p) => `${p.port}/${p.protocol ?? "TCP"}`).join(", ")} are not reachable on the group's IP (node policy ACI_EXCESS_PORTS=first5)`,
    );
  }
  if (label && !wantsPublic) {
    throw new InvalidPodSpecError(
      annotationField(label.key),
      `a DNS name label needs a public IP (${ANN_PUBLIC_IP}: "true")`,
      "InvalidPodSpec",
    );
  }
  if (label && !/^[a-z][a-z0-9-]{1,61}[a-z0-9]$/.test(label.value)) {
    throw new InvalidPodSpecError(
      annotationField(label.key),
      `"${label.value}" is not a valid DNS name label`,
      "InvalidPodSpec",
    );
  }
  if (wantsPublic) {
    const ip: IpAddress = { type: "Public", ports: list };
    if (label) ip.dnsNameLabel = label.value;
    cg.ipAddress = ip;
    if (node.subnetId) {
      warn(
        ctx,
        "PublicIpOutsideVNet",
        annotationField(ANN_PUBLIC_IP),
        "ACI cannot combine a public IP with a subnet; the group is created outside the virtual network",
      );
    }
    return;
  }
  if (node.subnetId) {
    cg.subnetIds = [{ id: node.subnetId }];
    if (list.length > 0) cg.ipAddress = { type: "Private", ports: list };
    return;
  }
  if (list.length > 0) {
    warn(
      ctx,
      "NoIPAddress",
      "spec.containers[*].ports",
      `no subnet is configured and the pod does not ask for a public IP (${ANN_PUBLIC_IP}), so the group gets no IP address; the ports are reachable only inside the group`,
    );
  }
}

export function dnsConfig(ctx: TranslateContext, inVNet: boolean): DnsConfiguration | undefined {
  const { pod, node } = ctx;
  const policy = pod.spec?.dnsPolicy ?? "ClusterFirst";
  const injectAnn = readAnnotation(pod, ANN_INJECT_DNS, ANN_INJECT_DNS_VN2);
  const inject = injectAnn === undefined || isTrue(injectAnn.value);
  const nameServers: string[] = [];
  const searches: string[] = [];
  const options: string[] = [];
  if (
    inVNet &&
    inject &&
    (policy === "ClusterFirst" || policy === "ClusterFirstWithHostNet") &&
    node.dnsServers.length > 0
  ) {
    const ns = podNamespace(pod);
    nameServers.push(...node.dnsServers);
    searches.push(`${ns}.svc.${node.clusterDomain}`, `svc.${node.clusterDomain}`, node.clusterDomain);
    options.push("ndots:5");
  }
  const own = pod.spec?.dnsConfig;
  if (own) {
    for (const s of own.nameservers ?? []) if (!nameServers.includes(s)) nameServers.push(s);
    for (const s of own.searches ?? []) if (!searches.includes(s)) searches.push(s);
    for (const o of own.options ?? []) {
      const text = o.value !== undefined ? `${o.name}:${o.value}` : (o.name ?? "");
      const key = text.split(":")[0];
      const at = options.findIndex((x) => x.split(":")[0] === key);
      if (at >= 0) options[at] = text;
      else if (text) options.push(text);
    }
  }
  if (policy === "None" && nameServers.length === 0) {
    throw new InvalidPodSpecError(
      "spec.dnsConfig.nameservers",
      'dnsPolicy "None" needs at least one nameserver',
      "InvalidPodSpec",
    );
  }
  if (nameServers.length === 0) return undefined;
  if (nameServers.length > 3) {
    throw new InvalidPodSpecError(
      "spec.dnsConfig.nameservers",
      "at most 3 nameservers (with the cluster's)",
      "InvalidPodSpec",
    );
  }
  const out: DnsConfiguration = { nameServers };
  if (searches.length > 0) out.searchDomains = searches.join(" ");
  if (options.length > 0) out.options = options.join(" ");
  return out;
}
