/**
 * A test-side stand-in for Helm's renderer: Go `text/template` plus the Sprig/Helm functions the
 * aci-bridge-watcher chart uses, and no more. `helm` cannot be installed here (FACTS), so this keeps chart
 * tests meaningful; where it cannot be faithful it throws ("unsupported …") instead of guessing, so a
 * template that strays outside the subset fails the tests rather than rendering something Helm would not.
 *
 * Supported: text with `{{- … -}}` trimming and comments; `if/else if/else`, `with/else`, `define`, `end`;
 * variables (`$x := …`, `$`), fields (`.A.b`, `$x.a`), parenthesised pipelines, string/number/bool/nil
 * literals; functions: include, required, fail, default, toYaml, nindent, indent, quote, b64enc, trunc,
 * trimSuffix, contains, replace, printf (%s %d %v %q), print, join, index, int, eq, ne, gt, lt, ge, le, and,
 * or, not, empty. Field access on a missing value is an error, as in Helm ("nil pointer evaluating").
 */
import { stringify } from "yaml";

type Value = unknown;

interface TextNode {
  kind: "text";
  text: string;
}
interface ActionNode {
  kind: "action";
  pipe: Pipeline;
}
interface IfNode {
  kind: "if" | "with";
  branches: { cond: Pipeline; body: Node[] }[];
  otherwise: Node[];
}
type Node = TextNode | ActionNode | IfNode;

interface Pipeline {
  decl?: { name: string; assign: boolean };
  cmds: Operand[][];
}
type Operand =
  | { t: "lit"; v: Value }
  | { t: "field"; /** "dot" or a variable name such as "$" or "$x" */ base: string; path: string[] }
  | { t: "fn"; name: string }
  | { t: "sub"; pipe: Pipeline; path: string[] };

export class TemplateError extends Error {}

// ---------------------------------------------------------------- lexing

interface RawAction {
  text: string;
  file: string;
}
type Piece = { kind: "text"; text: string } | { kind: "action"; action: RawAction };

function lex(src: string, file: string): Piece[] {
  const pieces: Piece[] = [];
  let i = 0;
  let trimNext = false;
  while (i < src.length) {
    const open = src.indexOf("{{", i);
    let text = open === -1 ? src.slice(i) : src.slice(i, open);
    if (trimNext) text = text.replace(/^\s+/, "");
    trimNext = false;
    if (open === -1) {
      pieces.push({ kind: "text", text });
      break;
    }
    let start = open + 2;
    if (src[start] === "-" && /\s/.test(src[start + 1] ?? "")) {
      text = text.replace(/\s+$/, "");
      start += 2;
    }
    pieces.push({ kind: "text", text });
    // Find the closing braces outside string literals.
    let j = start;
    let inStr: string | undefined;
    for (; j < src.length; j++) {
      const c = src[j];
      if (inStr) {
        if (c === "\\" && inStr === '"') j++;
        else if (c === inStr) inStr = undefined;
      } else if (c === '"' || c === "`") inStr = c;
      else if (c === "}" && src[j + 1] === "}") break;
    }
    if (j >= src.length) throw new TemplateError(`${file}: unclosed action`);
    let end = j;
    if (src[end - 1] === "-" && /\s/.test(src[end - 2] ?? "")) {
      trimNext = true;
      end -= 2;
    }
    const body = src.slice(start, end).trim();
    if (!(body.startsWith("/*") && body.endsWith("*/")))
      pieces.push({ kind: "action", action: { text: body, file } });
    i = j + 2;
  }
  return pieces;
}

function tokenize(s: string, file: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < s.length && s[j] !== '"') j += s[j] === "\\" ? 2 : 1;
      tokens.push(s.slice(i, j + 1));
      i = j + 1;
    } else if (c === "`") {
      const j = s.indexOf("`", i + 1);
      tokens.push(s.slice(i, j + 1));
      i = j + 1;
    } else if ("()|".includes(c)) {
      tokens.push(c);
      i++;
      // `(pipeline).Field` (no space) chains a field; `(pipeline) .Field` is a separate argument.
      const chained = c === ")" ? /^\.[A-Za-z_][\w.]*/.exec(s.slice(i)) : null;
      if (chained) {
        tokens.push("@" + chained[0]);
        i += chained[0].length;
      }
    } else if (s.startsWith(":=", i)) {
      tokens.push(":=");
      i += 2;
    } else if (c === "=") {
      tokens.push("=");
      i++;
    } else {
      const m = /^[A-Za-z0-9_.$+-]+/.exec(s.slice(i));
      if (!m) throw new TemplateError(`${file}: unexpected "${c}" in {{ ${s} }}`);
      tokens.push(m[0]);
      i += m[0].length;
    }
  }
  return tokens;
}

// ---------------------------------------------------------------- parsing

class Parser {
  private pos = 0;
  constructor(
    private readonly toks: string[],
    private readonly file: string,
  ) {}

  pipeline(): Pipeline {
    const p: Pipeline = { cmds: [] };
    if (
      this.toks[this.pos]?.startsWith("$") &&
      (this.toks[this.pos + 1] === ":=" || this.toks[this.pos + 1] === "=")
    ) {
      p.decl = { name: this.toks[this.pos]!, assign: this.toks[this.pos + 1] === "=" };
      this.pos += 2;
    }
    let cmd: Operand[] = [];
    while (this.pos < this.toks.length && this.toks[this.pos] !== ")") {
      const tok = this.toks[this.pos]!;
      if (tok === "|") {
        this.pos++;
        p.cmds.push(cmd);
        cmd = [];
        continue;
      }
      cmd.push(this.operand());
    }
    p.cmds.push(cmd);
    if (p.cmds.some((c) => c.length === 0))
      throw new TemplateError(`${this.file}: empty command in pipeline`);
    return p;
  }

  done(): boolean {
    return this.pos >= this.toks.length;
  }

  private operand(): Operand {
    const tok = this.toks[this.pos++]!;
    if (tok === "(") {
      const pipe = this.pipeline();
      if (this.toks[this.pos++] !== ")") throw new TemplateError(`${this.file}: missing )`);
      const path: string[] = [];
      if (this.toks[this.pos]?.startsWith("@.")) path.push(...this.toks[this.pos++]!.slice(2).split("."));
      return { t: "sub", pipe, path };
    }
    if (tok.startsWith('"')) return { t: "lit", v: JSON.parse(tok) as string };
    if (tok.startsWith("`")) return { t: "lit", v: tok.slice(1, -1) };
    if (/^-?\d+(\.\d+)?$/.test(tok)) return { t: "lit", v: Number(tok) };
    if (tok === "true" || tok === "false") return { t: "lit", v: tok === "true" };
    if (tok === "nil") return { t: "lit", v: null };
    if (tok === ".") return { t: "field", base: "dot", path: [] };
    if (tok.startsWith(".")) return { t: "field", base: "dot", path: tok.slice(1).split(".") };
    if (tok.startsWith("$")) {
      const [name, ...path] = tok.split(".");
      return { t: "field", base: name!, path };
    }
    if (/^[A-Za-z_]\w*$/.test(tok)) return { t: "fn", name: tok };
    throw new TemplateError(`${this.file}: cannot parse "${tok}"`);
  }
}

function parsePipeline(text: string, file: string): Pipeline {
  const p = new Parser(tokenize(text, file), file);
  const pipe = p.pipeline();
  if (!p.done()) throw new TemplateError(`${file}: unexpected ) in {{ ${text} }}`);
  return pipe;
}

export interface ParsedTemplate {
  nodes: Node[];
  defines: Map<string, Node[]>;
}

export function parseTemplate(src: string, file: string): ParsedTemplate {
  const pieces = lex(src, file);
  const defines = new Map<string, Node[]>();
  let idx = 0;
  // Parses nodes until one of `stops` (an action keyword) and returns which one ended the list.
  const parseList = (stops: string[]): { nodes: Node[]; stop: string; rest: string } => {
    const nodes: Node[] = [];
    while (idx < pieces.length) {
      const piece = pieces[idx++]!;
      if (piece.kind === "text") {
        if (piece.text) nodes.push({ kind: "text", text: piece.text });
        continue;
      }
      const text = piece.action.text;
      const word = /^[a-z]+/.exec(text)?.[0] ?? "";
      const rest = text.slice(word.length).trim();
      if (stops.includes(word)) return { nodes, stop: word, rest };
      if (word === "if" || word === "with") {
        const node: IfNode = { kind: word, branches: [], otherwise: [] };
        let cond = parsePipeline(rest, file);
        for (;;) {
          const r = parseList(["else", "end"]);
          node.branches.push({ cond, body: r.nodes });
          if (r.stop === "end") break;
          if (r.rest.startsWith("if ") && word === "if") {
            cond = parsePipeline(r.rest.slice(3), file);
            continue;
          }
          if (r.rest) throw new TemplateError(`${file}: unsupported else clause "${r.rest}"`);
          const e = parseList(["end"]);
          node.otherwise = e.nodes;
          break;
        }
        nodes.push(node);
      } else if (word === "define") {
        const name = JSON.parse(rest) as string;
        const r = parseList(["end"]);
        defines.set(name, r.nodes);
      } else if (["range", "block", "template", "break", "continue"].includes(word)) {
        throw new TemplateError(
          `${file}: unsupported action "${word}" (extend test/chart/gotemplate.ts first)`,
        );
      } else {
        nodes.push({ kind: "action", pipe: parsePipeline(text, file) });
      }
    }
    if (stops.length) throw new TemplateError(`${file}: missing {{ end }}`);
    return { nodes, stop: "", rest: "" };
  };
  const { nodes } = parseList([]);
  return { nodes, defines };
}

// ---------------------------------------------------------------- evaluation

export function isEmpty(v: Value): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === "") return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === "object") return Object.keys(v).length === 0;
  return false;
}

function toText(v: Value): string {
  if (v === undefined || v === null) return ""; // Helm turns "<no value>" into ""
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  throw new TemplateError(`cannot print a ${Array.isArray(v) ? "list" : "map"} directly (use toYaml)`);
}

function indentText(n: number, s: string): string {
  const pad = " ".repeat(n);
  return pad + s.replace(/\n/g, "\n" + pad);
}

function goPrintf(format: string, args: Value[]): string {
  let i = 0;
  return format.replace(/%([sdvq%])/g, (_m, verb: string) => {
    if (verb === "%") return "%";
    const a = args[i++];
    if (verb === "d") return String(Math.trunc(Number(a)));
    if (verb === "q") return JSON.stringify(toText(a));
    return toText(a);
  });
}

class Scope {
  private readonly vars: Map<string, Value>[] = [new Map()];
  constructor(root: Value) {
    this.vars[0]!.set("$", root);
  }
  push(): void {
    this.vars.push(new Map());
  }
  pop(): void {
    this.vars.pop();
  }
  declare(name: string, v: Value): void {
    this.vars[this.vars.length - 1]!.set(name, v);
  }
  assign(name: string, v: Value): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.has(name)) {
        this.vars[i]!.set(name, v);
        return;
      }
    }
    throw new TemplateError(`undefined variable ${name}`);
  }
  get(name: string): Value {
    for (let i = this.vars.length - 1; i >= 0; i--)
      if (this.vars[i]!.has(name)) return this.vars[i]!.get(name);
    throw new TemplateError(`undefined variable ${name}`);
  }
}

export class Renderer {
  private readonly defines = new Map<string, Node[]>();

  addDefines(t: ParsedTemplate): void {
    for (const [k, v] of t.defines) this.defines.set(k, v);
  }

  render(nodes: Node[], dot: Value, root: Value): string {
    return this.exec(nodes, dot, new Scope(root));
  }

  private exec(nodes: Node[], dot: Value, scope: Scope): string {
    let out = "";
    for (const n of nodes) {
      if (n.kind === "text") out += n.text;
      else if (n.kind === "action") {
        const v = this.pipeline(n.pipe, dot, scope);
        if (!n.pipe.decl) out += toText(v);
      } else {
        let taken = false;
        for (const b of n.branches) {
          scope.push();
          const v = this.pipeline(b.cond, dot, scope);
          if (!isEmpty(v)) {
            out += this.exec(b.body, n.kind === "with" ? v : dot, scope);
            taken = true;
          }
          scope.pop();
          if (taken) break;
        }
        if (!taken) out += this.exec(n.otherwise, dot, scope);
      }
    }
    return out;
  }

  private pipeline(p: Pipeline, dot: Value, scope: Scope): Value {
    let prev: Value;
    let hasPrev = false;
    for (const cmd of p.cmds) {
      prev = this.command(cmd, dot, scope, hasPrev ? [prev] : []);
      hasPrev = true;
    }
    if (p.decl) {
      if (p.decl.assign) scope.assign(p.decl.name, prev);
      else scope.declare(p.decl.name, prev);
    }
    return prev;
  }

  private command(cmd: Operand[], dot: Value, scope: Scope, piped: Value[]): Value {
    const head = cmd[0]!;
    if (head.t === "fn") {
      const args = cmd.slice(1).map((o) => this.operand(o, dot, scope));
      return this.call(head.name, [...args, ...piped], dot);
    }
    if (cmd.length > 1 || piped.length) throw new TemplateError("can't give argument to non-function");
    return this.operand(head, dot, scope);
  }

  private operand(o: Operand, dot: Value, scope: Scope): Value {
    switch (o.t) {
      case "lit":
        return o.v;
      case "fn":
        return this.call(o.name, [], dot);
      case "sub":
        return walk(this.pipeline(o.pipe, dot, scope), o.path);
      case "field":
        return walk(o.base === "dot" ? dot : scope.get(o.base), o.path);
    }
  }

  private call(name: string, a: Value[], dot: Value): Value {
    const str = (i: number) => toText(a[i]);
    switch (name) {
      case "include": {
        const body = this.defines.get(String(a[0]));
        if (!body) throw new TemplateError(`no template "${String(a[0])}"`);
        return this.exec(body, a[1], new Scope(a[1]));
      }
      case "required":
        if (a[1] === undefined || a[1] === null || a[1] === "")
          throw new TemplateError(`execution error: ${str(0)}`);
        return a[1];
      case "fail":
        throw new TemplateError(`execution error: ${str(0)}`);
      case "default":
        return a.length < 2 || isEmpty(a[1]) ? a[0] : a[1];
      case "empty":
        return isEmpty(a[0]);
      case "toYaml":
        return a[0] === undefined || a[0] === null
          ? "null"
          : stringify(a[0], { sortMapEntries: true }).replace(/\n$/, "");
      case "nindent":
        return "\n" + indentText(Number(a[0]), str(1));
      case "indent":
        return indentText(Number(a[0]), str(1));
      case "quote":
        return a
          .filter((v) => v !== undefined && v !== null)
          .map((v) => JSON.stringify(toText(v)))
          .join(" ");
      case "b64enc":
        return Buffer.from(str(0), "utf8").toString("base64");
      case "trunc": {
        const n = Number(a[0]);
        const s = str(1);
        return n >= 0 ? s.slice(0, n) : s.slice(n);
      }
      case "trimSuffix":
        return str(1).endsWith(str(0)) ? str(1).slice(0, str(1).length - str(0).length) : str(1);
      case "contains":
        return str(1).includes(str(0));
      case "replace":
        return str(2).split(str(0)).join(str(1));
      case "printf":
        return goPrintf(str(0), a.slice(1));
      case "print":
        return a.map(toText).join("");
      case "join":
        if (!Array.isArray(a[1])) throw new TemplateError("join: not a list");
        return a[1].map(toText).join(str(0));
      case "index": {
        let v = a[0];
        for (const k of a.slice(1)) v = (v as Record<string, Value> | Value[] | undefined)?.[k as never];
        return v;
      }
      case "int":
        return Math.trunc(Number(a[0] ?? 0)) || 0;
      case "eq":
        return a.slice(1).some((b) => b === a[0]);
      case "ne":
        return a[0] !== a[1];
      case "gt":
        return Number(a[0]) > Number(a[1]);
      case "lt":
        return Number(a[0]) < Number(a[1]);
      case "ge":
        return Number(a[0]) >= Number(a[1]);
      case "le":
        return Number(a[0]) <= Number(a[1]);
      case "and":
        return a.find((v) => isEmpty(v)) ?? a[a.length - 1];
      case "or":
        return a.find((v) => !isEmpty(v)) ?? a[a.length - 1];
      case "not":
        return isEmpty(a[0]);
      default:
        void dot;
        throw new TemplateError(`function "${name}" not defined (not in the stand-in's subset)`);
    }
  }
}

function walk(v: Value, path: string[]): Value {
  let cur = v;
  for (const key of path) {
    if (cur === undefined || cur === null)
      throw new TemplateError(`nil pointer evaluating interface {}.${key}`);
    if (typeof cur !== "object") throw new TemplateError(`can't evaluate field ${key} in type ${typeof cur}`);
    cur = (cur as Record<string, Value>)[key];
  }
  return cur;
}
