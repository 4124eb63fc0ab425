/**
 * Secret values (distinctive `S3CRET-…` strings, the recorded secret, service-account tokens; a storage
 * account *name* is not secret and must appear in the body) may appear only where ACI keeps
 * them secret: env `secureValue`, secret volume contents, registry passwords, Azure Files keys. This runs
 * every fixture through every translation output (body, warnings, errors, status, events, CLI output) and
 * searches for them, plain and base64.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ContainerGroup } from "@azure/arm-containerinstance";
import { describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { InvalidPodSpecError } from "../../lib/errors.js";
import {
  containerGroupEvents,
  containerGroupToPodStatus,
  failedPodStatus,
  podToContainerGroup,
} from "../../lib/translate/index.js";
import { secretEntries } from "../../lib/translate/context.js";
import { FIXTURES, loadFixture, TOKEN_PREFIX } from "./harness.js";

const names = readdirSync(FIXTURES)
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => f.slice(0, -5));

/** The body with every allowed secret location blanked. */
function withoutSecretSlots(cg: ContainerGroup): unknown {
  const copy = structuredClone(cg);
  for (const c of [...copy.containers, ...(copy.initContainers ?? [])]) {
    for (const e of c.environmentVariables ?? []) if (e.secureValue !== undefined) e.secureValue = "<secure>";
  }
  for (const r of copy.imageRegistryCredentials ?? []) r.password = "<secure>";
  for (const v of copy.volumes ?? []) {
    if (v.secret) for (const k of Object.keys(v.secret)) v.secret[k] = "<secure>";
    if (v.azureFile) v.azureFile.storageAccountKey = "<secure>";
  }
  return copy;
}

function needles(values: string[]): string[] {
  return values.flatMap((v) => [v, Buffer.from(v).toString("base64")]);
}

describe("no secret value leaks out of translation", () => {
  it.each(names)("%s", async (name) => {
    const { pod, refs, node, secrets } = loadFixture(name);
    const values = [
      ...secrets
        .flatMap((s) => [...secretEntries(s).values()].map((b) => b.toString("utf8")))
        .filter((v) => /S3CRET|not-a-real-secret/.test(v)),
      ...[...(refs.serviceAccountTokens?.values() ?? [])],
    ];
    const outputs: string[] = [];
    try {
      const t = podToContainerGroup(pod, refs, node);
      outputs.push(JSON.stringify(withoutSecretSlots(t.containerGroup)), JSON.stringify(t.warnings));
      const view = {
        ...t.containerGroup,
        name: t.name,
        provisioningState: "Succeeded",
        instanceView: { state: "Running", events: [] },
      } as ContainerGroup;
      const status = containerGroupToPodStatus(view, pod, node, new Date());
      outputs.push(
        JSON.stringify(withoutSecretSlots(view)),
        JSON.stringify(status),
        JSON.stringify(containerGroupEvents(view, pod)),
      );
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidPodSpecError);
      const e = error as InvalidPodSpecError;
      outputs.push(e.message, e.field, e.why, String(e.stack));
      outputs.push(JSON.stringify(failedPodStatus(pod, e.reason, e.message, new Date())));
    }
    // The CLI prints the body with secret values masked.
    const out: string[] = [];
    const files = new Map([[`${name}.yaml`, readFixture(name)]]);
    await main(
      [
        "translate",
        "-f",
        `${name}.yaml`,
        "--entrypoint",
        "busybox:1.28=[]",
        "--entrypoint",
        "registry.k8s.io/e2e-test-images/agnhost:2.39=/agnhost",
      ],
      {},
      {
        stdout: (t) => out.push(t),
        stderr: (t) => out.push(t),
        readStdin: async () => "",
        readFile: async (p) => files.get(p) ?? "",
      },
    );
    outputs.push(...out);
    const text = outputs.join("\n");
    for (const needle of needles(values)) expect(text).not.toContain(needle);
    expect(text).not.toContain(TOKEN_PREFIX);
  });

  it("the check is live: a secret value does reach secureValue", () => {
    const { pod, refs, node } = loadFixture("secret-env");
    const t = podToContainerGroup(pod, refs, node);
    const env = t.containerGroup.containers[0]?.environmentVariables ?? [];
    expect(env.find((e) => e.name === "DB_PASSWORD")).toEqual({
      name: "DB_PASSWORD",
      secureValue: "S3CRET-db-password-1",
    });
    expect(JSON.stringify(t.containerGroup)).toContain("S3CRET-db-password-1");
  });
});

function readFixture(name: string): string {
  return readFileSync(join(FIXTURES, `${name}.yaml`), "utf8");
}
