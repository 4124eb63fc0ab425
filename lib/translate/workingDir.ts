/**
 * `workingDir` → how ACI runs the container from it. ACI has no working-directory setting, so:
 * - nothing to do when it equals the image's WORKDIR (read from the image config, like ENTRYPOINT);
 * - when the image has a shell, the command is wrapped: `/bin/sh -c 'cd "$0" && exec "$@"' <dir> <cmd…>`.
 *   The directory and every argument are passed as positional parameters, never spliced into the script, so
 *   no quoting of the pod's strings is needed and `exec` leaves the pod's process as PID 1's only child;
 * - otherwise the node's policy (`ACI_WORKING_DIR`): `drop` runs the command from the image's WORKDIR with a
 *   Warning Event, `reject` fails the pod naming the field.
 * docs/translation.md "workingDir" describes the rule and how the shell is detected.
 */
import type { V1Container } from "@kubernetes/client-node";
import { PolicyRejection, warn, type TranslateContext } from "./context.js";

export const WORKDIR_WRAPPER_SCRIPT = 'cd "$0" && exec "$@"';

function sameDir(a: string, b: string): boolean {
  const norm = (p: string) => (p.length > 1 ? p.replace(/\/+$/, "") : p);
  return norm(a) === norm(b);
}

/**
 * The command ACI should run for `c` given its translated `command` (undefined: the image's own
 * ENTRYPOINT + CMD). Returns `command` unchanged when there is no workingDir to honour.
 */
export function applyWorkingDir(
  ctx: TranslateContext,
  c: V1Container,
  path: string,
  command: string[] | undefined,
): string[] | undefined {
  const dir = c.workingDir;
  if (!dir) return command;
  const field = `${path}.workingDir`;
  const facts = ctx.refs.imageConfigs?.get(c.image ?? "");
  if (facts && sameDir(facts.workingDir || "/", dir)) return command;
  if (facts?.hasShell && ctx.node.os === "Linux") {
    // Kubernetes: no command → ENTRYPOINT + (args or CMD); command set → it alone (args already appended).
    const run = command ?? [...facts.entrypoint, ...facts.cmd];
    if (run.length > 0) return ["/bin/sh", "-c", WORKDIR_WRAPPER_SCRIPT, dir, ...run];
  }
  const why = facts
    ? facts.hasShell
      ? "the image names no command to run from it"
      : "the image has no shell to change directory with"
    : "the image's config (WORKDIR, shell) could not be read";
  if (ctx.policy.workingDir === "reject") {
    throw new PolicyRejection(
      field,
      `ACI has no working-directory setting and ${why}; set WORKDIR in the image, cd in the command, or ask the operator for ACI_WORKING_DIR=drop`,
    );
  }
  warn(
    ctx,
    "WorkingDirDropped",
    field,
    `ACI has no working-directory setting and ${why}; the container runs from the image's WORKDIR instead of ${dir} (node policy ACI_WORKING_DIR=drop)`,
  );
  return command;
}
