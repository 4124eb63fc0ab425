/**
 * subPath mounts → ACI volumes. On an emptyDir, each distinct (volume, subPath) becomes its own ACI emptyDir,
 * shared by every mount of that pair: the same sharing the pod asks for, as long as no container mounts the
 * whole volume and no two subPaths of it overlap (ACI cannot show one volume inside another). A subPath into a
 * secret, configMap, downwardAPI, projected, azureFile or gitRepo volume cannot be reproduced: ACI mounts those
 * whole, as directories. docs/translation.md "Volumes" describes the rule.
 */
import { createHash } from "node:crypto";
import type { V1Container } from "@kubernetes/client-node";
import type { TranslateContext } from "./context.js";

/** subPath mounts: `volume\0subPath` → the ACI emptyDir that holds it; mount field → why it cannot map. */
export interface SubPathPlan {
  derived: Map<string, string>;
  rejected: Map<string, string>;
}

/** "./a/b/" and "a/b" name one directory; "" and "." the volume itself. */
export function normalizeSubPath(subPath: string): string {
  return subPath
    .split("/")
    .filter((part) => part !== "" && part !== ".")
    .join("/");
}

const WHOLE_ONLY: Record<string, string> = {
  secret: "a secret volume",
  configMap: "a configMap volume",
  downwardAPI: "a downwardAPI volume",
  projected: "a projected volume",
};

/**
 * Plans subPath mounts over every container (regular, sidecar and init). Deterministic: the ACI volume for
 * (v, p) is `<v>-sp-<8 hex of sha256(p)>`, so a recomputed group is identical.
 */
export function planSubPaths(
  ctx: TranslateContext,
  containers: readonly { c: V1Container; path: string }[],
): SubPathPlan {
  const plan: SubPathPlan = { derived: new Map(), rejected: new Map() };
  const volumes = new Map((ctx.pod.spec?.volumes ?? []).map((v) => [v.name, v] as const));
  const wholeBy = new Map<string, string>();
  const subPathsOf = new Map<string, Set<string>>();
  for (const { c, path } of containers) {
    for (const m of c.volumeMounts ?? []) {
      const sub = normalizeSubPath(m.subPath ?? "");
      if (sub === "" && !m.subPathExpr) {
        if (!wholeBy.has(m.name)) wholeBy.set(m.name, `${path} (${c.name})`);
      } else if (sub !== "") {
        const set = subPathsOf.get(m.name) ?? new Set<string>();
        set.add(sub);
        subPathsOf.set(m.name, set);
      }
    }
  }
  const taken = new Set(volumes.keys());
  for (const { c, path } of containers) {
    (c.volumeMounts ?? []).forEach((m, i) => {
      const sub = normalizeSubPath(m.subPath ?? "");
      if (sub === "") return;
      const field = `${path}.volumeMounts[${i}]`;
      const volume = volumes.get(m.name);
      if (!volume) return;
      if (!volume.emptyDir) {
        const kind = Object.keys(volume).find((k) => k !== "name") ?? "source";
        const what = WHOLE_ONLY[kind];
        plan.rejected.set(
          field,
          what
            ? `ACI mounts ${what} whole, as a directory of files; the single file "${sub}" cannot be placed at ${m.mountPath} without replacing that directory's other contents`
            : `ACI mounts ${kind} volumes whole; a subPath into one is not supported`,
        );
        return;
      }
      const whole = wholeBy.get(m.name);
      if (whole) {
        plan.rejected.set(
          field,
          `emptyDir "${m.name}" is also mounted whole by ${whole}; ACI cannot show a subdirectory of one volume as another mount, so the sharing the pod asks for cannot be reproduced`,
        );
        return;
      }
      const overlap = [...(subPathsOf.get(m.name) ?? [])].find(
        (other) => other !== sub && (other.startsWith(`${sub}/`) || sub.startsWith(`${other}/`)),
      );
      if (overlap !== undefined) {
        plan.rejected.set(
          field,
          `subPaths "${sub}" and "${overlap}" of emptyDir "${m.name}" overlap; ACI cannot nest one volume inside another`,
        );
        return;
      }
      const key = `${m.name}\0${sub}`;
      if (plan.derived.has(key)) return;
      const hash = createHash("sha256").update(sub).digest("hex").slice(0, 8);
      let name = `${m.name.slice(0, 50)}-sp-${hash}`;
      for (let n = 2; taken.has(name); n++) name = `${m.name.slice(0, 46)}-sp-${hash}-${n}`;
      taken.add(name);
      plan.derived.set(key, name);
    });
  }
  return plan;
}
