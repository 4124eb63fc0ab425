/**
 * Loads the BUILT app the way the Functions host does — package.json "main" glob → files → require each —
 * with `@azure/functions` replaced by a recorder, and asserts exactly which functions, triggers, queue,
 * connection setting and schedule get registered. Needs `npm run build` first (npm test does).
 *
 * Why Module._load and not vi.mock: dist/ is CommonJS that Node's own `require` loads (vitest externalizes it),
 * so a vi.mock registered in this ESM test never sees those requires. Patching Module._load for the one
 * request "@azure/functions" intercepts exactly what the host's loader would resolve, and is undone afterwards.
 */
import Module, { createRequire } from "node:module";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POD_EVENTS_CONNECTION } from "../../lib/config.js";
import { POD_EVENTS_POISON_QUEUE, POD_EVENTS_QUEUE } from "../../lib/queue/message.js";

const root = resolve(__dirname, "../..");

interface Registration {
  method: string;
  name: string;
  options: Record<string, unknown>;
}

/** Files matched by package.json "main" (a glob in the last path segment, as the host supports). */
function mainFiles(): string[] {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { main?: string };
  const main = pkg.main ?? "";
  const dir = join(root, dirname(main));
  const last = main.split("/").pop() ?? "";
  const pattern = new RegExp(`^${last.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*")}$`);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => pattern.test(f))
    .sort()
    .map((f) => join(dir, f));
}

type Loader = (request: string, parent: unknown, isMain: boolean) => unknown;
const moduleInternals = Module as unknown as { _load: Loader };

const registrations: Registration[] = [];
const setupCalls: unknown[] = [];
let loadError: unknown;
let files: string[] = [];
const exportsByFile = new Map<string, Record<string, unknown>>();

beforeAll(() => {
  files = mainFiles();
  const require = createRequire(__filename);
  const real = require("@azure/functions") as Record<string, unknown>;
  const record =
    (method: string) =>
    (name: string, options: Record<string, unknown>): void => {
      registrations.push({ method, name, options });
    };
  // Every registration method of the v4 `app` namespace records instead of registering.
  const fakeApp = new Proxy(
    {},
    {
      get: (_target, property: string) =>
        property === "setup"
          ? (options: unknown) => setupCalls.push(options)
          : property === "hook"
            ? new Proxy({}, { get: () => () => ({ dispose: () => undefined }) })
            : record(property),
    },
  );
  const fake = { ...real, app: fakeApp };
  const original = moduleInternals._load;
  moduleInternals._load = function (this: unknown, request, parent, isMain) {
    if (request === "@azure/functions") return fake;
    return original.call(this, request, parent, isMain);
  };
  try {
    for (const file of files) {
      delete require.cache[file];
      exportsByFile.set(file, require(file) as Record<string, unknown>);
    }
  } catch (error) {
    loadError = error;
  } finally {
    moduleInternals._load = original;
  }
});

afterAll(() => {
  registrations.length = 0;
});

describe("built Functions app (package.json main glob)", () => {
  it("has built entry points and loads them without throwing", () => {
    expect(files.length, "no file matches package.json main: run `npm run build` first").toBeGreaterThan(0);
    expect(loadError).toBeUndefined();
  });

  it("registers exactly podEvents (queue) and reconcile (timer)", () => {
    expect(registrations.map((r) => `${r.method}:${r.name}`).sort()).toEqual([
      "storageQueue:podEvents",
      "timer:reconcile",
    ]);
  });

  it("triggers podEvents from pod-events through the identity-based connection PodEventsStorage", () => {
    const podEvents = registrations.find((r) => r.name === "podEvents")!;
    expect(podEvents).toBeDefined();
    expect(podEvents.options.queueName).toBe("pod-events");
    expect(podEvents.options.queueName).toBe(POD_EVENTS_QUEUE);
    expect(podEvents.options.queueName).not.toBe(POD_EVENTS_POISON_QUEUE);
    expect(podEvents.options.connection).toBe("PodEventsStorage");
    expect(podEvents.options.connection).toBe(POD_EVENTS_CONNECTION);
    expect(typeof podEvents.options.handler).toBe("function");
  });

  it("runs reconcile every 10 seconds and not on every scale-out", () => {
    const reconcile = registrations.find((r) => r.name === "reconcile")!;
    expect(reconcile).toBeDefined();
    expect(reconcile.options.schedule).toBe("*/10 * * * * *");
    expect(reconcile.options.runOnStartup ?? false).toBe(false);
    expect(reconcile.options.useMonitor ?? true).toBe(true);
    expect(typeof reconcile.options.handler).toBe("function");
  });

  it("registers the handlers the modules export (what unit tests call)", () => {
    const exported = [...exportsByFile.values()].flatMap((e) => Object.values(e));
    const definitions = exported.filter(
      (v): v is { name: string; handler: unknown } =>
        typeof v === "object" && v !== null && "name" in v && "handler" in v,
    );
    for (const registration of registrations) {
      const definition = definitions.find((d) => d.name === registration.name);
      expect(definition, `exported definition object for ${registration.name}`).toBeDefined();
      expect(registration.options.handler).toBe(definition!.handler);
    }
  });

  it("calls app.setup at most once", () => {
    expect(setupCalls.length).toBeLessThanOrEqual(1);
  });
});
