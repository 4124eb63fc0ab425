/**
 * The one ARM/ACI error table: an ARM answer (HTTP status, the `error.code` of its body, `Retry-After`)
 * becomes one of the project's error types. The ARM adapter (`containerGroups.ts`) maps every `RestError`
 * through it; nothing else in the project looks at ARM statuses or codes.
 *
 * The codes are classified explicitly (docs/aci-simulator.md, "Errors"): only codes that describe the pod's
 * spec are terminal (`InvalidPodSpecError`, the pod becomes `Failed`). Codes that describe the moment (a group
 * mid-operation, capacity, a registry hiccup) or the deployment (a missing subnet) are retried with a delay.
 * Unknown codes are decided by status: an unknown 400/422 on a create is terminal (ARM uses 400 for "this
 * request will never be accepted", and retrying it would spend the write budget forever on a pod the user
 * must fix); an unknown 409 or any unknown code on another operation is transient (retried with backoff, and
 * logged with its code so the table can learn it).
 */
import { isRestError, type RestError } from "@azure/core-rest-pipeline";
import {
  InvalidPodSpecError,
  NotFoundError,
  RetryLaterError,
  ThrottledError,
  TransientError,
  UnauthorizedError,
  ensureError,
} from "../errors.js";

/** Header where the Retry-After cap policy keeps a Retry-After it took away from the SDK's retry policy. */
export const DEFERRED_RETRY_AFTER = "x-aci-bridge-retry-after-ms";
/** How long a create waits after ACI's region quota (groups, cores) was reached. */
export const QUOTA_RETRY_MS = 60_000;
/** How long a write waits when ACI says the group is mid-operation ("retry later"; ACI suggests ≥ 10 s). */
export const TRANSITIONING_RETRY_MS = 15_000;
/** How long a create waits after a capacity or registry problem on ACI's side. */
export const CAPACITY_RETRY_MS = 60_000;
/** How long a create waits for a deployment problem an operator must fix (subnet, network profile). */
export const ENVIRONMENT_RETRY_MS = 5 * 60_000;

/** What the bridge does with an ARM error code. */
export type ArmDisposition =
  /** Terminal: the pod's spec (as translated) can never be accepted. */
  | "invalidSpec"
  /** Region quota (groups, cores): frees up when other groups go away; closes the create gate. */
  | "quota"
  /** The group is mid-operation: retry the same write later. */
  | "retryLater"
  /** ACI-side capacity or registry trouble: retry later. */
  | "capacity"
  /** The deployment's environment (subnet…) is wrong: retry slowly while an operator fixes it. */
  | "environment"
  | "throttled"
  | "transient";

/** ARM/ACI error codes the bridge knows, and what each means for the pod. */
export const ARM_ERROR_CODES: Readonly<Record<string, ArmDisposition>> = {
  // The pod's spec, as translated, is not acceptable to ACI.
  InvalidContainerGroupName: "invalidSpec",
  InvalidContainerName: "invalidSpec",
  InaccessibleImage: "invalidSpec",
  InvalidImageName: "invalidSpec",
  MissingRequiredProperty: "invalidSpec",
  InvalidRequestContent: "invalidSpec",
  InvalidRequestFormat: "invalidSpec",
  InvalidOsType: "invalidSpec",
  ResourceRequestsNotSupported: "invalidSpec",
  ResourceRequestsNotSpecified: "invalidSpec",
  ResourceLimitsLessThanRequests: "invalidSpec",
  ContainerLimitGreaterThanContainerGroupTotalRequest: "invalidSpec",
  ContainerGroupExceededMaxContainerCount: "invalidSpec",
  DuplicateContainerPorts: "invalidSpec",
  InvalidVolumeMount: "invalidSpec",
  UnsupportedFeature: "invalidSpec",
  // Region quotas (container groups, `StandardCores`): wait for groups to go away.
  ContainerGroupQuotaReached: "quota",
  QuotaExceeded: "quota",
  // The group is mid-operation (create, update, delete, stop/start): ACI says "retry later".
  ContainerGroupTransitioning: "retryLater",
  Conflict: "retryLater",
  AnotherOperationInProgress: "retryLater",
  OperationNotAllowed: "retryLater",
  // ACI-side capacity or the image registry: may work later, nothing the pod can change.
  ServiceUnavailable: "capacity",
  RegistryErrorResponse: "capacity",
  // The deployment's network settings: an operator fixes them, pods wait.
  SubnetNotFound: "environment",
  NetworkProfileNotFound: "environment",
  // ARM's own throttling.
  TooManyRequests: "throttled",
  SubscriptionRequestsThrottled: "throttled",
  RequestThrottled: "throttled",
};

/** One ARM answer, as the table reads it. */
export interface ArmFailure {
  status: number;
  code: string;
  message: string;
  retryAfterMs?: number;
}

/**
 * Maps one ARM answer for operation `what` (`create <name>`, `delete <name>`, `get <name>`, `list`). Only a
 * create can fail a pod: the same 400 on a delete or a read is our bug or ARM's, never the pod's spec.
 */
export function armErrorFromResponse(failure: ArmFailure, what: string, cause?: unknown): Error {
  const { status, code } = failure;
  const text = `ARM ${what}: ${status || ""} ${code}`.trim();
  const options = { cause };
  if (status === 404) return new NotFoundError(text, options);
  if (status === 401 || status === 403) return new UnauthorizedError(text, status, options);
  const write = /^(create|delete)\b/.test(what);
  const create = /^create\b/.test(what);
  // 5xx: the SDK already retried; whatever the code says, the same call may work later.
  const known = status >= 500 ? "transient" : ARM_ERROR_CODES[code];
  const disposition: ArmDisposition =
    known ??
    (status === 429
      ? "throttled"
      : /QuotaReached|QuotaExceeded/i.test(code)
        ? "quota"
        : create && (status === 400 || status === 422)
          ? "invalidSpec"
          : "transient");
  switch (disposition) {
    case "throttled":
      return new ThrottledError(text, failure.retryAfterMs, { ...options, write });
    case "quota":
      // Groups/cores per region: frees up when other groups go away. Wait, don't fail the pod.
      return new ThrottledError(text, failure.retryAfterMs ?? QUOTA_RETRY_MS, { ...options, write: true });
    case "retryLater":
      return new RetryLaterError(text, code, failure.retryAfterMs ?? TRANSITIONING_RETRY_MS, options);
    case "capacity":
      return new RetryLaterError(text, code, failure.retryAfterMs ?? CAPACITY_RETRY_MS, options);
    case "environment":
      return new RetryLaterError(text, code, failure.retryAfterMs ?? ENVIRONMENT_RETRY_MS, options);
    case "invalidSpec":
      if (create) {
        // The ARM message names the problem; ACI does not echo secure values, and callers still scrub
        // known secret values.
        return new InvalidPodSpecError(
          "spec",
          `ACI rejected the container group: ${code}: ${failure.message.slice(0, 500)}`,
          "InvalidPodSpec",
        );
      }
      return new TransientError(text, status || undefined, options);
    case "transient":
      return new TransientError(text, status || undefined, options);
  }
}

/** Maps anything an `@azure/arm-containerinstance` call threw (a `RestError`, a network error, …). */
export function mapArmError(error: unknown, what: string): Error {
  if (isRestError(error)) {
    return armErrorFromResponse(
      {
        status: error.statusCode ?? 0,
        code: error.code ?? "",
        message: armMessage(error),
        ...optional("retryAfterMs", retryAfterMs(error)),
      },
      what,
      error,
    );
  }
  const e = ensureError(error);
  return new TransientError(`ARM ${what}: ${e.message}`, undefined, { cause: e });
}

const optional = <K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> =>
  value === undefined ? {} : ({ [key]: value } as Record<K, V>);

function retryAfterMs(error: RestError): number | undefined {
  const headers = error.response?.headers;
  const deferred = Number(headers?.get(DEFERRED_RETRY_AFTER));
  if (Number.isFinite(deferred) && deferred > 0) return deferred;
  const raw = headers?.get("retry-after");
  if (raw === undefined) return undefined;
  const seconds = Number(raw);
  return Number.isFinite(seconds) ? seconds * 1000 : undefined;
}

/** The `error.message` of an ARM error body, else the SDK's message. */
function armMessage(error: RestError): string {
  try {
    const body = JSON.parse(error.response?.bodyAsText ?? "") as { error?: { message?: string } };
    if (typeof body.error?.message === "string") return body.error.message;
  } catch {
    // keep the SDK's message
  }
  return error.message;
}
