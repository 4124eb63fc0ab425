import { describe, expect, it } from "vitest";
import type { ImageConfigFacts } from "../../lib/translate/types.js";
import { WORKDIR_WRAPPER_SCRIPT } from "../../lib/translate/workingDir.js";
import { group, podWith, run } from "./helpers.js";

const facts = (f: Partial<ImageConfigFacts>): Map<string, ImageConfigFacts> =>
  new Map([
    [
      "nginx",
      {
        entrypoint: ["/docker-entrypoint.sh"],
        cmd: ["nginx", "-g", "daemon off;"],
        workingDir: "/",
        hasShell: true,
        ...f,
      },
    ],
  ]);

describe("workingDir", () => {
  it("changes nothing when it is the image's WORKDIR (trailing slashes aside)", () => {
    const cg = group(
      run(podWith({}, { workingDir: "/usr/share/nginx/" }), {
        imageConfigs: facts({ workingDir: "/usr/share/nginx" }),
      }),
    );
    expect(cg.containers[0]?.command).toBeUndefined();
  });

  it("wraps the command in a shell that cds into the directory, arguments untouched", () => {
    const cg = group(
      run(podWith({}, { workingDir: "/a b", command: ["x"], args: ["'; rm -rf /", "$(NOPE)"] }), {
        imageConfigs: facts({}),
      }),
    );
    expect(cg.containers[0]?.command).toEqual([
      "/bin/sh",
      "-c",
      WORKDIR_WRAPPER_SCRIPT,
      "/a b",
      "x",
      "'; rm -rf /",
      "$(NOPE)",
    ]);
  });

  it("wraps the image's ENTRYPOINT + CMD when the pod names no command, and args replace CMD", () => {
    const noCommand = group(run(podWith({}, { workingDir: "/w" }), { imageConfigs: facts({}) }));
    expect(noCommand.containers[0]?.command?.slice(3)).toEqual([
      "/w",
      "/docker-entrypoint.sh",
      "nginx",
      "-g",
      "daemon off;",
    ]);
    const argsOnly = group(
      run(podWith({}, { workingDir: "/w", args: ["nginx", "-t"] }), {
        imageConfigs: facts({}),
        entrypoints: new Map([["nginx", ["/docker-entrypoint.sh"]]]),
      }),
    );
    expect(argsOnly.containers[0]?.command?.slice(3)).toEqual(["/w", "/docker-entrypoint.sh", "nginx", "-t"]);
  });

  it("without a shell (or on Windows) the node policy decides", () => {
    const noShell = { imageConfigs: facts({ hasShell: false }) };
    expect(run(podWith({}, { workingDir: "/w", command: ["x"] }), noShell)).toMatchObject({
      warnings: ["WorkingDirDropped"],
    });
    expect(
      run(podWith({}, { workingDir: "/w", command: ["x"] }), noShell, { policy: { workingDir: "reject" } }),
    ).toMatchObject({
      error: { field: "spec.containers[0].workingDir", reason: "UnsupportedPodSpec" },
    });
    const windows = run(
      podWith({}, { workingDir: "C:\\app", command: ["x"] }),
      { imageConfigs: facts({}) },
      { os: "Windows" },
    );
    expect(windows).toMatchObject({ warnings: ["WorkingDirDropped"] });
  });

  it("applies to init containers too", () => {
    const cg = group(
      run(
        podWith({ initContainers: [{ name: "init", image: "nginx", workingDir: "/i", command: ["prep"] }] }),
        { imageConfigs: facts({}) },
      ),
    );
    expect(cg.initContainers?.[0]?.command).toEqual(["/bin/sh", "-c", WORKDIR_WRAPPER_SCRIPT, "/i", "prep"]);
  });
});
