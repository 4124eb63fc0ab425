/**
 * The ARM REST request body for a container group, exactly as `@azure/arm-containerinstance` sends it: the
 * SDK's own serializer runs against an in-memory HTTP client that captures the PUT body (no network).
 */
import { ContainerInstanceManagementClient, type ContainerGroup } from "@azure/arm-containerinstance";
import type { HttpClient, PipelineRequest, PipelineResponse } from "@azure/core-rest-pipeline";
import { createHttpHeaders } from "@azure/core-rest-pipeline";

const DRY_RUN_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";

export async function armRequestBody(name: string, cg: ContainerGroup): Promise<Record<string, unknown>> {
  let captured: string | undefined;
  const httpClient: HttpClient = {
    async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
      captured = typeof request.body === "string" ? request.body : undefined;
      const parsed = JSON.parse(captured ?? "{}") as { properties?: Record<string, unknown> };
      const answer = { ...parsed, properties: { ...parsed.properties, provisioningState: "Succeeded" } };
      return {
        status: 200,
        headers: createHttpHeaders({ "content-type": "application/json" }),
        request,
        bodyAsText: JSON.stringify(answer),
      };
    },
  };
  const credential = {
    getToken: async () => ({ token: "dry-run", expiresOnTimestamp: Date.now() + 3_600_000 }),
  };
  const client = new ContainerInstanceManagementClient(credential, DRY_RUN_SUBSCRIPTION, {
    httpClient,
    retryOptions: { maxRetries: 0 },
  });
  await client.containerGroups.beginCreateOrUpdate("dry-run", name, cg);
  if (captured === undefined) throw new Error("the SDK sent no request body");
  return JSON.parse(captured) as Record<string, unknown>;
}

const MASK = "***";

/** Replaces every secret-derived value in an ARM body with `***` (secureValue, passwords, keys, secret files). */
export function maskSecrets(body: Record<string, unknown>): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(body)) as {
    properties?: {
      containers?: { properties?: { environmentVariables?: { secureValue?: string }[] } }[];
      initContainers?: { properties?: { environmentVariables?: { secureValue?: string }[] } }[];
      imageRegistryCredentials?: { password?: string }[];
      volumes?: { secret?: Record<string, string>; azureFile?: { storageAccountKey?: string } }[];
    };
  };
  const p = copy.properties;
  for (const c of [...(p?.containers ?? []), ...(p?.initContainers ?? [])]) {
    for (const env of c.properties?.environmentVariables ?? [])
      if (env.secureValue !== undefined) env.secureValue = MASK;
  }
  for (const cred of p?.imageRegistryCredentials ?? []) if (cred.password !== undefined) cred.password = MASK;
  for (const v of p?.volumes ?? []) {
    if (v.secret) for (const k of Object.keys(v.secret)) v.secret[k] = MASK;
    if (v.azureFile?.storageAccountKey !== undefined) v.azureFile.storageAccountKey = MASK;
  }
  return copy;
}
