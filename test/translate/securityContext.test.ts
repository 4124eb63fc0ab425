import { describe, expect, it } from "vitest";
import { DEFAULT_RUNTIME_CAPABILITIES } from "../../lib/translate/securityContext.js";
import { group, podWith, run } from "./helpers.js";

describe("securityContext", () => {
  it.each([...DEFAULT_RUNTIME_CAPABILITIES])("accepts adding %s (the runtime grants it anyway)", (cap) => {
    expect(
      run(
        podWith({}, { securityContext: { capabilities: { add: [cap, `CAP_${cap}`, cap.toLowerCase()] } } }),
      ),
    ).not.toHaveProperty("error");
  });

  it.each(["NET_ADMIN", "SYS_ADMIN", "SYS_PTRACE", "ALL"])("rejects adding %s, naming it", (cap) => {
    const out = run(podWith({}, { securityContext: { capabilities: { add: ["CHOWN", cap] } } }));
    expect(out).toMatchObject({
      error: { field: "spec.containers[0].securityContext.capabilities.add", reason: "UnsupportedPodSpec" },
    });
    if ("error" in out) expect(out.error.message).toContain(cap);
  });

  it("sends runAsUser/runAsGroup", () => {
    expect(
      group(run(podWith({ securityContext: { runAsUser: 1000 } }, { securityContext: { runAsGroup: 3000 } })))
        .containers[0]?.securityContext,
    ).toEqual({
      runAsUser: 1000,
      runAsGroup: 3000,
    });
  });
});
