import { describe, expect, it } from "vitest";
import { InvalidPodSpecError } from "../../lib/errors.js";
import { checkImageReference, normalizeRegistry, registryOf } from "../../lib/translate/images.js";

describe("image references", () => {
  it.each([
    ["nginx", "index.docker.io"],
    ["library/nginx:1.27", "index.docker.io"],
    ["bitnami/redis@sha256:" + "a".repeat(64), "index.docker.io"],
    ["docker.io/grafana/tempo:2.9.0", "index.docker.io"],
    ["myacr.azurecr.io/app:v1", "myacr.azurecr.io"],
    ["localhost:5000/app", "localhost:5000"],
    ["Registry.Example.COM:443/team/app", "registry.example.com:443"],
  ])("%s pulls from %s", (image, registry) => {
    expect(registryOf(image)).toBe(registry);
  });

  it("normalizes credential server names as ACI expects them", () => {
    expect(normalizeRegistry("https://index.docker.io/v1/")).toBe("index.docker.io");
    expect(normalizeRegistry("registry-1.docker.io")).toBe("index.docker.io");
    expect(normalizeRegistry(" MyACR.azurecr.io ")).toBe("myacr.azurecr.io");
  });

  it.each([
    "nginx",
    "quay.io/argoproj/argocd:v3.4.4",
    "[::1]:5000/app",
    "a/b/c:tag@sha256:" + "0".repeat(64),
  ])("accepts %s", (image) => expect(() => checkImageReference(image, "f")).not.toThrow());

  it.each(["Nginx", "nginx:", "team/App", "a b", ""])("rejects %j as InvalidImageName", (image) => {
    expect(() => checkImageReference(image, "spec.containers[0].image")).toThrow(InvalidPodSpecError);
  });
});
