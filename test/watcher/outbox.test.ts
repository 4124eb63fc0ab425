import { describe, expect, it } from "vitest";
import { memoryLogger } from "../../lib/log.js";
import type { PodMessage } from "../../lib/queue/message.js";
import { watcherMetrics } from "../../lib/watcher/metrics.js";
import { Outbox } from "../../lib/watcher/outbox.js";
import { FakeClock, FakeSender } from "./support/fakes.js";

const msg = (name: string, reason: PodMessage["reason"] = "added"): PodMessage => ({
  v: 1,
  ns: "ns",
  name,
  reason,
});

function setup(maxSize = 100) {
  const clock = new FakeClock();
  const sender = new FakeSender();
  const logger = memoryLogger();
  const metrics = watcherMetrics();
  const outbox = new Outbox({
    sender,
    maxSize,
    concurrency: 4,
    retryBaseMs: 1000,
    retryMaxMs: 8000,
    clock,
    logger,
    metrics,
    random: () => 0.5,
  });
  return { clock, sender, logger, metrics, outbox };
}

describe("Outbox", () => {
  it("sends at once when the queue is up", async () => {
    const { clock, sender, outbox, metrics } = setup();
    outbox.add(msg("a"));
    outbox.add(msg("b"));
    await clock.advance(0);
    expect(sender.sent.map((m) => m.name)).toEqual(["a", "b"]);
    expect(metrics.sent.get({ reason: "added" })).toBe(2);
    expect(outbox.size).toBe(0);
  });

  it("keeps messages through an outage, backs off, and delivers the backlog on recovery", async () => {
    const { clock, sender, outbox, logger, metrics } = setup();
    sender.down = true;
    for (const n of ["a", "b", "c"]) outbox.add(msg(n));
    await clock.advance(0);
    expect(outbox.healthy).toBe(false);
    expect(outbox.size).toBe(3);
    const attemptsAfterFirst = sender.attempts;
    // Backoff: one probe at a time, not a hammering loop.
    await clock.advance(10_000);
    expect(sender.attempts - attemptsAfterFirst).toBeLessThanOrEqual(4);
    outbox.add(msg("a", "deleted")); // merges with the waiting "a"
    expect(outbox.size).toBe(3);
    sender.down = false;
    await clock.advance(10_000);
    expect(outbox.size).toBe(0);
    expect(outbox.healthy).toBe(true);
    expect(sender.sent.map((m) => `${m.name}:${m.reason}`).sort()).toEqual([
      "a:deleted",
      "b:added",
      "c:added",
    ]);
    expect(logger.events()).toContain("watcher.queue.send.failed");
    expect(logger.events()).toContain("watcher.queue.recovered");
    expect(metrics.sendFailures.total()).toBeGreaterThan(0);
    expect(metrics.backlog.get()).toBe(0);
  });

  it("drops the oldest message when full, with a log line and a metric", async () => {
    const { clock, sender, outbox, logger, metrics } = setup(3);
    sender.down = true;
    for (const n of ["a", "b", "c", "d", "e"]) outbox.add(msg(n));
    await clock.advance(0);
    expect(outbox.size).toBe(3);
    expect(metrics.dropped.total()).toBe(2);
    // a–d were in flight when the outage began; they went back in age order, so the oldest (a, b) were dropped.
    expect(
      logger.lines.filter((l) => l.event === "watcher.backlog.dropped").map((l) => l.fields.pod),
    ).toEqual(["ns/a", "ns/b"]);
    sender.down = false;
    await clock.advance(20_000);
    expect(sender.sent.map((m) => m.name).sort()).toEqual(["c", "d", "e"]);
  });

  it("drain resolves when the backlog is empty, or false at the deadline", async () => {
    const { clock, sender, outbox } = setup();
    sender.down = true;
    outbox.add(msg("a"));
    await clock.advance(0);
    const drained = outbox.drain(3000);
    await clock.advance(1500);
    sender.down = false;
    await clock.advance(1500);
    expect(await drained).toBe(true);

    sender.down = true;
    outbox.add(msg("b"));
    await clock.advance(0);
    const timedOut = outbox.drain(2000);
    await clock.advance(2000);
    expect(await timedOut).toBe(false);
  });
});
