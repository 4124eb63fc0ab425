/**
 * Storage queue adapter over `@azure/storage-queue`: the Functions' sender (follow-up status checks) and the
 * watcher's sender when it uses workload identity. Builds a `QueueClient` from a connection string, a SAS
 * queue URL, or a queue service URI plus an Azure credential (managed/workload identity), and sends v1
 * messages base64-encoded as the host expects. Errors go through the queue error table (`errors.ts`).
 */
import type { TokenCredential } from "@azure/core-auth";
import { QueueClient, QueueServiceClient, RestError } from "@azure/storage-queue";
import { queueErrorFromResponse, queueNetworkError, visibilitySeconds } from "./errors.js";
import { encodePodMessage, type PodMessageSender } from "./message.js";

export interface QueueTarget {
  queueName: string;
  /** Connection string (account key or SAS), e.g. Azurite's. */
  connectionString?: string;
  /** Full queue URL carrying a SAS token (`https://acct.queue.core.windows.net/pod-events?sv=…&sig=…`). */
  queueSasUrl?: string;
  /** Queue service URI for identity-based access (`https://acct.queue.core.windows.net`). */
  queueServiceUri?: string;
  credential?: TokenCredential;
}

export function createQueueClient(target: QueueTarget): QueueClient {
  if (target.connectionString) {
    return QueueServiceClient.fromConnectionString(target.connectionString).getQueueClient(target.queueName);
  }
  if (target.queueSasUrl) return new QueueClient(target.queueSasUrl);
  if (target.queueServiceUri && target.credential) {
    const base = target.queueServiceUri.replace(/\/+$/, "");
    return new QueueClient(`${base}/${target.queueName}`, target.credential);
  }
  throw new Error("queue target needs a connection string, a SAS URL, or a service URI with a credential");
}

export function queueSender(queue: QueueClient): PodMessageSender {
  return {
    async send(message, delaySeconds = 0) {
      const visibilityTimeout = visibilitySeconds(delaySeconds);
      try {
        await queue.sendMessage(
          encodePodMessage(message),
          visibilityTimeout ? { visibilityTimeout } : {},
        );
      } catch (error) {
        throw mapQueueError(error);
      }
    },
  };
}

/** Maps what the Storage SDK threw through the queue error table (`errors.ts`). */
export function mapQueueError(error: unknown): Error {
  if (error instanceof RestError) {
    const code = error.code ?? error.response?.headers.get("x-ms-error-code");
    return queueErrorFromResponse(
      {
        status: error.statusCode ?? 0,
        code,
        retryAfter: error.response?.headers.get("retry-after"),
      },
      error,
    );
  }
  return queueNetworkError(error);
}
