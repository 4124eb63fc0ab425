import { describe, expect, it } from "vitest";
import { group, podWith, run } from "./helpers.js";

const emptyDir = [{ name: "e", emptyDir: {} }];

describe("subPath mounts", () => {
  it("gives each (volume, subPath) its own emptyDir, shared by every mount of the pair", () => {
    const cg = group(
      run({
        metadata: { name: "p", namespace: "default" },
        spec: {
          volumes: emptyDir,
          containers: [
            {
              name: "a",
              image: "nginx",
              volumeMounts: [
                { name: "e", mountPath: "/x", subPath: "x" },
                { name: "e", mountPath: "/y", subPath: "y" },
              ],
            },
            {
              name: "b",
              image: "nginx",
              volumeMounts: [{ name: "e", mountPath: "/also-x", subPath: "./x/" }],
            },
          ],
        },
      }),
    );
    const [a, b] = cg.containers;
    const x = a?.volumeMounts?.[0]?.name;
    expect(x).toMatch(/^e-sp-[0-9a-f]{8}$/);
    expect(b?.volumeMounts?.[0]?.name).toBe(x);
    expect(a?.volumeMounts?.[1]?.name).not.toBe(x);
    // The whole emptyDir is no longer needed: two volumes, not three.
    expect(cg.volumes?.map((v) => v.name).sort()).toEqual([x, a?.volumeMounts?.[1]?.name].sort());
  });

  it("keeps the whole volume when it is also mounted whole elsewhere, and rejects that subPath", () => {
    const out = run({
      metadata: { name: "p", namespace: "default" },
      spec: {
        volumes: emptyDir,
        initContainers: [{ name: "i", image: "nginx", volumeMounts: [{ name: "e", mountPath: "/all" }] }],
        containers: [
          { name: "a", image: "nginx", volumeMounts: [{ name: "e", mountPath: "/x", subPath: "x" }] },
        ],
      },
    });
    expect(out).toMatchObject({
      error: { field: "spec.containers[0].volumeMounts[0].subPath", reason: "UnsupportedPodSpec" },
    });
  });

  it("rejects a subPath into a secret or configMap volume: ACI mounts them whole", () => {
    const out = run(
      podWith(
        { volumes: [{ name: "c", configMap: { name: "cm" } }] },
        { volumeMounts: [{ name: "c", mountPath: "/etc/app.conf", subPath: "app.conf" }] },
      ),
      { configMaps: new Map([["cm", { data: { "app.conf": "x" } }]]) },
    );
    expect(out).toMatchObject({ error: { field: "spec.containers[0].volumeMounts[0].subPath" } });
    if ("error" in out) expect(out.error.message).toContain("whole");
  });

  it('treats subPath "." as the whole volume', () => {
    const cg = group(
      run(podWith({ volumes: emptyDir }, { volumeMounts: [{ name: "e", mountPath: "/d", subPath: "." }] })),
    );
    expect(cg.containers[0]?.volumeMounts?.[0]?.name).toBe("e");
  });
});
