/**
 * NCRONTAB schedules for the local Functions host's timer trigger, in UTC.
 *
 * Follows NCrontab (the library the Functions timer extension uses, github.com/atifaziz/NCrontab):
 * - 6 fields `{second} {minute} {hour} {day} {month} {day-of-week}`; 5 fields (no seconds) when asked;
 * - each field: `*`, `n`, `a-b`, lists `a,b`, steps `* /n`, `a-b/n` and `a/n` (= `a-max/n`);
 * - months and days of week also by (case-insensitive prefix of) their English names; Sunday = 0, 0–6;
 * - day-of-month AND day-of-week must both match (NCrontab, unlike Vixie cron, does not OR them);
 * - the next occurrence is strictly after the base time, whose milliseconds are ignored.
 *
 * `parseTimerSchedule` applies the Functions host's rules on top (TimerSchedule.Create in
 * azure-webjobs-sdk-extensions): a 6-field cron expression, else a TimeSpan (`hh:mm:ss`, a constant
 * interval), else an error. The host does not accept 5-field expressions.
 */
import { parseTimeSpan } from "./hostConfig.js";

export interface CronSchedule {
  readonly kind: "cron";
  readonly expression: string;
  readonly includesSeconds: boolean;
  /** First occurrence strictly after `after` (milliseconds ignored), or undefined if there is none. */
  nextOccurrence(after: Date): Date | undefined;
}

export interface ConstantSchedule {
  readonly kind: "constant";
  readonly expression: string;
  readonly intervalMs: number;
  nextOccurrence(after: Date): Date;
}

export type TimerSchedule = CronSchedule | ConstantSchedule;

export class NcrontabError extends Error {
  override name = "NcrontabError";
}

interface FieldSpec {
  name: "Second" | "Minute" | "Hour" | "Day" | "Month" | "DayOfWeek";
  min: number;
  max: number;
  names?: readonly string[];
}

const SECOND: FieldSpec = { name: "Second", min: 0, max: 59 };
const MINUTE: FieldSpec = { name: "Minute", min: 0, max: 59 };
const HOUR: FieldSpec = { name: "Hour", min: 0, max: 23 };
const DAY: FieldSpec = { name: "Day", min: 1, max: 31 };
const MONTH: FieldSpec = {
  name: "Month",
  min: 1,
  max: 12,
  names: [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
  ],
};
const DAY_OF_WEEK: FieldSpec = {
  name: "DayOfWeek",
  min: 0,
  max: 6,
  names: ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
};

/** How far ahead to search before deciding an expression never fires (e.g. `0 0 0 30 2 *`). */
const SEARCH_YEARS = 400;

function fieldError(spec: FieldSpec, text: string, why: string): NcrontabError {
  return new NcrontabError(`'${text}' is not a valid [${spec.name}] crontab field expression: ${why}`);
}

function parseValue(spec: FieldSpec, text: string, whole: string): number {
  if (text.length === 0) throw fieldError(spec, whole, "a crontab field value cannot be empty");
  if (/^[0-9]+$/.test(text)) return Number(text);
  if (spec.names) {
    const lower = text.toLowerCase();
    const index = spec.names.findIndex((n) => n.toLowerCase().startsWith(lower));
    if (index >= 0) return index + spec.min;
    throw fieldError(spec, whole, `'${text}' is not a known value name (${spec.names.join(", ")})`);
  }
  throw fieldError(spec, whole, `must be a number between ${spec.min} and ${spec.max}`);
}

/** Parses one field into the set of allowed values. Exported for tests. */
export function parseField(spec: FieldSpec, text: string): ReadonlySet<number> {
  const values = new Set<number>();
  if (text.length === 0) throw fieldError(spec, text, "a crontab field value cannot be empty");
  for (const item of text.split(",")) {
    if (item.length === 0) throw fieldError(spec, text, "empty list item");
    let body = item;
    let step: number | undefined;
    const slash = item.indexOf("/");
    if (slash >= 0) {
      const stepText = item.slice(slash + 1);
      if (!/^[0-9]+$/.test(stepText)) throw fieldError(spec, text, `invalid step '${stepText}'`);
      step = Number(stepText);
      if (step === 0) throw fieldError(spec, text, "step must be at least 1");
      body = item.slice(0, slash);
    }
    let first: number;
    let last: number;
    if (body === "*") {
      first = spec.min;
      last = spec.max;
    } else if (body.indexOf("-") > 0) {
      const dash = body.indexOf("-");
      first = parseValue(spec, body.slice(0, dash), text);
      last = parseValue(spec, body.slice(dash + 1), text);
    } else {
      first = parseValue(spec, body, text);
      // NCrontab: `a/n` means from a to the field's maximum, every n.
      last = step === undefined ? first : spec.max;
    }
    for (const v of [first, last]) {
      if (v < spec.min || v > spec.max) {
        throw fieldError(spec, text, `${v} is outside ${spec.min}-${spec.max}`);
      }
    }
    if (first > last) throw fieldError(spec, text, `range ${first}-${last} is reversed`);
    for (let v = first; v <= last; v += step ?? 1) values.add(v);
  }
  return values;
}

/**
 * Parses an NCRONTAB expression. `fields`: 6 (with seconds, the Functions format), 5 (classic crontab,
 * seconds = 0), or "auto" (by token count).
 */
export function parseNcrontab(expression: string, fields: 5 | 6 | "auto" = 6): CronSchedule {
  const tokens = expression.trim().split(/\s+/).filter(Boolean);
  const count = fields === "auto" ? tokens.length : fields;
  if (tokens.length !== count || (count !== 5 && count !== 6)) {
    const want =
      fields === 5
        ? "5 components (minutes, hours, days, months, days of week)"
        : fields === 6
          ? "6 components (seconds, minutes, hours, days, months, days of week)"
          : "5 or 6 components";
    throw new NcrontabError(`'${expression}' is an invalid crontab expression. It must contain ${want}.`);
  }
  const withSeconds = count === 6;
  const t = withSeconds ? tokens : ["0", ...tokens];
  const seconds = parseField(SECOND, t[0]!);
  const minutes = parseField(MINUTE, t[1]!);
  const hours = parseField(HOUR, t[2]!);
  const days = parseField(DAY, t[3]!);
  const months = parseField(MONTH, t[4]!);
  const daysOfWeek = parseField(DAY_OF_WEEK, t[5]!);

  return {
    kind: "cron",
    expression,
    includesSeconds: withSeconds,
    nextOccurrence(after: Date): Date | undefined {
      // Strictly after `after`, at whole-second resolution.
      let t = Math.floor(after.getTime() / 1000) * 1000 + 1000;
      const limitYear = new Date(t).getUTCFullYear() + SEARCH_YEARS;
      for (;;) {
        const d = new Date(t);
        const year = d.getUTCFullYear();
        if (year > limitYear) return undefined;
        const month = d.getUTCMonth(); // 0-based
        if (!months.has(month + 1)) {
          t = Date.UTC(year, month + 1, 1);
          continue;
        }
        if (!days.has(d.getUTCDate()) || !daysOfWeek.has(d.getUTCDay())) {
          t = Date.UTC(year, month, d.getUTCDate() + 1);
          continue;
        }
        if (!hours.has(d.getUTCHours())) {
          t = Date.UTC(year, month, d.getUTCDate(), d.getUTCHours() + 1);
          continue;
        }
        if (!minutes.has(d.getUTCMinutes())) {
          t = Date.UTC(year, month, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes() + 1);
          continue;
        }
        if (!seconds.has(d.getUTCSeconds())) {
          t += 1000;
          continue;
        }
        return d;
      }
    },
  };
}

/** The next `count` occurrences after `after` (fewer if the schedule ends). */
export function nextOccurrences(schedule: TimerSchedule, after: Date, count: number): Date[] {
  const out: Date[] = [];
  let base = after;
  for (let i = 0; i < count; i++) {
    const next = schedule.nextOccurrence(base);
    if (!next) break;
    out.push(next);
    base = next;
  }
  return out;
}

/**
 * The Functions host's rule for a timer `schedule`: a 6-field NCRONTAB expression, else a TimeSpan
 * (constant interval, e.g. `00:00:30`), else an error naming the expression.
 */
export function parseTimerSchedule(expression: string): TimerSchedule {
  try {
    return parseNcrontab(expression, 6);
  } catch (cronError) {
    let intervalMs: number | undefined;
    try {
      intervalMs = parseTimeSpan(expression);
    } catch {
      intervalMs = undefined;
    }
    if (intervalMs !== undefined && intervalMs > 0) {
      const ms = intervalMs;
      return {
        kind: "constant",
        expression,
        intervalMs: ms,
        nextOccurrence: (after: Date) => new Date(after.getTime() + ms),
      };
    }
    const tokens = expression.trim().split(/\s+/).length;
    const hint =
      tokens === 5
        ? " The Functions host needs 6 fields (seconds first): prefix it with '0 '."
        : ` (${(cronError as Error).message})`;
    throw new NcrontabError(
      `The schedule expression '${expression}' was not recognized as a valid cron expression or timespan string.${hint}`,
    );
  }
}

/**
 * Whether the host persists the schedule status (useMonitor): not when more than one occurrence falls
 * within the next minute, or for a constant interval under a minute (TimerSchedule.Create).
 */
export function defaultUseMonitor(schedule: TimerSchedule, now: Date): boolean {
  if (schedule.kind === "constant") return schedule.intervalMs >= 60_000;
  const end = now.getTime() + 60_000;
  const occurrences = nextOccurrences(schedule, now, 2).filter((d) => d.getTime() < end);
  return occurrences.length <= 1;
}
