/**
 * Builds the watcher's queue sender from its settings: a connection string or a SAS queue URL (both from the
 * chart's Secret), or workload identity (`DefaultAzureCredential` + the queue service URI). The identity
 * needs only the "Storage Queue Data Message Sender" role; a SAS needs only the `a` (add) permission.
 * Only the identity path loads `@azure/storage-queue` (and `@azure/identity`), at its first send.
 */
import type { WatcherQueueAuth } from "../config.js";
import { connectionStringEndpoint, httpQueueSender, sasUrlEndpoint } from "./http.js";
import type { PodMessageSender } from "./message.js";

export function watcherQueueSender(queueName: string, auth: WatcherQueueAuth): PodMessageSender {
  switch (auth.kind) {
    // Secrets: a plain Put Message call (`http.ts`), without loading the Storage SDK.
    case "connectionString":
      return httpQueueSender(connectionStringEndpoint(auth.connectionString, queueName));
    case "sasUrl":
      return httpQueueSender(sasUrlEndpoint(auth.queueSasUrl));
    case "identity": {
      // `@azure/identity` is loaded at the first send, not at start: connection-string and SAS installs never
      // pay for it. With the workload identity webhook, AZURE_CLIENT_ID/AZURE_FEDERATED_TOKEN_FILE are set in
      // the pod and DefaultAzureCredential's WorkloadIdentityCredential picks them up; an explicit client id wins.
      let sender: Promise<PodMessageSender> | undefined;
      const load = async (): Promise<PodMessageSender> => {
        const { DefaultAzureCredential } = await import("@azure/identity");
        const { createQueueClient, queueSender } = await import("./client.js");
        const credential = new DefaultAzureCredential(
          auth.clientId
            ? { managedIdentityClientId: auth.clientId, workloadIdentityClientId: auth.clientId }
            : {},
        );
        return queueSender(
          createQueueClient({ queueName, queueServiceUri: auth.queueServiceUri, credential }),
        );
      };
      return {
        async send(message, delaySeconds) {
          sender ??= load().catch((error: unknown) => {
            sender = undefined;
            throw error;
          });
          return (await sender).send(message, delaySeconds);
        },
      };
    }
  }
}

/** Where the queue is, for logs (never the secret part). */
export function describeQueue(queueName: string, auth: WatcherQueueAuth): string {
  switch (auth.kind) {
    case "connectionString": {
      const endpoint = /QueueEndpoint=([^;]+)/i.exec(auth.connectionString)?.[1];
      const account = /AccountName=([^;]+)/i.exec(auth.connectionString)?.[1];
      return `${endpoint ?? account ?? "connection-string"} queue ${queueName}`;
    }
    case "sasUrl":
      return auth.queueSasUrl.split("?")[0] ?? "sas-url";
    case "identity":
      return `${auth.queueServiceUri} queue ${queueName} (identity)`;
  }
}
