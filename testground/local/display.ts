/**
 * Terminal output of the local stack: log lines, and a "live area" (the pod and group tables) that is redrawn in
 * place on a TTY (ANSI: cursor up, erase down) and appended as plain snapshots otherwise — only when its content
 * changed, so a log file or CI output shows each state once.
 */

export interface Display {
  /** A line printed above the live area (it stays). */
  line(text: string): void;
  /** Replaces the live area. `key` identifies the content without clocks (AGE): non-TTY output prints on change. */
  frame(lines: readonly string[], key: string): void;
  /** Leaves the current live area on screen; the next frame starts below it. */
  commit(): void;
}

export interface DisplayOptions {
  write: (text: string) => void;
  /** Redraw in place (ANSI). */
  tty: boolean;
  /** Terminal width, for counting wrapped lines when redrawing. Default 120. */
  columns?: number;
}

export function createDisplay(options: DisplayOptions): Display {
  const { write, tty } = options;
  const columns = Math.max(20, options.columns ?? 120);
  let drawn: readonly string[] = [];
  let lastKey: string | undefined;
  const rows = (lines: readonly string[]) =>
    lines
      .flatMap((l) => l.split("\n"))
      .reduce((n, l) => n + Math.max(1, Math.ceil(visibleLength(l) / columns)), 0);
  const erase = () => {
    const n = rows(drawn);
    if (n > 0) write(`\x1b[${n}F\x1b[J`);
  };
  const draw = (lines: readonly string[]) => {
    if (lines.length) write(`${lines.join("\n")}\n`);
  };
  return {
    line(text) {
      // Multi-line text (host lines can hold several) is written as is; only the live area is counted.
      if (tty) {
        erase();
        write(`${text}\n`);
        draw(drawn);
      } else {
        write(`${text}\n`);
      }
    },
    frame(lines, key) {
      if (tty) {
        erase();
        drawn = [...lines];
        draw(drawn);
        return;
      }
      if (key === lastKey) return;
      lastKey = key;
      draw(lines);
    },
    commit() {
      drawn = [];
      lastKey = undefined;
    },
  };
}

function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "").length;
}
