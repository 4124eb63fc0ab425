/**
 * Storage queue adapter shared by the watcher (sender) and the Functions (follow-up status checks).
 * Builds a `QueueClient` from a connection string, a SAS queue URL, or a queue service URI plus an Azure
 * credential (managed/workload identity), and sends v1 messages base64-encoded as the host expects.
 */
import type { TokenCredential } from "@azure/core-auth";
import { QueueClient, QueueServiceClient, RestError } from "@azure/storage-queue";
import { ThrottledError, TransientError, UnauthorizedError, ensureError } from "../errors.js";
import { encodePodEventMessage, type PodEventMessage } from "./message.js";

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

/** The small interface the reconcilers and the watcher use (faked in unit tests). */
export interface PodEventSender {
  /** Sends `message`, invisible for `delaySeconds` (0 = now). */
  send(message: PodEventMessage, delaySeconds?: number): Promise<void>;
}

/** Storage caps visibility timeouts at 7 days. */
const MAX_VISIBILITY_SECONDS = 7 * 24 * 3600;

export function queueSender(queue: QueueClient): PodEventSender {
  return {
    async send(message, delaySeconds = 0) {
      const visibilityTimeout = Math.min(Math.max(0, Math.ceil(delaySeconds)), MAX_VISIBILITY_SECONDS);
      try {
        await queue.sendMessage(
          encodePodEventMessage(message),
          visibilityTimeout ? { visibilityTimeout } : {},
        );
      } catch (error) {
        throw mapQueueError(error);
      }
    },
  };
}

export function mapQueueError(error: unknown): Error {
  if (error instanceof RestError) {
    const status = error.statusCode ?? 0;
    if (status === 401 || status === 403) {
      return new UnauthorizedError(`queue: ${status} ${error.code ?? ""}`.trim(), status, { cause: error });
    }
    if (status === 429 || status === 503) {
      return new ThrottledError(`queue: ${status} ${error.code ?? ""}`.trim(), undefined, { cause: error });
    }
    return new TransientError(`queue: ${status || error.code || error.message}`, status || undefined, {
      cause: error,
    });
  }
  const e = ensureError(error);
  return new TransientError(`queue: ${e.message}`, undefined, { cause: e });
}
