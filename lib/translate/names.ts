/**
 * Pod → container group name and ownership tags (docs/architecture.md#names). Pure.
 *
 * The name is `<namespace>-<pod>` when that is a valid ACI name (1–63 chars, [a-z0-9-], no leading,
 * trailing or doubled hyphen). Otherwise a readable prefix plus a hash of `namespace/name` keeps it valid,
 * unique and stable. Ownership is decided by tags, never by the name: two pods whose natural names collide
 * (`a-b`/`c` and `a`/`b-c`) are told apart by their tags, and the second one is reported, not overwritten.
 */
import { createHash } from "node:crypto";

export const TAG_PREFIX = "aci-bridge.";
export const TAG_CLUSTER = "aci-bridge.cluster";
export const TAG_NODE = "aci-bridge.node";
export const TAG_NAMESPACE = "aci-bridge.namespace";
export const TAG_POD = "aci-bridge.pod";
export const TAG_UID = "aci-bridge.uid";

export const MAX_CONTAINER_GROUP_NAME = 63;
const VALID_NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const HASH_LENGTH = 8;

export function isValidContainerGroupName(name: string): boolean {
  return name.length >= 1 && name.length <= MAX_CONTAINER_GROUP_NAME && VALID_NAME.test(name);
}

export function containerGroupName(namespace: string, podName: string): string {
  const natural = `${namespace}-${podName}`.toLowerCase();
  if (isValidContainerGroupName(natural)) return natural;
  const hash = createHash("sha256").update(`${namespace}/${podName}`).digest("hex").slice(0, HASH_LENGTH);
  const readable = natural
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^-+/, "")
    .slice(0, MAX_CONTAINER_GROUP_NAME - HASH_LENGTH - 1)
    .replace(/-+$/, "");
  return readable ? `${readable}-${hash}` : hash;
}

export interface PodOwner {
  cluster: string;
  node: string;
  namespace: string;
  pod: string;
  uid: string;
}

export function containerGroupTags(owner: PodOwner): Record<string, string> {
  return {
    [TAG_CLUSTER]: owner.cluster,
    [TAG_NODE]: owner.node,
    [TAG_NAMESPACE]: owner.namespace,
    [TAG_POD]: owner.pod,
    [TAG_UID]: owner.uid,
  };
}

/** Reads the owner from a group's tags; undefined unless every bridge tag is present. */
export function ownerFromTags(tags: Record<string, string> | undefined): PodOwner | undefined {
  if (!tags) return undefined;
  const cluster = tags[TAG_CLUSTER];
  const node = tags[TAG_NODE];
  const namespace = tags[TAG_NAMESPACE];
  const pod = tags[TAG_POD];
  const uid = tags[TAG_UID];
  if (!cluster || !node || !namespace || !pod || !uid) return undefined;
  return { cluster, node, namespace, pod, uid };
}

/** The bridge owns a group only if it carries all tags for this cluster and one of our nodes (docs/architecture.md#ownership). */
export function isOwnedBy(
  tags: Record<string, string> | undefined,
  cluster: string,
  nodes: readonly string[],
): boolean {
  const owner = ownerFromTags(tags);
  return owner !== undefined && owner.cluster === cluster && nodes.includes(owner.node);
}
