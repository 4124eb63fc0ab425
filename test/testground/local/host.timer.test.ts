/**
 * The local Functions host's timer trigger: one run at a time, catch-up after an overrun instead of a
 * burst, runOnStartup, the Timer object, runTimerNow, stop.
 */
import type { Timer } from "@azure/functions";
import { afterEach, describe, expect, it } from "vitest";
import { startLocalHost, type HostLogLine, type LocalHost } from "../../../testground/local/host.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const hosts: LocalHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.stop()));
});

describe("local host: timer trigger", () => {
  it("never overlaps a slow run with the next occurrence, and catches up once instead of bursting", async () => {
    const runs: { start: number; end: number; timer: Timer }[] = [];
    let running = 0;
    let maxRunning = 0;
    const lines: HostLogLine[] = [];
    const host = await startLocalHost({
      hostJson: {},
      connections: {},
      timeScale: 10, // every host second = 100 ms real
      timerFunctions: [
        {
          name: "reconcile",
          schedule: "* * * * * *",
          handler: async (timer) => {
            running++;
            maxRunning = Math.max(maxRunning, running);
            const start = Date.now();
            await sleep(250); // overruns two occurrences
            running--;
            runs.push({ start, end: Date.now(), timer });
          },
        },
      ],
      log: (l) => lines.push(l),
    });
    hosts.push(host);
    await sleep(1300);
    await host.stop();

    expect(maxRunning).toBe(1);
    expect(runs.length).toBeGreaterThanOrEqual(3);
    // Back to back (stop() lets the last one finish): ≤ (1300 + 250) / 250, not one per 100 ms.
    expect(runs.length).toBeLessThanOrEqual(6);
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.start).toBeGreaterThanOrEqual(runs[i - 1]!.end);
    // A sub-minute schedule has no schedule monitor: Azure passes scheduleStatus null.
    expect(runs[0]!.timer).toEqual({
      schedule: { adjustForDST: true },
      scheduleStatus: null,
      isPastDue: false,
    });
    expect(host.stats.timerRuns).toBe(runs.length);
    expect(
      lines.some((l) =>
        /^Executing 'Functions\.reconcile' \(Reason='Timer fired at .*', Id=/.test(l.message),
      ),
    ).toBe(true);
    expect(
      lines.some((l) =>
        l.message.startsWith(
          "The next 5 occurrences of the 'reconcile' schedule (Cron: '* * * * * *') will be:",
        ),
      ),
    ).toBe(true);
  });

  it("runs on startup once, with the schedule status of a monitored schedule", async () => {
    const timers: Timer[] = [];
    const lines: HostLogLine[] = [];
    const host = await startLocalHost({
      hostJson: {},
      connections: {},
      timerFunctions: [
        {
          name: "hourly",
          schedule: "0 0 * * * *",
          runOnStartup: true,
          handler: async (t) => void timers.push(t),
        },
      ],
      log: (l) => lines.push(l),
    });
    hosts.push(host);
    await sleep(200);
    expect(timers).toHaveLength(1);
    expect(timers[0]!.isPastDue).toBe(false);
    expect(timers[0]!.scheduleStatus).toMatchObject({
      last: "0001-01-01T00:00:00",
      lastUpdated: "0001-01-01T00:00:00",
    });
    expect(new Date(timers[0]!.scheduleStatus.next).getUTCMinutes()).toBe(0);
    expect(
      lines.some((l) => l.message === "Trigger Details: UnscheduledInvocationReason: RunOnStartup"),
    ).toBe(true);
  });

  it("runTimerNow waits for a running invocation instead of overlapping it", async () => {
    let running = 0;
    let maxRunning = 0;
    let calls = 0;
    const host = await startLocalHost({
      hostJson: {},
      connections: {},
      timerFunctions: [
        {
          name: "reconcile",
          schedule: "0 0 0 1 1 *",
          handler: async () => {
            calls++;
            running++;
            maxRunning = Math.max(maxRunning, running);
            await sleep(100);
            running--;
          },
        },
      ],
      log: () => {},
    });
    hosts.push(host);
    await Promise.all([host.runTimerNow("reconcile"), host.runTimerNow("reconcile")]);
    expect(calls).toBe(2);
    expect(maxRunning).toBe(1);
    await expect(host.runTimerNow("nope")).rejects.toThrow(/no timer function/);
  });

  it("logs a failed run and keeps the schedule going", async () => {
    let calls = 0;
    const lines: HostLogLine[] = [];
    const host = await startLocalHost({
      hostJson: {},
      connections: {},
      timeScale: 10,
      timerFunctions: [
        {
          name: "reconcile",
          schedule: "* * * * * *",
          handler: async () => {
            calls++;
            throw new Error("arm unreachable");
          },
        },
      ],
      log: (l) => lines.push(l),
    });
    hosts.push(host);
    await sleep(450);
    await host.stop();
    expect(calls).toBeGreaterThanOrEqual(3);
    expect(host.stats.failures).toBe(calls);
    expect(lines.filter((l) => l.level === "error" && l.message.includes("(Failed, Id="))).toHaveLength(
      calls,
    );
  });

  it("refuses a 5-field schedule like the Functions host", async () => {
    await expect(
      startLocalHost({
        hostJson: {},
        connections: {},
        timerFunctions: [{ name: "t", schedule: "*/5 * * * *", handler: async () => {} }],
        log: () => {},
      }),
    ).rejects.toThrow(/was not recognized as a valid cron expression/);
  });
});
