/**
 * Pure parts of the local Functions host: NCRONTAB next occurrences, the host's schedule rules, TimeSpan
 * parsing, host.json resolution, the polling back-off and strict base64 decoding.
 */
import { describe, expect, it } from "vitest";
import { parseTimeSpan, resolveHostSettings } from "../../../testground/local/host.js";
import { formatTimeSpan } from "../../../testground/local/hostConfig.js";
import {
  RandomizedExponentialBackoff,
  decodeBase64Strict,
  poisonQueueName,
} from "../../../testground/local/hostQueue.js";
import {
  defaultUseMonitor,
  nextOccurrences,
  parseNcrontab,
  parseTimerSchedule,
} from "../../../testground/local/ncrontab.js";

const at = (iso: string) => new Date(iso);

describe("NCRONTAB next occurrence (UTC)", () => {
  // [expression, base time, expected next occurrences]
  const table: [string, string, string[]][] = [
    ["*/10 * * * * *", "2026-11-25T12:00:00.000Z", ["2026-11-25T12:00:10.000Z", "2026-11-25T12:00:20.000Z"]],
    ["*/10 * * * * *", "2026-11-25T12:00:09.999Z", ["2026-11-25T12:00:10.000Z"]],
    ["*/10 * * * * *", "2026-11-25T12:00:55.500Z", ["2026-11-25T12:01:00.000Z"]],
    ["0 */5 * * * *", "2026-11-25T18:55:00.000Z", ["2026-11-25T19:00:00.000Z", "2026-11-25T19:05:00.000Z"]],
    ["0 30 9 * * 1-5", "2026-11-27T10:00:00.000Z", ["2026-11-30T09:30:00.000Z", "2026-12-01T09:30:00.000Z"]], // Fri → Mon
    ["0 0 0 1 1 *", "2026-11-25T00:00:00.000Z", ["2027-01-01T00:00:00.000Z"]],
    ["0 0 12 * * Sun", "2026-11-25T00:00:00.000Z", ["2026-11-29T12:00:00.000Z"]],
    ["0 0 12 * Feb,mar *", "2026-11-25T00:00:00.000Z", ["2027-02-01T12:00:00.000Z"]],
    [
      "5,15-17 0 0 * * *",
      "2026-11-25T00:00:05.000Z",
      [
        "2026-11-25T00:00:15.000Z",
        "2026-11-25T00:00:16.000Z",
        "2026-11-25T00:00:17.000Z",
        "2026-11-26T00:00:05.000Z",
      ],
    ],
    [
      "0-30/15 0 0 * * *",
      "2026-11-25T00:00:00.000Z",
      ["2026-11-25T00:00:15.000Z", "2026-11-25T00:00:30.000Z", "2026-11-26T00:00:00.000Z"],
    ],
    [
      "50/5 * * * * *",
      "2026-11-25T00:00:00.000Z",
      ["2026-11-25T00:00:50.000Z", "2026-11-25T00:00:55.000Z", "2026-11-25T00:01:50.000Z"],
    ],
    // Day 31 skips months without one; Feb 29 only in leap years.
    [
      "0 0 0 31 * *",
      "2026-11-01T00:00:00.000Z",
      ["2026-12-31T00:00:00.000Z", "2027-01-31T00:00:00.000Z", "2027-03-31T00:00:00.000Z"],
    ],
    ["0 0 0 29 2 *", "2026-01-01T00:00:00.000Z", ["2028-02-29T00:00:00.000Z"]],
    // Day of month AND day of week (NCrontab): the 13th that is a Friday.
    [
      "0 0 0 13 * 5",
      "2026-01-01T00:00:00.000Z",
      ["2026-02-13T00:00:00.000Z", "2026-03-13T00:00:00.000Z", "2026-11-13T00:00:00.000Z"],
    ],
  ];
  it.each(table)("%s after %s", (expression, base, expected) => {
    const schedule = parseNcrontab(expression);
    expect(nextOccurrences(schedule, at(base), expected.length).map((d) => d.toISOString())).toEqual(
      expected,
    );
  });

  it("parses 5-field expressions when asked (seconds = 0)", () => {
    const schedule = parseNcrontab("*/15 * * * *", 5);
    expect(schedule.nextOccurrence(at("2026-11-25T12:07:30Z"))?.toISOString()).toBe(
      "2026-11-25T12:15:00.000Z",
    );
    expect(parseNcrontab("0 12 * * *", "auto").includesSeconds).toBe(false);
  });

  it("returns undefined for an expression that never fires", () => {
    expect(parseNcrontab("0 0 0 30 2 *").nextOccurrence(at("2026-01-01T00:00:00Z"))).toBeUndefined();
  });

  it.each([
    ["* * * * *", /6 components/],
    ["60 * * * * *", /Second/],
    ["* * 24 * * *", /Hour/],
    ["* * * 0 * *", /Day/],
    ["* * * * 13 *", /Month/],
    ["* * * * * 7", /DayOfWeek/],
    ["*/0 * * * * *", /step/],
    ["10-5 * * * * *", /reversed/],
    ["* * * * Foo *", /not a known value name/],
    ["a * * * * *", /Second/],
  ])("rejects %s", (expression, message) => {
    expect(() => parseNcrontab(expression)).toThrow(message);
  });
});

describe("timer schedule rules of the Functions host", () => {
  it("accepts 6-field cron and TimeSpan schedules", () => {
    expect(parseTimerSchedule("*/10 * * * * *").kind).toBe("cron");
    const constant = parseTimerSchedule("00:00:30");
    expect(constant.kind).toBe("constant");
    expect(constant.nextOccurrence(at("2026-11-25T00:00:00Z"))?.toISOString()).toBe(
      "2026-11-25T00:00:30.000Z",
    );
  });

  it("rejects a 5-field expression like the host does, saying how to fix it", () => {
    expect(() => parseTimerSchedule("*/5 * * * *")).toThrow(/not recognized.*6 fields/);
  });

  it("monitors the schedule only when it fires at most once a minute", () => {
    const now = at("2026-11-25T00:00:00Z");
    expect(defaultUseMonitor(parseTimerSchedule("*/10 * * * * *"), now)).toBe(false);
    expect(defaultUseMonitor(parseTimerSchedule("0 */5 * * * *"), now)).toBe(true);
    expect(defaultUseMonitor(parseTimerSchedule("00:00:10"), now)).toBe(false);
  });
});

describe("host.json", () => {
  it.each([
    ["00:00:02", 2000],
    ["00:05:00", 300_000],
    ["1.02:00:00", 93_600_000],
    ["00:00:00.1", 100],
    ["00:01", 60_000],
    // The .NET trap the host inherits: a bare number is days.
    ["2", 172_800_000],
    [2000, 2000 * 86_400_000],
  ])("TimeSpan %s = %d ms", (text, ms) => {
    expect(parseTimeSpan(text)).toBe(ms);
  });

  it("formats TimeSpans like the host", () => {
    expect(formatTimeSpan(2000)).toBe("00:00:02");
    expect(formatTimeSpan(100)).toBe("00:00:00.1000000");
  });

  it("reads the repository's host.json", () => {
    expect(resolveHostSettings(`${__dirname}/../../../host.json`)).toEqual({
      queues: {
        maxPollingIntervalMs: 2000,
        visibilityTimeoutMs: 5000,
        batchSize: 16,
        newBatchThreshold: 8,
        maxDequeueCount: 5,
        messageEncoding: "base64",
      },
      functionTimeoutMs: 300_000,
    });
  });

  it("applies the host's defaults and limits", () => {
    expect(resolveHostSettings({}).queues).toEqual({
      maxPollingIntervalMs: 60_000,
      visibilityTimeoutMs: 0,
      batchSize: 16,
      newBatchThreshold: 8,
      maxDequeueCount: 5,
      messageEncoding: "base64",
    });
    expect(() => resolveHostSettings({ extensions: { queues: { batchSize: 33 } } })).toThrow(/batchSize/);
    expect(() =>
      resolveHostSettings({ extensions: { queues: { maxPollingInterval: "00:00:00.05" } } }),
    ).toThrow(/maxPollingInterval/);
    expect(() => resolveHostSettings({ extensions: { queues: { messageEncoding: "utf8" } } })).toThrow(
      /base64/,
    );
  });
});

describe("queue polling back-off (RandomizedExponentialBackoffStrategy)", () => {
  it("starts at 100 ms, grows exponentially with ±20% jitter, caps at maxPollingInterval, resets on a hit", () => {
    const mid = new RandomizedExponentialBackoff(100, 2000, () => 0.5); // factor exactly 1
    const empties = Array.from({ length: 8 }, () => mid.next(false));
    expect(empties).toEqual([100, 200, 300, 500, 900, 1700, 2000, 2000]);
    expect(mid.next(true)).toBe(100);
    expect(mid.next(false)).toBe(200);

    const low = new RandomizedExponentialBackoff(100, 60_000, () => 0);
    low.next(false);
    expect(low.next(false)).toBeCloseTo(180); // 100 + 0.8 × 100
  });
});

describe("message encoding and poison queue names", () => {
  it("decodes base64 strictly, like Convert.FromBase64String", () => {
    expect(decodeBase64Strict(Buffer.from('{"a":1}').toString("base64"))?.toString()).toBe('{"a":1}');
    expect(decodeBase64Strict("aGVs\nbG8=")?.toString()).toBe("hello");
    expect(decodeBase64Strict("hello world")).toBeUndefined();
    expect(decodeBase64Strict('{"v":1}')).toBeUndefined();
    expect(decodeBase64Strict("abc")).toBeUndefined();
    expect(decodeBase64Strict("ab=c")).toBeUndefined();
  });

  it("has no poison queue for a poison queue or a name too long for the suffix", () => {
    expect(poisonQueueName("pod-events")).toBe("pod-events-poison");
    expect(poisonQueueName("pod-events-poison")).toBeUndefined();
    expect(poisonQueueName("q".repeat(57))).toBeUndefined();
    expect(poisonQueueName("q".repeat(56))).toBe(`${"q".repeat(56)}-poison`);
  });
});
