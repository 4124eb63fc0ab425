/**
 * ARM adapter for the container groups of one resource group: implements the reconcilers'
 * `ContainerGroupApi` over @azure/arm-containerinstance, maps `RestError`s to the project's error types,
 * and never waits on a long-running operation inside an invocation (FACTS: creates can take minutes).
 */
import type { ContainerGroup, ContainerInstanceManagementClient } from "@azure/arm-containerinstance";
import { isRestError, type Pipeline, type PipelinePolicy, type RestError } from "@azure/core-rest-pipeline";
import {
  InvalidPodSpecError,
  NotFoundError,
  ThrottledError,
  TransientError,
  UnauthorizedError,
  ensureError,
} from "../errors.js";
import type { ContainerGroupApi } from "../reconcile/ports.js";

/** Header where the cap policy keeps a Retry-After it took away from the SDK's retry policy. */
const DEFERRED_RETRY_AFTER = "x-aci-bridge-retry-after-ms";
export const retryAfterCapPolicyName = "aciBridgeRetryAfterCap";
/** How long a create waits after ACI's region quota (groups, cores) was reached. */
export const QUOTA_RETRY_MS = 60_000;

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

export function mapArmError(error: unknown, what: string): Error {
  if (isRestError(error)) {
    const status = error.statusCode ?? 0;
    const code = error.code ?? "";
    const text = `ARM ${what}: ${status || ""} ${code}`.trim();
    if (status === 404) return new NotFoundError(text, { cause: error });
    if (status === 401 || status === 403) return new UnauthorizedError(text, status, { cause: error });
    const write = /^(create|delete)\b/.test(what);
    if (status === 429) return new ThrottledError(text, retryAfterMs(error), { cause: error, write });
    if (/QuotaReached|QuotaExceeded/i.test(code)) {
      // Groups/cores per region: frees up when other groups go away. Wait, don't fail the pod.
      return new ThrottledError(text, retryAfterMs(error) ?? QUOTA_RETRY_MS, { cause: error, write: true });
    }
    if (status === 400 || status === 409 || status === 422) {
      // ARM rejected the body: the pod cannot run as translated. The ARM message names the problem; it never
      // contains secure values (ACI does not echo them), but callers still scrub known secret values.
      return new InvalidPodSpecError(
        "spec",
        `ACI rejected the container group: ${code}: ${armMessage(error)}`,
        "InvalidPodSpec",
      );
    }
    return new TransientError(text, status || undefined, { cause: error });
  }
  const e = ensureError(error);
  return new TransientError(`ARM ${what}: ${e.message}`, undefined, { cause: e });
}

function retryAfterMs(error: RestError): number | undefined {
  const headers = error.response?.headers;
  const deferred = Number(headers?.get(DEFERRED_RETRY_AFTER));
  if (Number.isFinite(deferred) && deferred > 0) return deferred;
  const seconds = Number(headers?.get("retry-after"));
  return Number.isFinite(seconds) ? seconds * 1000 : undefined;
}

function armMessage(error: RestError): string {
  let text = error.message;
  try {
    const body = JSON.parse(error.response?.bodyAsText ?? "") as { error?: { message?: string } };
    text = body.error?.message ?? text;
  } catch {
    // keep the SDK's message
  }
  return text.slice(0, 500);
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
