/**
 * Builds the `@azure/arm-containerinstance` client the ARM adapter uses. In Azure it authenticates with the
 * caller's `TokenCredential`; against the local ACI simulator (`insecure: true`) it talks plain HTTP and sends
 * a fake bearer token, because the SDK's bearer-token policy refuses non-TLS URLs (docs/architecture.md#platform-facts).
 */
import type { AccessToken, TokenCredential } from "@azure/core-auth";
import { ContainerInstanceManagementClient } from "@azure/arm-containerinstance";
import {
  bearerTokenAuthenticationPolicyName,
  type PipelinePolicy,
  type PipelineRequest,
  type SendRequest,
} from "@azure/core-rest-pipeline";

/** Name of the policy that stands in for the bearer-token policy against the simulator. */
export const fakeAuthorizationPolicyName = "aciBridgeFakeAuthorizationPolicy";

export interface ArmRetryOptions {
  /** How many times a failed request is retried (SDK default 3). */
  maxRetries?: number;
  /** First exponential backoff delay in ms (SDK default 1000). */
  retryDelayInMs?: number;
  /** Cap of the exponential backoff in ms (SDK default 64000). */
  maxRetryDelayInMs?: number;
}

export interface ContainerInstanceClientOptions {
  subscriptionId: string;
  /** ARM endpoint; default `https://management.azure.com`. The simulator's is `http://127.0.0.1:<port>`. */
  endpoint?: string;
  /** Local simulator only: plain HTTP and a fake `authorization` header instead of a real token. */
  insecure?: boolean;
  /** Required unless `insecure`. Choosing `DefaultAzureCredential` or a managed identity is the caller's job. */
  credential?: TokenCredential;
  retryOptions?: ArmRetryOptions;
}

/** Never asked for a token: the bearer policy that would call it is removed in insecure mode. */
const unusedCredential: TokenCredential = {
  getToken: async (): Promise<AccessToken | null> => null,
};

function fakeAuthorizationPolicy(): PipelinePolicy {
  return {
    name: fakeAuthorizationPolicyName,
    sendRequest(request: PipelineRequest, next: SendRequest) {
      request.headers.set("authorization", "Bearer fake");
      return next(request);
    },
  };
}

/**
 * Returns a client for one subscription. Throws when neither a credential nor `insecure` is given, so a
 * misconfigured deployment fails at start-up instead of sending unauthenticated requests.
 */
export function createContainerInstanceClient(
  opts: ContainerInstanceClientOptions,
): ContainerInstanceManagementClient {
  if (!opts.insecure && !opts.credential) {
    throw new Error(
      "createContainerInstanceClient: a credential is required unless insecure (simulator) mode",
    );
  }
  const client = new ContainerInstanceManagementClient(
    opts.credential ?? unusedCredential,
    opts.subscriptionId,
    {
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      ...(opts.retryOptions ? { retryOptions: opts.retryOptions } : {}),
      ...(opts.insecure ? { allowInsecureConnection: true } : {}),
    },
  );
  if (opts.insecure) {
    client.pipeline.removePolicy({ name: bearerTokenAuthenticationPolicyName });
    client.pipeline.addPolicy(fakeAuthorizationPolicy(), { phase: "Sign" });
  }
  retryReadsOnly(client);
  return client;
}

/** The SDK's retry policy (core-rest-pipeline's `defaultRetryPolicy`; the name is not exported). */
const defaultRetryPolicyName = "defaultRetryPolicy";

/** Name of the policy that keeps the SDK's retries for reads only. */
export const readRetryPolicyName = "aciBridgeReadRetryPolicy";

/**
 * The SDK retries any request after a network error or a 5xx, a PUT included. A PUT whose response was lost
 * after ARM applied it is then sent again (two creates for one pod; on ACI the second one meets the group
 * mid-operation). Writes are the bridge's decision: a failed write is re-planned from a fresh read of the
 * group (docs/adr/0005-transient-errors-re-enqueue.md), so only GETs keep the SDK's retries.
 */
function retryReadsOnly(client: ContainerInstanceManagementClient): void {
  const retry = client.pipeline.getOrderedPolicies().find((p) => p.name === defaultRetryPolicyName);
  if (!retry) return;
  client.pipeline.removePolicy({ name: defaultRetryPolicyName });
  client.pipeline.addPolicy(
    {
      name: readRetryPolicyName,
      sendRequest: (request, next) =>
        request.method === "GET" ? retry.sendRequest(request, next) : next(request),
    },
    { phase: "Retry" },
  );
}
