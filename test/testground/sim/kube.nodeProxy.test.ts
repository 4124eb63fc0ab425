/**
 * The Kubernetes API fake's node proxy: the query → kubelet path mapping of kubernetes
 * pkg/registry/core/pod/strategy.go (`LogLocation`, `streamLocation`), container defaulting and its errors,
 * and the 501 without a kubelet-client credential. The proxying itself runs end to end in
 * test/kubelet/kubectl.test.ts.
 */
import { describe, expect, it } from "vitest";
import { kubeletLocation, pickContainer, refusal } from "../../../testground/sim/kube/nodeProxy.js";
import { startKubeFake } from "../../../testground/sim/kube/index.js";
import { KubeStatusError } from "../../../testground/sim/kube/errors.js";

const pod = (containers: string[], init: string[] = [], nodeName = "vn") => ({
  metadata: { name: "web", namespace: "team a" },
  spec: {
    nodeName,
    containers: containers.map((name) => ({ name })),
    initContainers: init.map((name) => ({ name })),
  },
});
const node = {
  metadata: { name: "vn" },
  status: {
    addresses: [
      { type: "Hostname", address: "vn" },
      { type: "InternalIP", address: "10.0.0.7" },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
  },
};

describe("kubeletLocation", () => {
  it("log: the container into the path, set options passed on like LogLocation", () => {
    const q = new URLSearchParams(
      "container=app&follow=true&previous=false&timestamps=1&tailLines=5&limitBytes=100&sinceSeconds=30&sinceTime=2026-01-01T00:00:00Z",
    );
    expect(kubeletLocation("log", pod(["app", "side"]), node, q)).toEqual({
      host: "10.0.0.7",
      port: 10250,
      path: "/containerLogs/team%20a/web/app?follow=true&timestamps=true&sinceSeconds=30&sinceTime=2026-01-01T00%3A00%3A00Z&tailLines=5&limitBytes=100",
    });
  });

  it("exec and attach: stdin/stdout/stderr/tty → input/output/error/tty=1, every command, sorted like url.Values", () => {
    const q = new URLSearchParams("command=sh&command=-c&command=exit 3&stdout=true&stderr=true&stdin=false");
    expect(kubeletLocation("exec", pod(["app"]), node, q).path).toBe(
      "/exec/team%20a/web/app?command=sh&command=-c&command=exit%203&error=1&output=1",
    );
    const a = new URLSearchParams("container=app&stdout=true&tty=true&stdin=true&command=ignored");
    expect(kubeletLocation("attach", pod(["app"]), node, a).path).toBe(
      "/attach/team%20a/web/app?input=1&output=1&tty=1",
    );
  });

  it("defaults to the only container and refuses what the API server refuses", () => {
    expect(pickContainer(pod(["app"]), null)).toBe("app");
    expect(() => pickContainer(pod(["a", "b"], ["init"]), null)).toThrow(
      "a container name must be specified for pod web, choose one of: [a b] or one of the init containers: [init]",
    );
    expect(() => pickContainer(pod(["a"]), "nope")).toThrow("container nope is not valid for pod web");
    expect(pickContainer(pod(["a"], ["init"]), "init")).toBe("init");
    const unbound = (): unknown => kubeletLocation("exec", pod(["a"], [], ""), node, new URLSearchParams());
    expect(unbound).toThrow("pod web does not have a host assigned");
    try {
      unbound();
    } catch (e) {
      expect((e as KubeStatusError).code).toBe(400);
    }
  });
});

describe("refusal: a kubelet's non-2xx answer to a log request, as the API server's response checker returns it", () => {
  it("400 → BadRequest with the kubelet's text (kubectl: Error from server (BadRequest): <text>)", () => {
    const text = 'previous terminated container "app" in pod "web" not found';
    expect(refusal(400, text).status).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: text,
      reason: "BadRequest",
      code: 400,
    });
  });

  it("500 → InternalError; other codes keep their reason", () => {
    expect(refusal(500, "ARM failed").status).toMatchObject({
      reason: "InternalError",
      message: "Internal error occurred: ARM failed",
      code: 500,
    });
    expect(refusal(404, 'pod "web" does not exist').status).toMatchObject({ reason: "NotFound", code: 404 });
    expect(refusal(418, "teapot").status).not.toHaveProperty("reason");
  });
});

describe("the fake without a kubelet-client credential", () => {
  it("answers pods/log and exec upgrades with 501", async () => {
    const kube = await startKubeFake();
    try {
      kube.createPod({
        metadata: { name: "web", namespace: "default" },
        spec: { containers: [{ name: "app", image: "x" }] },
      });
      const log = await fetch(`${kube.url}/api/v1/namespaces/default/pods/web/log`);
      expect(log.status).toBe(501);
      const net = await import("node:net");
      const text = await new Promise<string>((resolve) => {
        const s = net.connect(Number(new URL(kube.url).port), "127.0.0.1", () =>
          s.write(
            "POST /api/v1/namespaces/default/pods/web/exec?command=ls HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n\r\n",
          ),
        );
        let t = "";
        s.on("data", (b: Buffer) => (t += b.toString()));
        s.on("close", () => resolve(t));
      });
      expect(text).toMatch(/^HTTP\/1.1 501 /);
    } finally {
      await kube.close();
    }
  });
});
