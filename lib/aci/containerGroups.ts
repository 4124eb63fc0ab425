/**
 * ARM adapter for the container groups of one resource group: implements the reconcilers'
 * `ContainerGroupApi` over @azure/arm-containerinstance, maps `RestError`s through the ARM error table (`errors.ts`),
 * and never waits on a long-running operation inside an invocation (docs/architecture.md#platform-facts: creates can take minutes).
 */
import type { ContainerGroup, ContainerInstanceManagementClient } from "@azure/arm-containerinstance";
import { isRestError, type Pipeline, type PipelinePolicy } from "@azure/core-rest-pipeline";
import type { ContainerGroupApi } from "../reconcile/ports.js";
import { DEFERRED_RETRY_AFTER, mapArmError } from "./errors.js";

export const retryAfterCapPolicyName = "aciBridgeRetryAfterCap";

/**
 * The SDK honours Retry-After by sleeping inside the call — minutes for ACI's create quota. Waiting inside
 * a Function invocation wastes it and hides the signal, so longer waits are handed back to the bridge, which
 * re-enqueues the message with that delay. Short waits (≤ `maxInlineMs`) are left to the SDK.
 */
export function retryAfterCapPolicy(maxInlineMs: number): PipelinePolicy {
  return {
    name: retryAfterCapPolicyName,
    async sendRequest(request, next) {
      const response = await next(request);
      if (response.status !== 429 && response.status !== 503) return response;
      const raw = response.headers.get("retry-after");
      if (raw === undefined) return response;
      const seconds = Number(raw);
      const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(raw) - Date.now();
      // A throttled write (create quota, write bucket) is never waited out inline: the bridge closes its
      // create gate at once instead of holding an invocation while other creates keep hitting ARM.
      const limit = request.method === "GET" ? maxInlineMs : 0;
      if (Number.isFinite(ms) && ms > limit) {
        response.headers.delete("retry-after");
        response.headers.set(DEFERRED_RETRY_AFTER, String(Math.max(0, Math.round(ms))));
      }
      return response;
    },
  };
}

export function installRetryAfterCap(pipeline: Pipeline, maxInlineMs: number): void {
  pipeline.removePolicy({ name: retryAfterCapPolicyName });
  pipeline.addPolicy(retryAfterCapPolicy(maxInlineMs), { afterPhase: "Retry" });
}

export function createContainerGroupApi(
  client: ContainerInstanceManagementClient,
  resourceGroup: string,
): ContainerGroupApi {
  const groups = client.containerGroups;
  return {
    async get(name) {
      try {
        return await groups.get(resourceGroup, name);
      } catch (error) {
        if (isRestError(error) && error.statusCode === 404) return undefined;
        throw mapArmError(error, `get ${name}`);
      }
    },

    async beginCreate(name, group) {
      try {
        // `begin…` sends the PUT and returns the poller after the first response; the poller is dropped.
        await groups.beginCreateOrUpdate(resourceGroup, name, group);
      } catch (error) {
        throw mapArmError(error, `create ${name}`);
      }
    },

    async beginDelete(name) {
      let status = 0;
      try {
        await groups.beginDelete(resourceGroup, name, {
          onResponse: (raw) => {
            if (!status) status = raw.status;
          },
        });
      } catch (error) {
        if (isRestError(error) && error.statusCode === 404) return "gone";
        throw mapArmError(error, `delete ${name}`);
      }
      // 204: nothing was there. 200 (synchronous, like the recording) also means gone.
      return status === 204 || status === 200 ? "gone" : "deleting";
    },

    async list() {
      const all: ContainerGroup[] = [];
      try {
        for await (const group of groups.listByResourceGroup(resourceGroup)) all.push(group);
      } catch (error) {
        throw mapArmError(error, "list");
      }
      return all;
    },
  };
}
