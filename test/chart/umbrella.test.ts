/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- rendered manifests are untyped YAML */
/**
 * The watcher chart as a subchart: the umbrella fixture (test/chart/fixtures/umbrella) depends on it through a
 * `file://` repository and sets `global` values and the `enabled` condition. Each Helm version works on its own
 * copy of the fixture and the chart, laid out as in the repository, so the fixture's relative path is the one
 * tested and `helm dependency build` writes nothing into the repository.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { CHART_DIR, find, helm, HELM_MAJORS, parseManifests, scratchDir } from "./helm.js";
import { REPO_ROOT } from "./tools.js";

const FIXTURE = join(__dirname, "fixtures", "umbrella");

/** Copies chart + fixture into `<scratch>/<name>/` at their repository paths; returns the umbrella's copy. */
function layout(name: string, editSchema?: (schema: any) => void): string {
  const root = join(scratchDir(), name);
  const chart = join(root, "charts", "aci-bridge-watcher");
  const umbrella = join(root, "test", "chart", "fixtures", "umbrella");
  mkdirSync(root, { recursive: true });
  cpSync(CHART_DIR, chart, { recursive: true });
  cpSync(FIXTURE, umbrella, { recursive: true });
  if (editSchema) {
    const file = join(chart, "values.schema.json");
    const schema = JSON.parse(readFileSync(file, "utf8"));
    editSchema(schema);
    writeFileSync(file, JSON.stringify(schema));
  }
  return umbrella;
}

it("the fixture's file:// dependency points at charts/aci-bridge-watcher", () => {
  const chartYaml = readFileSync(join(FIXTURE, "Chart.yaml"), "utf8");
  const repo = /repository: file:\/\/(\S+)/.exec(chartYaml)?.[1];
  expect(repo && resolve(FIXTURE, repo)).toBe(join(REPO_ROOT, "charts", "aci-bridge-watcher"));
});

describe.each(HELM_MAJORS)("Helm %i: umbrella chart with the watcher as a dependency", (major) => {
  const umbrella = layout(`umbrella-v${major}`);
  const build = helm(major, ["dependency", "build", umbrella]);

  it("helm dependency build packages the subchart", () => {
    expect(build.stderr).toBe("");
    expect(build.status).toBe(0);
    expect(build.stdout).toMatch(/Saving 1 charts/);
  });

  it("helm lint --strict --with-subcharts passes", () => {
    const r = helm(major, ["lint", "--strict", "--with-subcharts", umbrella]);
    expect(r.stdout + r.stderr).toMatch(/0 chart\(s\) failed/);
    expect(r.status).toBe(0);
  });

  it("helm template renders the watcher with the parent's values and global", () => {
    const r = helm(major, ["template", "platform", umbrella, "--namespace", "ops"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const { objects } = parseManifests(r.stdout);
    const d = find({ objects }, "Deployment")!;
    expect(d.metadata.name).toBe("platform-aci-bridge-watcher");
    expect(d.metadata.namespace).toBe("ops");
    expect(d.metadata.labels["helm.sh/chart"]).toMatch(/^aci-bridge-watcher-\d+\.\d+\.\d+/);
    const env = Object.fromEntries(d.spec.template.spec.containers[0].env.map((e: any) => [e.name, e]));
    expect(env.ACI_NODE_NAMES.value).toBe("aci-east");
    expect(env.WATCHER_QUEUE_SAS_URL.valueFrom.secretKeyRef).toEqual({
      name: "umbrella-queue",
      key: "sasUrl",
    });
    expect(find({ objects }, "ConfigMap")!.data).toEqual({ watcher: "true" });
  });

  it("the condition turns the watcher off", () => {
    const r = helm(major, ["template", "platform", umbrella, "--set", "aci-bridge-watcher.enabled=false"]);
    expect(r.status).toBe(0);
    expect(parseManifests(r.stdout).objects.map((o) => o.kind)).toEqual(["ConfigMap"]);
  });

  it("the subchart's schema still applies to values the parent passes", () => {
    const r = helm(major, ["template", "platform", umbrella, "--set", "aci-bridge-watcher.replicaCount=0"]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/values don't meet the specifications of the schema/);
    expect(r.stderr).toMatch(/replicaCount/);
  });

  it("without `global` declared in the schema the same umbrella fails (why the chart declares it)", () => {
    const broken = layout(`umbrella-no-global-v${major}`, (schema) => {
      delete schema.properties.global;
    });
    expect(helm(major, ["dependency", "build", broken]).status).toBe(0);
    const r = helm(major, ["template", "platform", broken]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/global/);
  });
});
