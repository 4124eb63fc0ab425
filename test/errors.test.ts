/**
 * The three error tables (ARM, Kubernetes, Storage queue), each tested against real error bodies
 * (test/fixtures/errors/*.json name their sources) and through both adapters where a service has two
 * (Kubernetes: client-node and the watcher's HTTP client; queue: the SDK and the watcher's HTTP sender).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createHttpHeaders, createPipelineRequest, RestError } from "@azure/core-rest-pipeline";
import { ApiException } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { mapArmError, QUOTA_RETRY_MS, TRANSITIONING_RETRY_MS } from "../lib/aci/errors.js";
import {
  ConflictError,
  InvalidPodSpecError,
  NotFoundError,
  RetryLaterError,
  ThrottledError,
  TransientError,
  UnauthorizedError,
} from "../lib/errors.js";
import { mapKubeError } from "../lib/kube/api.js";
import { KubeHttpError, mapKubeHttpError } from "../lib/kube/errors.js";
import { queueErrorFromResponse, storageErrorCode } from "../lib/queue/errors.js";

interface ArmCase {
  source: string;
  status: number | null;
  body: { error: { code: string; message: string } };
}
interface KubeCase {
  recording: string;
  status: number;
  body: { reason: string; message: string };
}
const fixture = <T>(name: string): T[] =>
  (JSON.parse(readFileSync(join(__dirname, "fixtures", "errors", name), "utf8")) as { cases: T[] }).cases;
const armCases = fixture<ArmCase>("arm.json");
const kubeCases = fixture<KubeCase>("kube.json");

/** A RestError as @azure/core-rest-pipeline builds it from an ARM answer. */
function restError(status: number, body: unknown, headers: Record<string, string> = {}): RestError {
  const request = createPipelineRequest({ url: "https://management.azure.com/x", method: "PUT" });
  const text = JSON.stringify(body);
  const code = (body as { error?: { code?: string } }).error?.code;
  return new RestError(`ARM said ${status}`, {
    statusCode: status,
    ...(code ? { code } : {}),
    request,
    response: { status, headers: createHttpHeaders(headers), request, bodyAsText: text },
  });
}

const armBody = (code: string) => armCases.find((c) => c.body.error.code === code);
const bodyOf = (code: string) => {
  const c = armBody(code);
  if (!c) throw new Error(`no fixture for ${code}`);
  return c;
};

describe("ARM error table, real bodies", () => {
  it("a create answered 409 ContainerGroupTransitioning is retried later, never a failed pod", () => {
    const c = bodyOf("ContainerGroupTransitioning");
    for (const what of ["create default-web-0", "delete default-web-0"]) {
      const error = mapArmError(restError(c.status ?? 409, c.body), what);
      expect(error).not.toBeInstanceOf(InvalidPodSpecError);
      expect(error).toBeInstanceOf(RetryLaterError);
      expect((error as RetryLaterError).retryAfterMs).toBe(TRANSITIONING_RETRY_MS);
      expect((error as RetryLaterError).write).toBe(false);
      expect(error.message).toContain("ContainerGroupTransitioning");
    }
  });

  it("honours a Retry-After on a transitioning answer", () => {
    const c = bodyOf("ContainerGroupTransitioning");
    const error = mapArmError(restError(409, c.body, { "retry-after": "7" }), "create x");
    expect((error as RetryLaterError).retryAfterMs).toBe(7000);
  });

  it("the cores quota waits (closes the create gate) instead of failing the pod", () => {
    const c = bodyOf("ContainerGroupQuotaReached");
    const error = mapArmError(restError(c.status ?? 400, c.body), "create x");
    expect(error).toBeInstanceOf(ThrottledError);
    expect(error).not.toBeInstanceOf(InvalidPodSpecError);
    expect((error as ThrottledError).write).toBe(true);
    expect((error as ThrottledError).retryAfterMs).toBe(QUOTA_RETRY_MS);
  });

  it.each([
    "ResourceLimitsLessThanRequests",
    "ContainerLimitGreaterThanContainerGroupTotalRequest",
    "ResourceRequestsNotSpecified",
    "InvalidOsType",
  ])("%s fails the pod (InvalidPodSpec) with ACI's code and message", (code) => {
    const c = bodyOf(code);
    const error = mapArmError(restError(c.status ?? 400, c.body), "create x");
    expect(error).toBeInstanceOf(InvalidPodSpecError);
    expect((error as InvalidPodSpecError).reason).toBe("InvalidPodSpec");
    expect(error.message).toContain(`${code}: ${c.body.error.message.slice(0, 40)}`);
  });

  it("the same spec error on a delete or a read is not the pod's fault: transient", () => {
    const c = bodyOf("InvalidOsType");
    expect(mapArmError(restError(400, c.body), "delete x")).toBeInstanceOf(TransientError);
    expect(mapArmError(restError(400, c.body), "get x")).toBeInstanceOf(TransientError);
  });

  it("ARM throttling keeps its Retry-After; a throttled create is a write", () => {
    const c = bodyOf("SubscriptionRequestsThrottled");
    const read = mapArmError(restError(429, c.body, { "retry-after": "6" }), "get x");
    expect(read).toBeInstanceOf(ThrottledError);
    expect((read as ThrottledError).retryAfterMs).toBe(6000);
    expect((read as ThrottledError).write).toBe(false);
    expect((mapArmError(restError(429, c.body), "create x") as ThrottledError).write).toBe(true);
  });
});

describe("ARM error table, by code and status", () => {
  // Codes without a published body here: the table decides by code, so a minimal body is enough.
  const body = (code: string) => ({ error: { code, message: `${code} (test)` } });
  it.each([
    [409, "Conflict", RetryLaterError],
    [409, "AnotherOperationInProgress", RetryLaterError],
    [409, "ServiceUnavailable", RetryLaterError],
    [400, "RegistryErrorResponse", RetryLaterError],
    [400, "SubnetNotFound", RetryLaterError],
    [400, "InvalidContainerGroupName", InvalidPodSpecError],
    [400, "InaccessibleImage", InvalidPodSpecError],
    [400, "MissingRequiredProperty", InvalidPodSpecError],
    [400, "InvalidRequestContent", InvalidPodSpecError],
    [400, "ResourceRequestsNotSupported", InvalidPodSpecError],
    [429, "TooManyRequests", ThrottledError],
    [404, "ResourceNotFound", NotFoundError],
    [403, "AuthorizationFailed", UnauthorizedError],
    [401, "AuthenticationFailed", UnauthorizedError],
    [500, "InternalServerError", TransientError],
    [503, "ServiceUnavailable", TransientError],
    // Unknown codes: a 400/422 on a create is terminal, a 409 (state-dependent by definition) is retried.
    [400, "SomethingNewInvalid", InvalidPodSpecError],
    [422, "SomethingNewUnprocessable", InvalidPodSpecError],
    [409, "SomethingNewConflict", TransientError],
    [412, "PreconditionFailed", TransientError],
  ] as const)("create answered %i %s → %o", (status, code, type) => {
    const error = mapArmError(restError(status, body(code)), "create x");
    expect(error).toBeInstanceOf(type);
    if (type === TransientError) expect(error).not.toBeInstanceOf(ThrottledError);
  });

  it("a network error is transient", () => {
    expect(mapArmError(new Error("socket hang up"), "get x")).toBeInstanceOf(TransientError);
  });
});

describe("Kubernetes error table, recorded Status bodies, both adapters", () => {
  const expected: Record<number, unknown> = {
    404: NotFoundError,
    409: ConflictError,
    400: TransientError,
  };
  it.each(kubeCases.map((c) => [c.recording, c] as const))("%s", (_key, c) => {
    const text = JSON.stringify(c.body);
    // client-node 1.x: ApiException with the body as a string.
    const viaSdk = mapKubeError(new ApiException(c.status, "HTTP-Code", text, {}), "op");
    // The watcher's HTTP client.
    const viaHttp = mapKubeHttpError(new KubeHttpError(c.status, text, undefined, "op"), "op");
    expect(viaSdk).toBeInstanceOf(expected[c.status] as typeof Error);
    expect(viaHttp).toBeInstanceOf(expected[c.status] as typeof Error);
    expect(viaHttp.constructor).toBe(viaSdk.constructor);
    expect(viaHttp.message).toBe(viaSdk.message);
    expect(viaSdk.message).toBe(`kubernetes op: ${c.status} ${c.body.reason}`);
    // The server's message quotes object names and uids: never repeated.
    expect(viaSdk.message).not.toContain(c.body.message.slice(0, 20));
  });

  it("429 is throttled with Retry-After in both adapters (the watcher's mapper had no 429)", () => {
    const body = JSON.stringify({ kind: "Status", code: 429, reason: "TooManyRequests" });
    const viaHttp = mapKubeHttpError(new KubeHttpError(429, body, "3", "op"), "op");
    const viaSdk = mapKubeError(new ApiException(429, "", body, { "retry-after": "3" }), "op");
    for (const e of [viaHttp, viaSdk]) {
      expect(e).toBeInstanceOf(ThrottledError);
      expect((e as ThrottledError).retryAfterMs).toBe(3000);
    }
  });

  it("401/403 unauthorized, 410 and 5xx transient with their status", () => {
    for (const status of [401, 403]) {
      expect(mapKubeHttpError(new KubeHttpError(status, "", undefined, "op"), "op")).toBeInstanceOf(
        UnauthorizedError,
      );
    }
    for (const status of [410, 500, 503]) {
      const e = mapKubeHttpError(new KubeHttpError(status, "", undefined, "op"), "op");
      expect(e).toBeInstanceOf(TransientError);
      expect((e as TransientError).statusCode).toBe(status);
    }
  });
});

describe("Storage queue error table", () => {
  // Storage's XML error body (Queue service REST reference, "Status and error codes").
  const xml = (code: string) =>
    `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>text\nRequestId:1\nTime:2026-01-01T00:00:00Z</Message></Error>`;
  it.each([
    [503, "ServerBusy", ThrottledError],
    [429, "", ThrottledError],
    [403, "AuthorizationFailure", UnauthorizedError],
    [403, "AuthenticationFailed", UnauthorizedError],
    [404, "QueueNotFound", TransientError],
    [500, "OperationTimedOut", TransientError],
    [503, "ServiceUnavailable", TransientError],
  ] as const)("%i %s", (status, code, type) => {
    const error = queueErrorFromResponse({ status, code: storageErrorCode(xml(code)) || undefined });
    expect(error).toBeInstanceOf(type);
    if (type === TransientError) expect(error).not.toBeInstanceOf(ThrottledError);
    expect(error.message).toBe(`queue: ${status} ${code}`.trim());
  });
});
