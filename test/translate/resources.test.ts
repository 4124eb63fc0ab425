import { describe, expect, it } from "vitest";
import { group, podWith, run } from "./helpers.js";

const total = (cg: ReturnType<typeof group>) =>
  cg.containers.reduce(
    (s, c) => ({ cpu: s.cpu + c.resources.requests.cpu, mem: s.mem + c.resources.requests.memoryInGB }),
    { cpu: 0, mem: 0 },
  );

describe("resources", () => {
  it("defaults a container without requests or limits to 1 CPU / 1.5 GB", () => {
    expect(group(run(podWith({}))).containers[0]?.resources).toEqual({
      requests: { cpu: 1, memoryInGB: 1.5 },
    });
  });

  it("pod-level requests: containers without their own share what is left, never more than the pod asked for", () => {
    const cg = group(
      run({
        metadata: { name: "p", namespace: "default" },
        spec: {
          resources: { requests: { cpu: "1", memory: "1G" } },
          containers: [
            { name: "a", image: "nginx", resources: { requests: { cpu: "250m", memory: "200M" } } },
            { name: "b", image: "nginx" },
            { name: "c", image: "nginx" },
            { name: "d", image: "nginx" },
          ],
        },
      }),
    );
    expect(cg.containers.map((c) => c.resources.requests)).toEqual([
      { cpu: 0.25, memoryInGB: 0.2 },
      { cpu: 0.25, memoryInGB: 0.2 },
      { cpu: 0.25, memoryInGB: 0.2 },
      { cpu: 0.25, memoryInGB: 0.2 },
    ]);
    expect(total(cg).cpu).toBeLessThanOrEqual(1);
  });

  it("pod-level limits cap containers without their own, and stand in for a missing pod request", () => {
    const cg = group(run(podWith({ resources: { limits: { cpu: "2", memory: "2G" } } })));
    expect(cg.containers[0]?.resources).toEqual({
      requests: { cpu: 2, memoryInGB: 2 },
      limits: { cpu: 2, memoryInGB: 2 },
    });
  });

  it("warns when the pod's budget is smaller than ACI's smallest unit per container", () => {
    const out = run({
      metadata: { name: "p", namespace: "default" },
      spec: {
        resources: { requests: { memory: "100M" } },
        containers: [
          { name: "a", image: "x" },
          { name: "b", image: "x" },
        ],
      },
    });
    expect(out).toMatchObject({ warnings: ["PodResourcesApproximated"] });
  });

  it("rejects extended resources at pod or container level", () => {
    expect(run(podWith({ resources: { limits: { "example.com/dongle": "1" } } }))).toMatchObject({
      error: { field: "spec.resources.limits['example.com/dongle']" },
    });
  });

  it("resourceFieldRef: divisor 0 means 1", () => {
    const cg = group(
      run(
        podWith(
          {},
          {
            resources: { limits: { cpu: "3" } },
            env: [{ name: "N", valueFrom: { resourceFieldRef: { resource: "limits.cpu", divisor: "0" } } }],
          },
        ),
      ),
    );
    expect(cg.containers[0]?.environmentVariables).toContainEqual({ name: "N", value: "3" });
  });
});
