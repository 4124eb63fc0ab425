/**
 * The simulator's container logs (`Containers - List Logs`): every simulated container writes a
 * deterministic stream of lines derived from its image and command, computed from the clock like the rest
 * of the simulator (docs/aci-simulator.md, "Logs, exec and attach"):
 *
 * - at the instance's start: `[aci-sim] <container> started: <command or image>`; when the command is
 *   `echo …`, the echoed text instead;
 * - every `intervalMs` after that (default 1000; the image convention `-log-every-<N>ms` changes it;
 *   images named `aci-sim/quiet` write nothing more): `[aci-sim] <container> tick <k>`;
 * - when the instance exits: `[aci-sim] <container> exited with code <n>`.
 *
 * As ACI, only the current instance's log exists: after a restart the earlier instance's lines are gone
 * (during the restart back-off, before the new instance starts, the terminated instance's log is still
 * served). `timestamps=true` prefixes each line with its time in ACI's 7-digit form
 * (`2026-12-01T19:12:48.8630000Z`); `tail=N` keeps the last N lines. The 4 MB cap is not simulated.
 */
import { snapshot, type StoredGroup } from "./group.js";
import type { AciSimulatorTiming, Json } from "./types.js";

export const DEFAULT_LOG_INTERVAL_MS = 1000;

export interface LogInstance {
  start: number;
  /** When the instance exited; undefined while it runs. */
  end?: number;
  exitCode?: number;
}

export interface SimLogLine {
  at: number;
  text: string;
}

/** ACI's timestamp form: 7 fractional digits. */
export function aciTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$10000Z");
}

function commandOf(g: StoredGroup, container: string): string[] {
  const list = ((g.body.properties as Json | undefined)?.containers as Json[] | undefined) ?? [];
  const c = list.find((x) => x.name === container);
  const cmd = (c?.properties as Json | undefined)?.command;
  return Array.isArray(cmd) ? cmd.map(String) : [];
}

export function logIntervalMs(image: string): number | undefined {
  if (image.includes("aci-sim/quiet")) return undefined;
  const m = /-log-every-(\d+)ms/.exec(image);
  return m ? Math.max(1, Number(m[1])) : DEFAULT_LOG_INTERVAL_MS;
}

/** The instance whose log ACI serves now (current, or the terminated one during back-off). */
export function currentInstance(
  g: StoredGroup,
  container: string,
  now: number,
  timing: AciSimulatorTiming,
): LogInstance | undefined {
  const snap = snapshot(g, now, timing);
  const idx = g.containers.findIndex((c) => c.name === container);
  const view = snap.containers[idx];
  if (!view) return undefined;
  const pick = view.currentState.startTime ? view.currentState : view.previousState;
  if (!pick?.startTime) return undefined;
  const start = Date.parse(pick.startTime);
  if (pick.state === "Terminated" && pick.finishTime) {
    return {
      start,
      end: Date.parse(pick.finishTime),
      ...(pick.exitCode !== undefined ? { exitCode: pick.exitCode } : {}),
    };
  }
  return { start };
}

/** Lines of one instance up to `now`, oldest first; `tail` limits generation to the last N. */
export function instanceLines(
  g: StoredGroup,
  container: string,
  inst: LogInstance,
  now: number,
  tail?: number,
): SimLogLine[] {
  const stored = g.containers.find((c) => c.name === container);
  const image = stored?.image ?? "";
  const cmd = commandOf(g, container);
  const until = Math.min(now, inst.end ?? now);
  const first =
    cmd[0] === "echo"
      ? cmd.slice(1).join(" ")
      : `[aci-sim] ${container} started: ${cmd.length > 0 ? cmd.join(" ") : image}`;
  const interval = logIntervalMs(image);
  const ticks = interval === undefined ? 0 : Math.max(0, Math.floor((until - inst.start) / interval));
  const exit = inst.end !== undefined && inst.end <= now;
  const total = 1 + ticks + (exit ? 1 : 0);
  const from = tail !== undefined ? Math.max(0, total - tail) : 0;
  const out: SimLogLine[] = [];
  for (let i = from; i < total; i++) {
    if (i === 0) out.push({ at: inst.start, text: first });
    else if (i <= ticks)
      out.push({ at: inst.start + i * (interval ?? 0), text: `[aci-sim] ${container} tick ${i}` });
    else
      out.push({
        at: inst.end ?? until,
        text: `[aci-sim] ${container} exited with code ${inst.exitCode ?? 0}`,
      });
  }
  return out;
}

/** Body of `GET …/containers/{name}/logs`, or undefined when the container does not exist. */
export function listLogsBody(
  g: StoredGroup,
  container: string,
  now: number,
  timing: AciSimulatorTiming,
  query: URLSearchParams,
): { content: string } | undefined {
  if (!g.containers.some((c) => c.name === container)) return undefined;
  const inst = currentInstance(g, container, now, timing);
  if (!inst) return { content: "" };
  const tailRaw = query.get("tail");
  const tail = tailRaw !== null && /^\d+$/.test(tailRaw) ? Number(tailRaw) : undefined;
  const stamps = query.get("timestamps") === "true";
  const lines = instanceLines(g, container, inst, now, tail);
  return {
    content: lines.map((l) => `${stamps ? `${aciTimestamp(l.at)} ` : ""}${l.text}\n`).join(""),
  };
}
