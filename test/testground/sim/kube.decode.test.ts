/**
 * The Kubernetes API fake decodes like the real API server: malformed MicroTime/Time strings, bad quantities,
 * and (under fieldValidation=Strict) duplicate and unknown fields are refused with the real server's wording.
 * The Lease case is the one a real 1.36 control plane showed (a JavaScript Date through client-node).
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- raw JSON bodies */
import { ApiException, CoordinationV1Api, type KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KubeFake, startKubeFake } from "../../../testground/sim/kube";
import { duplicateFields, goTimeParseError } from "../../../testground/sim/kube/decode";

let fake: KubeFake;
let kc: KubeConfig;

beforeAll(async () => {
  fake = await startKubeFake();
  kc = fake.kubeConfig();
});
afterAll(async () => {
  await fake.close();
});

async function raw(method: string, path: string, body: string, contentType = "application/json") {
  const res = await fetch(`${fake.url}${path}`, {
    method,
    headers: { authorization: "Bearer kube-fake-token-test", "content-type": contentType },
    body,
  });
  const text = await res.text();
  return { status: res.status, warning: res.headers.get("warning"), body: JSON.parse(text) };
}

describe("Go time layouts", () => {
  it.each([
    // the exact answer of a real API server to a JavaScript Date in a Lease
    [
      "2026-12-01T19:12:48.863Z",
      true,
      'parsing time "2026-12-01T19:12:48.863Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse ".863Z" as ".000000"',
    ],
    ["2026-12-01T19:12:48.863000Z", true, undefined],
    ["2026-12-01T19:12:48.863000+01:00", true, undefined],
    [
      "2026-12-01T19:12:48Z",
      true,
      'parsing time "2026-12-01T19:12:48Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "Z" as ".000000"',
    ],
    [
      "2026-12-01T19:12:48.8630001Z",
      true,
      'parsing time "2026-12-01T19:12:48.8630001Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "1Z" as "Z07:00"',
    ],
    ["2026-13-01T19:12:48.000000Z", true, 'parsing time "2026-13-01T19:12:48.000000Z": month out of range'],
    // metav1.Time: RFC 3339, a fraction of any length is accepted
    ["2026-12-01T19:12:48.863Z", false, undefined],
    ["2026-12-01T19:12:48Z", false, undefined],
    [
      "2026-12-01 19:12:48Z",
      false,
      'parsing time "2026-12-01 19:12:48Z" as "2006-01-02T15:04:05Z07:00": cannot parse " 19:12:48Z" as "T"',
    ],
    [
      "2026-12-01T19:12:48",
      false,
      'parsing time "2026-12-01T19:12:48" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "Z07:00"',
    ],
  ])("%s (micro %s)", (value, micro, error) => {
    expect(goTimeParseError(value, micro)).toBe(error);
  });
});

describe("decoding through the HTTP API", () => {
  it("refuses a Lease whose renewTime has milliseconds, as a real API server does", async () => {
    const api = kc.makeApiClient(CoordinationV1Api);
    const err = await api
      .createNamespacedLease({
        namespace: "kube-node-lease",
        body: {
          metadata: { name: "ms-lease" },
          spec: { holderIdentity: "x", leaseDurationSeconds: 40, renewTime: new Date() as any },
        },
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(ApiException);
    const status = JSON.parse(String((err as ApiException<string>).body));
    expect((err as ApiException<string>).code).toBe(400);
    expect(status.reason).toBe("BadRequest");
    expect(status.message).toMatch(
      /^Lease in version "v1" cannot be handled as a Lease: parsing time "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "\.\d{3}Z" as "\.000000"$/,
    );
  });

  it("stores a Lease with microseconds and returns it unchanged", async () => {
    const body = {
      metadata: { name: "micro-lease" },
      spec: { holderIdentity: "x", leaseDurationSeconds: 40, renewTime: "2026-12-01T19:12:48.863000Z" },
    };
    const res = await raw(
      "POST",
      "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases",
      JSON.stringify(body),
    );
    expect(res.status).toBe(201);
    expect(res.body.spec.renewTime).toBe("2026-12-01T19:12:48.863000Z");
  });

  it("refuses a malformed time in a patch result too", async () => {
    const res = await raw(
      "PATCH",
      "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/micro-lease",
      JSON.stringify({ spec: { acquireTime: "2026-12-01T19:12:48.1Z" } }),
      "application/merge-patch+json",
    );
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('cannot parse ".1Z" as ".000000"');
  });

  it("refuses an unparseable quantity", async () => {
    const res = await raw(
      "POST",
      "/api/v1/namespaces/default/pods",
      JSON.stringify({
        metadata: { name: "q" },
        spec: { containers: [{ name: "c", image: "nginx", resources: { limits: { cpu: "one" } } }] },
      }),
    );
    expect(res.status).toBe(400);
    expect(res.body.message).toBe(
      `Pod in version "v1" cannot be handled as a Pod: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
    );
  });

  it("under fieldValidation=Strict refuses duplicate and unknown fields; under the default it warns", async () => {
    const body =
      '{"metadata":{"name":"strict-lease","labels":{"a":"1"}},"spec":{"holderIdentity":"x","holderIdentity":"y","renewSeconds":3}}';
    const strict = await raw(
      "POST",
      "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases?fieldValidation=Strict",
      body,
    );
    expect(strict.status).toBe(400);
    expect(strict.body.message).toBe(
      'strict decoding error: duplicate field "spec.holderIdentity", unknown field "spec.renewSeconds"',
    );
    const warn = await raw("POST", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", body);
    expect(warn.status).toBe(201);
    expect(warn.warning).toBe(
      '299 - "duplicate field \\"spec.holderIdentity\\"", 299 - "unknown field \\"spec.renewSeconds\\""',
    );
    const bad = await raw(
      "POST",
      "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases?fieldValidation=Loose",
      body,
    );
    expect(bad.status).toBe(400);
  });
});

describe("duplicate field scan", () => {
  it.each([
    ['{"a":1,"b":{"a":2}}', []],
    ['{"a":1,"a":2}', ["a"]],
    ['{"l":[{"x":1},{"x":2}],"m":{"k":"v","k":"w"}}', ["m.k"]],
    ['{"s":"a,\\"b\\":1","b":2}', []],
    ['{"arr":[1,2,{"z":1,"z":2}]}', ["arr.z"]],
  ])("%s", (body, expected) => {
    expect(duplicateFields(body)).toEqual(expected);
  });
});

describe("object metadata validation", () => {
  it.each([
    [{ app: "web" }, undefined],
    [{ "kubernetes.io/hostname": "aci-bridge" }, undefined],
    [{ "-bad": "x" }, 'metadata.labels: Invalid value: "-bad"'],
    [{ app: "has space" }, 'metadata.labels: Invalid value: "has space"'],
    [{ app: "x".repeat(64) }, "must be no more than 63 characters"],
    [{ "Example.com/a": "1" }, "prefix part a lowercase RFC 1123 subdomain"],
  ])("labels %j", async (labels, problem) => {
    const res = await raw(
      "POST",
      "/api/v1/namespaces/default/configmaps",
      JSON.stringify({ metadata: { generateName: "labels-", labels } }),
    );
    if (problem === undefined) expect(res.status).toBe(201);
    else {
      expect(res.status).toBe(422);
      expect(res.body.reason).toBe("Invalid");
      expect(res.body.message).toContain(problem);
    }
  });
});
