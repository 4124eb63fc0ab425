import { describe, expect, it } from "vitest";
import { InvalidMessageError } from "../../lib/errors.js";
import { encodePodMessage, parsePodMessage } from "../../lib/queue/message.js";

const valid = {
  v: 1,
  ns: "default",
  name: "aci-helloworld-674f5554bd-57z7g",
  uid: "3f0c1a2b-0000-4000-8000-000000000001",
  reason: "added",
  at: "2026-11-25T12:00:00.000Z",
};

describe("parsePodMessage", () => {
  it.each([
    ["an object (the library parsed the JSON)", valid],
    ["a JSON string", JSON.stringify(valid)],
    ["a Buffer", Buffer.from(JSON.stringify(valid))],
  ])("accepts %s", (_label, body) => {
    expect(parsePodMessage(body)).toEqual(valid);
  });

  it("keeps a re-send's attempt and hop", () => {
    expect(parsePodMessage({ ...valid, attempt: 2, hop: 5 })).toEqual({ ...valid, attempt: 2, hop: 5 });
  });

  it("keeps only the v1 fields", () => {
    expect(parsePodMessage({ ...valid, extra: "x" })).toEqual(valid);
  });

  it("accepts a message without uid and at", () => {
    expect(parsePodMessage({ v: 1, ns: "a", name: "b", reason: "resync" })).toEqual({
      v: 1,
      ns: "a",
      name: "b",
      reason: "resync",
    });
  });

  it.each([
    ["not JSON", "hello", /not JSON/],
    ["a JSON array", "[1,2]", /not a JSON object/],
    ["null", null, /not a JSON object/],
    ["a number", 42, /not a JSON object/],
    ["version 2", { ...valid, v: 2 }, /unsupported message version 2/],
    ["missing version", { ...valid, v: undefined }, /version \(missing\)/],
    ["path traversal in ns", { ...valid, ns: "../kube-system" }, /field ns/],
    ["url-encoded slash in name", { ...valid, name: "a%2Fb" }, /field name/],
    ["uppercase name", { ...valid, name: "Web" }, /field name/],
    ["unicode name", { ...valid, name: "wéb" }, /field name/],
    ["name too long", { ...valid, name: "a".repeat(254) }, /field name/],
    ["namespace too long", { ...valid, ns: "a".repeat(64) }, /field ns/],
    ["uid with quotes", { ...valid, uid: "'; drop" }, /field uid/],
    ["unknown reason", { ...valid, reason: "create" }, /field reason/],
    ["bad time", { ...valid, at: "yesterday" }, /field at/],
    ["hop 0", { ...valid, hop: 0 }, /field hop/],
    ["fractional hop", { ...valid, hop: 1.5 }, /field hop/],
    ["hop as text", { ...valid, hop: "2" }, /field hop/],
    ["huge body", JSON.stringify({ ...valid, pad: "x".repeat(10_000) }), /bytes/],
  ])("rejects %s", (_label, body, pattern) => {
    expect(() => parsePodMessage(body)).toThrow(InvalidMessageError);
    expect(() => parsePodMessage(body)).toThrow(pattern);
  });

  it("round-trips through the base64 encoding the host expects", () => {
    const encoded = encodePodMessage(valid as never);
    expect(parsePodMessage(Buffer.from(encoded, "base64").toString("utf8"))).toEqual(valid);
  });
});
