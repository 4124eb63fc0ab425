/**
 * The parent side of a queue function scaled out over several instances: one forked OS process per instance
 * (testground/local/hostWorker.ts), each with its own module state and its own queue listener, as Flex Consumption runs
 * `podEvents`. Their log lines come back into the host's log sink and their counters into the host's stats.
 * `kill(i)` is a SIGKILL (the instance's in-flight messages stay invisible until the processing visibility
 * expires); `restart(i)` starts a new instance in its place.
 *
 * Semantics: docs/local-host.md ("Several instances").
 */
import { fork, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import type { ResolvedHostSettings } from "./hostConfig.js";
import { emptyStats, type FunctionStats, type HostLogLine, type LocalHostStats } from "./hostRuntime.js";
import type {
  ParentToWorker,
  WorkerFunctionModule,
  WorkerSetupModule,
  WorkerStartMessage,
  WorkerToParent,
} from "./hostWorkerProtocol.js";

export interface InstanceInfo {
  index: number;
  pid: number | undefined;
  /** `running`, `killed` (SIGKILL, not restarted yet), `exited` (crashed or stopped). */
  state: "starting" | "running" | "killed" | "exited";
  /** How many times this slot was (re)started. */
  starts: number;
  stats: LocalHostStats;
  listenerInFlight: number;
}

export interface InstancesOptions {
  count: number;
  functionName: string;
  queueName: string;
  connection: string;
  connectionString: string;
  module: WorkerFunctionModule;
  settings: ResolvedHostSettings;
  timeScale: number;
  clockOrigin: number;
  setup?: WorkerSetupModule;
  /** Worker entry (compiled JS). Default: hostWorker.js next to this module, else dist/testground/local/hostWorker.js. */
  entry?: string;
  log: (line: HostLogLine) => void;
  onMessage?: (instanceIndex: number, payload: unknown) => void;
  /** How long an instance may take to load the bridge and start listening (real ms). Default 30 000. */
  startTimeoutMs?: number;
}

/** The compiled worker: next to this module when running from dist/, else the repository's dist/. */
export function defaultWorkerEntry(): string {
  const here = join(__dirname, "hostWorker.js");
  if (existsSync(here)) return here;
  let dir = __dirname;
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, "package.json")))
      return join(dir, "dist", "testground", "local", "hostWorker.js");
    dir = dirname(dir);
  }
  return here;
}

interface Slot extends InstanceInfo {
  child: ChildProcess | undefined;
  /** Counters of earlier processes in this slot (a killed instance's work still happened). */
  retired: LocalHostStats;
  stopped?: Promise<number>;
}

function addStats(into: LocalHostStats, from: LocalHostStats, includeInFlight: boolean): void {
  const add = (a: FunctionStats, b: FunctionStats) => {
    a.invocations += b.invocations;
    a.succeeded += b.succeeded;
    a.failures += b.failures;
    a.timeouts += b.timeouts;
    if (includeInFlight) a.inFlight += b.inFlight;
    a.maxInFlight = Math.max(a.maxInFlight, b.maxInFlight);
  };
  add(into, from);
  into.poisoned += from.poisoned;
  into.decodeFailures += from.decodeFailures;
  into.timerRuns += from.timerRuns;
  for (const [name, fs] of Object.entries(from.byFunction)) {
    const target = (into.byFunction[name] ??= {
      invocations: 0,
      succeeded: 0,
      failures: 0,
      timeouts: 0,
      inFlight: 0,
      maxInFlight: 0,
    });
    add(target, fs);
  }
}

export class QueueInstances {
  readonly #slots: Slot[] = [];
  readonly #entry: string;
  /** Largest number of invocations running at once across all instances. */
  #maxInFlight = 0;
  #stopping = false;

  constructor(private readonly options: InstancesOptions) {
    if (!Number.isInteger(options.count) || options.count < 1) {
      throw new Error("the number of queue instances must be an integer >= 1");
    }
    this.#entry = options.entry ?? defaultWorkerEntry();
    if (!existsSync(this.#entry)) {
      throw new Error(`the host's worker entry ${this.#entry} is missing: run npm run build first`);
    }
    for (let index = 0; index < options.count; index++) {
      this.#slots.push({
        index,
        pid: undefined,
        state: "exited",
        starts: 0,
        stats: emptyStats(),
        listenerInFlight: 0,
        child: undefined,
        retired: emptyStats(),
      });
    }
  }

  get count(): number {
    return this.#slots.length;
  }

  async startAll(): Promise<void> {
    await Promise.all(this.#slots.map((s) => this.#start(s)));
  }

  info(): InstanceInfo[] {
    return this.#slots.map(({ index, pid, state, starts, stats, listenerInFlight }) => ({
      index,
      pid,
      state,
      starts,
      stats,
      listenerInFlight,
    }));
  }

  /** Messages held or invocations running in any live instance. */
  get busy(): boolean {
    return this.#slots.some((s) => s.state === "running" && (s.listenerInFlight > 0 || s.stats.inFlight > 0));
  }

  get maxInFlight(): number {
    return this.#maxInFlight;
  }

  /** Every instance's counters, current and retired processes alike (in-flight only for live ones). */
  addStatsTo(into: LocalHostStats): void {
    for (const s of this.#slots) {
      addStats(into, s.retired, false);
      addStats(into, s.stats, s.state === "running");
    }
  }

  /** SIGKILL: no stop, no completion; its messages reappear after the processing visibility. */
  kill(index: number): void {
    const slot = this.#slot(index);
    if (slot.state !== "running" && slot.state !== "starting") return;
    slot.state = "killed";
    slot.child?.kill("SIGKILL");
    this.#retire(slot);
  }

  /** A new instance in slot `index` (fresh process, fresh module state). Kills the current one if alive. */
  async restart(index: number): Promise<void> {
    const slot = this.#slot(index);
    if (slot.state === "running" || slot.state === "starting") this.kill(index);
    await this.#start(slot);
  }

  send(payload: unknown, index?: number): void {
    for (const s of this.#slots) {
      if (index !== undefined && s.index !== index) continue;
      if (s.state === "running" && s.child?.connected) {
        s.child.send({ type: "custom", payload } satisfies ParentToWorker);
      }
    }
  }

  /** Stops every live instance (each waits up to `timeoutMs` for its invocations). Returns abandoned ones. */
  async stop(timeoutMs: number): Promise<number> {
    this.#stopping = true;
    const counts = await Promise.all(
      this.#slots.map((slot) => {
        const child = slot.child;
        if (!child || (slot.state !== "running" && slot.state !== "starting")) return Promise.resolve(0);
        slot.stopped ??= new Promise<number>((resolve) => {
          let abandoned = 0;
          const hardStop = setTimeout(() => child.kill("SIGKILL"), timeoutMs + 5_000);
          child.on("message", (m: WorkerToParent) => {
            if (m.type === "stopped") abandoned = m.abandoned;
          });
          child.once("exit", () => {
            clearTimeout(hardStop);
            resolve(abandoned);
          });
          if (child.connected) child.send({ type: "stop", timeoutMs } satisfies ParentToWorker);
          else child.kill("SIGKILL");
        });
        return slot.stopped;
      }),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  #slot(index: number): Slot {
    const slot = this.#slots[index];
    if (!slot) throw new Error(`no instance ${index} (there are ${this.#slots.length})`);
    return slot;
  }

  /** Moves a dead process's counters aside so the slot's next process starts from zero. */
  #retire(slot: Slot): void {
    addStats(slot.retired, slot.stats, false);
    slot.stats = emptyStats();
    slot.listenerInFlight = 0;
  }

  #start(slot: Slot): Promise<void> {
    if (this.#stopping) return Promise.resolve();
    const o = this.options;
    const child = fork(this.#entry, [], {
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      env: process.env,
    });
    slot.child = child;
    slot.pid = child.pid;
    slot.state = "starting";
    slot.starts++;
    slot.stopped = undefined;
    const start: WorkerStartMessage = {
      type: "start",
      instanceIndex: slot.index,
      functionName: o.functionName,
      queueName: o.queueName,
      connection: o.connection,
      connectionString: o.connectionString,
      queues: o.settings.queues,
      functionTimeoutMs: o.settings.functionTimeoutMs,
      timeScale: o.timeScale,
      clockOrigin: o.clockOrigin,
      module: o.module,
      ...(o.setup ? { setup: o.setup } : {}),
    };
    return new Promise<void>((resolve, reject) => {
      const timeout = setTimeout(() => {
        child.kill("SIGKILL");
        reject(
          new Error(`queue instance ${slot.index} did not start within ${o.startTimeoutMs ?? 30_000} ms`),
        );
      }, o.startTimeoutMs ?? 30_000);
      child.on("message", (m: WorkerToParent) => {
        if (slot.child !== child) return; // a late line from a replaced process
        // A killed process's last messages may still be in the pipe: its lines happened, its counters are
        // already retired (taking them again would lose or double them).
        if (slot.state === "killed" && m.type !== "log") return;
        switch (m.type) {
          case "ready":
            slot.state = "running";
            clearTimeout(timeout);
            resolve();
            break;
          case "log":
            o.log({ ...m.line, instance: slot.index });
            break;
          case "status": {
            slot.stats = m.stats;
            slot.listenerInFlight = m.listenerInFlight;
            const total = this.#slots.reduce((n, s) => n + (s.state === "running" ? s.stats.inFlight : 0), 0);
            this.#maxInFlight = Math.max(this.#maxInFlight, total);
            break;
          }
          case "custom":
            o.onMessage?.(slot.index, m.payload);
            break;
          case "fatal":
            clearTimeout(timeout);
            o.log({
              time: new Date(),
              level: "error",
              category: "Host",
              functionName: o.functionName,
              instance: slot.index,
              message: `Queue instance ${slot.index} failed to start: ${m.message}`,
            });
            reject(new Error(`queue instance ${slot.index} failed to start: ${m.message.split("\n")[0]}`));
            break;
          case "stopped":
            break;
        }
      });
      child.once("exit", (code, signal) => {
        clearTimeout(timeout);
        if (slot.child !== child) return;
        if (slot.state === "running" || slot.state === "starting") {
          if (!this.#stopping) {
            o.log({
              time: new Date(),
              level: "warning",
              category: "Host",
              functionName: o.functionName,
              instance: slot.index,
              message: `Queue instance ${slot.index} (pid ${child.pid}) exited (${signal ?? `code ${code}`}).`,
            });
          }
          slot.state = "exited";
          this.#retire(slot);
        }
        reject(new Error(`queue instance ${slot.index} exited before it was ready`));
      });
      child.send(start satisfies ParentToWorker);
    });
  }
}
