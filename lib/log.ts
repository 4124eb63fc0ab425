/**
 * Structured logging with stable event names. Every line is `<event> <json fields>` in the Functions
 * (docs/architecture.md#platform-facts: Application Insights gets `context.log` text, so KQL parses the JSON after the name) and one JSON
 * object per line in the watcher and the local stack. Event names come from the catalog in `lib/events`.
 */
import type { EventName } from "./events/index.js";
import type { EventLevel } from "./events/types.js";

export type LogFields = Record<string, unknown>;

export interface Logger {
  info(event: EventName, fields?: LogFields): void;
  warn(event: EventName, fields?: LogFields): void;
  error(event: EventName, fields?: LogFields): void;
}

/** `cg.create.failed {"pod":"default/web-0","status":429}` — the format alerts parse. */
export function formatEventLine(event: string, fields: LogFields = {}): string {
  return `${event} ${safeJson(fields)}`;
}

function safeJson(fields: LogFields): string {
  try {
    return JSON.stringify(fields, (_key, value: unknown) =>
      value instanceof Error ? { name: value.name, message: value.message } : value,
    );
  } catch {
    return '{"unserializable":true}';
  }
}

/** The sink a Functions `InvocationContext` offers (kept structural so lib/ does not import @azure/functions). */
export interface InvocationLogSink {
  log(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

export function invocationLogger(context: InvocationLogSink, base: LogFields = {}): Logger {
  const emit = (level: EventLevel) => (event: EventName, fields?: LogFields) => {
    const line = formatEventLine(event, { ...base, ...fields });
    if (level === "error") context.error(line);
    else if (level === "warn") context.warn(line);
    else context.log(line);
  };
  return { info: emit("info"), warn: emit("warn"), error: emit("error") };
}

/** One JSON object per line on stdout (watcher, local stack): `{"time","level","event",...fields}`. */
export function jsonLineLogger(
  write: (line: string) => void = (line) => process.stdout.write(line + "\n"),
  now: () => Date = () => new Date(),
  base: LogFields = {},
): Logger {
  const emit = (level: EventLevel) => (event: EventName, fields?: LogFields) => {
    write(safeJson({ time: now().toISOString(), level, event, ...base, ...fields }));
  };
  return { info: emit("info"), warn: emit("warn"), error: emit("error") };
}

export interface RecordedLogLine {
  level: EventLevel;
  event: EventName;
  fields: LogFields;
}

/** A logger that keeps lines in memory, for tests. */
export function memoryLogger(): Logger & { lines: RecordedLogLine[]; events(): EventName[] } {
  const lines: RecordedLogLine[] = [];
  const emit =
    (level: EventLevel) =>
    (event: EventName, fields: LogFields = {}) => {
      lines.push({ level, event, fields });
    };
  return {
    lines,
    events: () => lines.map((l) => l.event),
    info: emit("info"),
    warn: emit("warn"),
    error: emit("error"),
  };
}
