/**
 * Pod volumes → ACI volumes. emptyDir → emptyDir; secret, configMap, downwardAPI and projected (secret,
 * configMap, downwardAPI, serviceAccountToken) → one ACI `secret` volume each, with the files base64-encoded;
 * azureFile and the `file.csi.azure.com` CSI driver → azureFile with the key from the referenced secret;
 * gitRepo → gitRepo. Anything else is rejected naming the field.
 *
 * subPath on an emptyDir: each distinct (volume, subPath) becomes its own ACI emptyDir, shared by every mount
 * of that pair, which gives the pod the same sharing, as long as nothing mounts the whole volume or an
 * overlapping subPath (then ACI cannot show one directory inside another mount and the pod is rejected).
 * subPath into a secret, configMap, downwardAPI, projected, azureFile or gitRepo volume is rejected: ACI mounts
 * those whole, as directories.
 */
import type { Volume, VolumeMount } from "@azure/arm-containerinstance";
import type { V1Container, V1DownwardAPIVolumeFile, V1KeyToPath, V1Volume } from "@kubernetes/client-node";
import { InvalidPodSpecError } from "../errors.js";
import { attempt, lookupConfigMap, lookupSecret, warn, type TranslateContext } from "./context.js";
import { fieldRefValue, resourceFieldRefValue } from "./downward.js";
import { normalizeSubPath, planSubPaths, type SubPathPlan } from "./subPaths.js";

export const AZURE_FILE_CSI_DRIVER = "file.csi.azure.com";
export const AZURE_STORAGE_ACCOUNT_NAME = "azurestorageaccountname";
export const AZURE_STORAGE_ACCOUNT_KEY = "azurestorageaccountkey";

/** Volume kinds we know and reject, with the reason users see. */
const UNSUPPORTED: Record<string, string> = {
  hostPath: "ACI has no host filesystem",
  persistentVolumeClaim:
    "ACI cannot attach PersistentVolumeClaims; use azureFile or the file.csi.azure.com CSI driver inline",
  ephemeral: "generic ephemeral volumes need a PersistentVolumeClaim, which ACI cannot attach; use emptyDir",
};

export interface TranslatedVolumes {
  volumes: Volume[];
  /** Volumes left out on purpose (the service-account volume on Windows): their mounts are skipped too. */
  dropped: Set<string>;
  /** Volumes whose translation failed (the error is recorded): their mounts are skipped, not re-reported. */
  failed: Set<string>;
  /** How subPath mounts map (see `planSubPaths`). */
  subPaths: SubPathPlan;
}

function checkPath(path: string, field: string): string {
  if (!path || path.includes("/") || path.startsWith("..")) {
    throw new InvalidPodSpecError(
      field,
      `"${path}": ACI secret volumes hold flat files; nested paths are not supported`,
    );
  }
  return path;
}

/** Applies `items` (key → path) to a source's entries, like the kubelet (missing key: error unless optional). */
function project(
  entries: Map<string, Buffer>,
  items: V1KeyToPath[] | undefined,
  optional: boolean | undefined,
  kind: string,
  name: string,
  field: string,
  files: Map<string, Buffer>,
): void {
  if (!items || items.length === 0) {
    for (const [key, value] of entries) files.set(checkPath(key, `${field}`), value);
    return;
  }
  items.forEach((item, i) => {
    const value = entries.get(item.key);
    if (value === undefined) {
      if (optional) return;
      throw new InvalidPodSpecError(
        `${field}.items[${i}].key`,
        `key "${item.key}" not found in ${kind} "${name}"`,
        "MissingReference",
      );
    }
    files.set(checkPath(item.path, `${field}.items[${i}].path`), value);
  });
}

function downwardFiles(
  ctx: TranslateContext,
  items: V1DownwardAPIVolumeFile[] | undefined,
  field: string,
  files: Map<string, Buffer>,
): void {
  (items ?? []).forEach((item, i) => {
    const itemField = `${field}.items[${i}]`;
    const path = checkPath(item.path, `${itemField}.path`);
    if (item.fieldRef) {
      files.set(path, Buffer.from(fieldRefValue(ctx, item.fieldRef, `${itemField}.fieldRef`, true)));
    } else if (item.resourceFieldRef) {
      files.set(
        path,
        Buffer.from(
          resourceFieldRefValue(ctx, item.resourceFieldRef, undefined, `${itemField}.resourceFieldRef`),
        ),
      );
    } else {
      throw new InvalidPodSpecError(itemField, "needs fieldRef or resourceFieldRef", "InvalidPodSpec");
    }
  });
}

function tokenFor(ctx: TranslateContext, audience: string | undefined, field: string): string {
  const byAudience = ctx.refs.serviceAccountTokens?.get(audience ?? "");
  const token = byAudience ?? (audience === undefined ? ctx.refs.serviceAccountToken : undefined);
  if (token === undefined) {
    const sa = ctx.pod.spec?.serviceAccountName ?? "default";
    throw new InvalidPodSpecError(
      field,
      `no token was issued for service account "${sa}"${audience ? ` (audience "${audience}")` : ""}`,
      "MissingReference",
    );
  }
  return token;
}

function secretVolume(name: string, files: Map<string, Buffer>): Volume {
  if (files.size === 0) return { name, emptyDir: {} };
  const secret: Record<string, string> = {};
  for (const [path, value] of files) secret[path] = value.toString("base64");
  return { name, secret };
}

function storageSecret(
  ctx: TranslateContext,
  secretName: string | undefined,
  field: string,
): { account: string; key: string } {
  const entries = lookupSecret(ctx, secretName, false, field);
  const account = entries?.get(AZURE_STORAGE_ACCOUNT_NAME)?.toString("utf8").trim();
  const key = entries?.get(AZURE_STORAGE_ACCOUNT_KEY)?.toString("utf8").trim();
  if (!account || !key) {
    throw new InvalidPodSpecError(
      field,
      `secret "${secretName}" must hold ${AZURE_STORAGE_ACCOUNT_NAME} and ${AZURE_STORAGE_ACCOUNT_KEY}`,
      "MissingReference",
    );
  }
  return { account, key };
}

function isServiceAccountVolume(volume: V1Volume): boolean {
  return (volume.projected?.sources ?? []).some((s) => s.serviceAccountToken !== undefined);
}

function translateVolume(ctx: TranslateContext, volume: V1Volume, field: string): Volume {
  const name = volume.name;
  if (volume.emptyDir) return { name, emptyDir: {} };
  if (volume.secret) {
    const s = volume.secret;
    const files = new Map<string, Buffer>();
    const entries = lookupSecret(ctx, s.secretName, s.optional, `${field}.secret.secretName`);
    if (entries)
      project(entries, s.items, s.optional, "secret", s.secretName ?? "", `${field}.secret`, files);
    return secretVolume(name, files);
  }
  if (volume.configMap) {
    const c = volume.configMap;
    const files = new Map<string, Buffer>();
    const entries = lookupConfigMap(ctx, c.name, c.optional, `${field}.configMap.name`);
    if (entries)
      project(entries, c.items, c.optional, "configmap", c.name ?? "", `${field}.configMap`, files);
    return secretVolume(name, files);
  }
  if (volume.downwardAPI) {
    const files = new Map<string, Buffer>();
    downwardFiles(ctx, volume.downwardAPI.items, `${field}.downwardAPI`, files);
    return secretVolume(name, files);
  }
  if (volume.projected) {
    const files = new Map<string, Buffer>();
    (volume.projected.sources ?? []).forEach((source, j) => {
      const sf = `${field}.projected.sources[${j}]`;
      if (source.secret) {
        const s = source.secret;
        const entries = lookupSecret(ctx, s.name, s.optional, `${sf}.secret.name`);
        if (entries) project(entries, s.items, s.optional, "secret", s.name ?? "", `${sf}.secret`, files);
      } else if (source.configMap) {
        const c = source.configMap;
        const entries = lookupConfigMap(ctx, c.name, c.optional, `${sf}.configMap.name`);
        if (entries)
          project(entries, c.items, c.optional, "configmap", c.name ?? "", `${sf}.configMap`, files);
      } else if (source.downwardAPI) {
        downwardFiles(ctx, source.downwardAPI.items, `${sf}.downwardAPI`, files);
      } else if (source.serviceAccountToken) {
        const t = source.serviceAccountToken;
        const path = checkPath(t.path, `${sf}.serviceAccountToken.path`);
        files.set(path, Buffer.from(tokenFor(ctx, t.audience, `${sf}.serviceAccountToken`), "utf8"));
      } else {
        const kind = Object.keys(source)[0] ?? "source";
        throw new InvalidPodSpecError(`${sf}.${kind}`, "this projected source is not supported on ACI");
      }
    });
    return secretVolume(name, files);
  }
  if (volume.azureFile) {
    const a = volume.azureFile;
    const { account, key } = storageSecret(ctx, a.secretName, `${field}.azureFile.secretName`);
    return {
      name,
      azureFile: {
        shareName: a.shareName,
        storageAccountName: account,
        storageAccountKey: key,
        readOnly: a.readOnly ?? false,
      },
    };
  }
  if (volume.csi) {
    const c = volume.csi;
    if (c.driver !== AZURE_FILE_CSI_DRIVER) {
      throw new InvalidPodSpecError(
        `${field}.csi.driver`,
        `CSI driver "${c.driver}" is not supported on ACI (only ${AZURE_FILE_CSI_DRIVER})`,
      );
    }
    const attrs = c.volumeAttributes ?? {};
    const shareName = attrs["shareName"];
    if (!shareName) {
      throw new InvalidPodSpecError(
        `${field}.csi.volumeAttributes`,
        "shareName is required",
        "InvalidPodSpec",
      );
    }
    const secretName = attrs["secretName"] ?? c.nodePublishSecretRef?.name;
    if (!secretName) {
      throw new InvalidPodSpecError(
        `${field}.csi.volumeAttributes`,
        "secretName (or nodePublishSecretRef) naming the storage account secret is required",
        "InvalidPodSpec",
      );
    }
    const { account, key } = storageSecret(ctx, secretName, `${field}.csi.volumeAttributes.secretName`);
    return {
      name,
      azureFile: {
        shareName,
        storageAccountName: account,
        storageAccountKey: key,
        readOnly: c.readOnly ?? false,
      },
    };
  }
  if (volume.gitRepo) {
    const g = volume.gitRepo;
    return {
      name,
      gitRepo: {
        repository: g.repository,
        ...(g.revision ? { revision: g.revision } : {}),
        ...(g.directory ? { directory: g.directory } : {}),
      },
    };
  }
  const kind = Object.keys(volume).find((k) => k !== "name") ?? "source";
  throw new InvalidPodSpecError(
    `${field}.${kind}`,
    UNSUPPORTED[kind] ?? `${kind} volumes are not supported on ACI`,
  );
}

/**
 * Translates `spec.volumes` (each volume's error is recorded and the others still translated) and plans the
 * subPath mounts of `containers` (every container that mounts volumes: regular, sidecar and init).
 */
export function translateVolumes(
  ctx: TranslateContext,
  containers: readonly { c: V1Container; path: string }[],
): TranslatedVolumes {
  const dropped = new Set<string>();
  const failed = new Set<string>();
  const volumes: Volume[] = [];
  const subPaths = planSubPaths(ctx, containers);
  const mountedWhole = new Set(
    containers.flatMap(({ c }) =>
      (c.volumeMounts ?? []).filter((m) => normalizeSubPath(m.subPath ?? "") === "").map((m) => m.name),
    ),
  );
  const derivedFrom = new Set([...subPaths.derived.keys()].map((k) => k.split("\0")[0] ?? ""));
  (ctx.pod.spec?.volumes ?? []).forEach((volume, i) => {
    const field = `spec.volumes[${i}]`;
    if (ctx.node.os === "Windows") {
      if (isServiceAccountVolume(volume)) {
        dropped.add(volume.name);
        warn(
          ctx,
          "ServiceAccountVolumeDropped",
          field,
          "ACI Windows groups cannot mount volumes; the service-account token is not mounted",
        );
        return;
      }
      attempt(
        ctx,
        () => {
          throw new InvalidPodSpecError(field, "ACI Windows container groups do not support volumes");
        },
        undefined,
      );
      failed.add(volume.name);
      return;
    }
    const translated = attempt(ctx, () => translateVolume(ctx, volume, field), undefined);
    if (!translated) {
      failed.add(volume.name);
      return;
    }
    // An emptyDir used only through subPaths is replaced by its per-subPath volumes (ACI counts volumes).
    if (!(volume.emptyDir && derivedFrom.has(volume.name) && !mountedWhole.has(volume.name)))
      volumes.push(translated);
  });
  for (const name of subPaths.derived.values()) volumes.push({ name, emptyDir: {} });
  return { volumes, dropped, failed, subPaths };
}

export function translateMounts(
  container: V1Container,
  path: string,
  /** Names in spec.volumes. */
  defined: ReadonlySet<string>,
  translated: TranslatedVolumes,
): VolumeMount[] {
  const mounts: VolumeMount[] = [];
  const { dropped, failed, subPaths } = translated;
  (container.volumeMounts ?? []).forEach((mount, i) => {
    const field = `${path}.volumeMounts[${i}]`;
    if (dropped.has(mount.name) || failed.has(mount.name)) return;
    if (!defined.has(mount.name)) {
      throw new InvalidPodSpecError(
        `${field}.name`,
        `volume "${mount.name}" is not defined in spec.volumes`,
        "InvalidPodSpec",
      );
    }
    const rejected = subPaths.rejected.get(field);
    if (rejected) throw new InvalidPodSpecError(`${field}.subPath`, rejected);
    const sub = normalizeSubPath(mount.subPath ?? "");
    const name = sub === "" ? mount.name : subPaths.derived.get(`${mount.name}\0${sub}`);
    if (name === undefined) {
      throw new InvalidPodSpecError(`${field}.subPath`, "ACI cannot mount this subPath");
    }
    if (mount.subPathExpr) {
      throw new InvalidPodSpecError(
        `${field}.subPathExpr`,
        "ACI mounts whole volumes only; subPathExpr is not supported",
      );
    }
    if (mount.mountPath.includes(":")) {
      throw new InvalidPodSpecError(
        `${field}.mountPath`,
        "ACI mount paths must not contain ':'",
        "InvalidPodSpec",
      );
    }
    mounts.push({
      name,
      mountPath: mount.mountPath,
      ...(mount.readOnly ? { readOnly: true } : {}),
    });
  });
  return mounts;
}
