/** The live area: redrawn in place on a TTY, appended only on change otherwise. */
import { describe, expect, it } from "vitest";
import { createDisplay } from "../../../testground/local/display.js";

describe("createDisplay", () => {
  it("non-TTY: prints a frame only when its key changes; lines go straight out", () => {
    let out = "";
    const d = createDisplay({ write: (t) => (out += t), tty: false });
    d.frame(["a", "b"], "k1");
    d.frame(["a", "b (AGE changed)"], "k1");
    d.line("note");
    d.frame(["c"], "k2");
    expect(out).toBe("a\nb\nnote\nc\n");
  });

  it("TTY: erases the previous frame (counting wrapped lines) before redrawing, and keeps lines above it", () => {
    let out = "";
    const d = createDisplay({ write: (t) => (out += t), tty: true, columns: 20 });
    d.frame(["x".repeat(30), "y"], "k");
    out = "";
    d.line("note");
    expect(out).toBe(`\x1b[3F\x1b[Jnote\n${"x".repeat(30)}\ny\n`);
    out = "";
    d.commit();
    d.frame(["z"], "k");
    expect(out).toBe("z\n"); // a committed frame stays on screen
  });
});
