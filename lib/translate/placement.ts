/**
 * Where and how the group runs, from annotations: SKU (Standard, Confidential) and confidential computing
 * policy, priority (Regular, Spot), user-assigned managed identities, availability zone.
 */
import type { ContainerGroup, ContainerGroupIdentity } from "@azure/arm-containerinstance";
import { InvalidPodSpecError } from "../errors.js";
import {
  ANN_CCE_POLICY,
  ANN_CCE_POLICY_VN2,
  ANN_CCE_POLICY_VK,
  ANN_GPU_TYPE_VK,
  ANN_MANAGED_IDENTITY,
  ANN_MANAGED_IDENTITY_VN2,
  ANN_PRIORITY,
  ANN_SKU,
  ANN_SKU_VK,
  ANN_ZONE,
  annotationField,
  readAnnotation,
} from "./annotations.js";
import type { TranslateContext } from "./context.js";

const USER_ASSIGNED_IDENTITY =
  /^\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/microsoft\.managedidentity\/userassignedidentities\/[^/]+$/i;

export function applyPlacement(ctx: TranslateContext, cg: ContainerGroup): void {
  const { pod } = ctx;
  const gpu = readAnnotation(pod, ANN_GPU_TYPE_VK);
  if (gpu) {
    throw new InvalidPodSpecError(
      annotationField(gpu.key),
      "ACI GPU SKUs were retired; GPUs are not available",
    );
  }
  const sku = readAnnotation(pod, ANN_SKU, ANN_SKU_VK);
  const policy = readAnnotation(pod, ANN_CCE_POLICY, ANN_CCE_POLICY_VN2, ANN_CCE_POLICY_VK);
  if (sku) {
    const match = ["Standard", "Confidential"].find((s) => s.toLowerCase() === sku.value.toLowerCase());
    if (!match)
      throw new InvalidPodSpecError(
        annotationField(sku.key),
        `"${sku.value}" is not a SKU the bridge supports (Standard, Confidential)`,
        "InvalidPodSpec",
      );
    if (match === "Standard" && policy) {
      throw new InvalidPodSpecError(
        annotationField(policy.key),
        "a confidential computing policy needs the Confidential SKU",
        "InvalidPodSpec",
      );
    }
    cg.sku = match;
  }
  if (policy) {
    cg.sku = "Confidential";
    if (policy.value) cg.confidentialComputeProperties = { ccePolicy: policy.value };
  }
  const priority = readAnnotation(pod, ANN_PRIORITY);
  if (priority) {
    const match = ["Regular", "Spot"].find((s) => s.toLowerCase() === priority.value.toLowerCase());
    if (!match)
      throw new InvalidPodSpecError(
        annotationField(priority.key),
        `"${priority.value}" is not an ACI priority (Regular, Spot)`,
        "InvalidPodSpec",
      );
    cg.priority = match;
  }
  const identity = readAnnotation(pod, ANN_MANAGED_IDENTITY, ANN_MANAGED_IDENTITY_VN2);
  if (identity) {
    const ids = identity.value
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = ids.find((id) => !USER_ASSIGNED_IDENTITY.test(id));
    if (ids.length === 0 || bad !== undefined) {
      throw new InvalidPodSpecError(
        annotationField(identity.key),
        `"${bad ?? ""}" is not a user-assigned identity resource id (/subscriptions/…/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>)`,
        "InvalidPodSpec",
      );
    }
    const userAssignedIdentities: NonNullable<ContainerGroupIdentity["userAssignedIdentities"]> = {};
    for (const id of ids) userAssignedIdentities[id] = {};
    cg.identity = { type: "UserAssigned", userAssignedIdentities };
  }
  const zone = readAnnotation(pod, ANN_ZONE);
  if (zone?.value) cg.zones = [zone.value];
}
