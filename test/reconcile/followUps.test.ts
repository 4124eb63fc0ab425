import { describe, expect, it } from "vitest";
import type { PodMessageSender } from "../../lib/queue/message.js";
import type { PodMessage } from "../../lib/queue/message.js";
import {
  FollowUpScheduler,
  planResend,
  RESEND_GRACE_MS,
  ThrottleGate,
  type ResendMark,
} from "../../lib/reconcile/followUps.js";

function recorder() {
  const sent: { message: PodMessage; delay: number }[] = [];
  const sender: PodMessageSender = {
    send: async (message, delay = 0) => {
      sent.push({ message, delay });
    },
  };
  return { sent, sender };
}

const pod = { ns: "default", name: "web-0", uid: "u1" };

describe("FollowUpScheduler", () => {
  it("does not multiply chains when the same message is handled three times", async () => {
    let now = 1_000_000;
    const { sent, sender } = recorder();
    const scheduler = new FollowUpScheduler(sender, () => now);
    const added: PodMessage = { v: 1, ...pod, reason: "added" };
    for (let i = 0; i < 3; i++) await scheduler.schedule(pod, 3, added);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.message.reason).toBe("status");
    expect(sent[0]!.delay).toBe(3);

    // The pending check arrives: it continues the chain, once.
    now += 3000;
    const pending = sent[0]!.message;
    expect(await scheduler.schedule(pod, 3, pending)).toBe(true);
    // A duplicate delivery of that same check does not start a second chain.
    expect(await scheduler.schedule(pod, 3, pending)).toBe(false);
    expect(sent).toHaveLength(2);
  });

  it("lets a stray follow-up of a replaced chain die", async () => {
    let now = 0;
    const { sent, sender } = recorder();
    const scheduler = new FollowUpScheduler(sender, () => now);
    await scheduler.schedule(pod, 45, { v: 1, ...pod, reason: "resync" });
    now += 1000;
    const stray: PodMessage = { v: 1, ...pod, reason: "status", at: new Date(now).toISOString() };
    expect(await scheduler.schedule(pod, 3, stray)).toBe(false);
    expect(sent).toHaveLength(1);
  });

  it("schedules a sooner check when a pod needs one before the pending one", async () => {
    let now = 0;
    const { sent, sender } = recorder();
    const scheduler = new FollowUpScheduler(sender, () => now);
    await scheduler.schedule(pod, 45, { v: 1, ...pod, reason: "resync" });
    now += 1000;
    expect(await scheduler.schedule(pod, 3, { v: 1, ...pod, reason: "updated" })).toBe(true);
    expect(sent.map((s) => s.delay)).toEqual([45, 3]);
  });

  it("restarts a chain whose pending check was lost", async () => {
    let now = 0;
    const { sent, sender } = recorder();
    const scheduler = new FollowUpScheduler(sender, () => now);
    await scheduler.schedule(pod, 3, { v: 1, ...pod, reason: "added" });
    now += 60_000; // the check never came
    expect(await scheduler.schedule(pod, 3, { v: 1, ...pod, reason: "resync" })).toBe(true);
    expect(sent).toHaveLength(2);
  });

  it("forgets final pods", async () => {
    const { sender } = recorder();
    const scheduler = new FollowUpScheduler(sender, () => 0);
    await scheduler.schedule(pod, 3);
    expect(scheduler.size).toBe(1);
    scheduler.forget(pod);
    expect(scheduler.size).toBe(0);
  });
});

describe("ThrottleGate", () => {
  it("stays closed for the Retry-After window", () => {
    let now = 0;
    const gate = new ThrottleGate(() => now);
    expect(gate.remainingMs()).toBe(0);
    gate.block(5000);
    now = 2000;
    expect(gate.remainingMs()).toBe(3000);
    gate.block(1000); // a shorter block does not shorten the window
    expect(gate.remainingMs()).toBe(3000);
    now = 6000;
    expect(gate.remainingMs()).toBe(0);
  });
});

describe("FollowUpScheduler.hasPending", () => {
  it("is true only while a scheduled check is still in the future", async () => {
    let now = 0;
    const { sender } = recorder();
    const scheduler = new FollowUpScheduler(sender, () => now);
    expect(scheduler.hasPending(pod)).toBe(false);
    await scheduler.schedule(pod, 60);
    now = 59_000;
    expect(scheduler.hasPending(pod)).toBe(true);
    now = 61_000;
    expect(scheduler.hasPending(pod)).toBe(false);
  });
});

describe("planResend: one re-send chain per pod per instance", () => {
  const AT = "2026-12-01T12:00:00.000Z";
  const msg = (hop?: number, reason: PodMessage["reason"] = "added", at = AT): PodMessage => ({
    v: 1,
    ...pod,
    reason,
    at,
    ...(hop !== undefined ? { hop } : {}),
  });
  const NOW = 5_000;
  /** This instance's last re-send: of `added@AT` unless told, visible at `due`. */
  const mark = (hop: number, due: number, chain = `added@${AT}`): ResendMark => ({
    hop,
    chain,
    due,
    until: due + RESEND_GRACE_MS,
  });
  const rows: Array<{
    name: string;
    mark?: ResendMark;
    message: PodMessage;
    send: boolean;
    hop?: number;
  }> = [
    { name: "first re-send of a watcher message → sent, hop 1", message: msg(), send: true, hop: 1 },
    {
      name: "the chain's own copy comes back → continued",
      mark: mark(3, 4_000),
      message: msg(3),
      send: true,
      hop: 4,
    },
    {
      name: "a duplicate of a copy this instance already continued → ends",
      mark: mark(4, 8_000),
      message: msg(3),
      send: false,
    },
    {
      name: "a duplicate delivered late (backlog), its chain's copy due but within the grace → ends",
      mark: mark(4, 1_000),
      message: msg(3),
      send: false,
    },
    {
      name: "the chain's copy is past its grace (lost) → sent again",
      mark: mark(9, NOW - RESEND_GRACE_MS - 1),
      message: msg(1),
      send: true,
      hop: 2,
    },
    {
      name: "another chain (the repair's resync) while this instance's copy is not visible yet → ends",
      mark: mark(4, 6_000),
      message: msg(undefined, "resync", "2026-12-01T12:00:09.000Z"),
      send: false,
    },
    {
      name: "another chain once this instance's copy is due (maybe handled elsewhere) → sent",
      mark: mark(4, 4_000),
      message: msg(undefined, "status", "2026-12-01T12:00:09.000Z"),
      send: true,
      hop: 1,
    },
    {
      name: "another chain that needs a look sooner than this instance's copy → sent",
      mark: mark(4, 20_000),
      message: msg(undefined, "status", "2026-12-01T12:00:09.000Z"),
      send: true,
      hop: 1,
    },
  ];
  it.each(rows)("$name", (row) => {
    const decision = planResend(row.mark, row.message, 2, NOW);
    expect(decision.send).toBe(row.send);
    if (decision.send) {
      expect(decision.message).toEqual({ ...row.message, hop: row.hop });
      expect(decision.remember).toEqual({
        hop: row.hop,
        chain: `${row.message.reason}@${row.message.at}`,
        due: NOW + 2_000,
        until: NOW + 2_000 + RESEND_GRACE_MS,
      });
    }
  });

  it("duplicated deliveries of a deferred create keep one message queued, not one more per hop", async () => {
    // The chaos run's queue duplicates deliveries; each copy of a deferred message used to be deferred on
    // its own, so a pod behind a closed create gate gathered more messages at every hop.
    let now = 0;
    const { sent, sender } = recorder();
    const scheduler = new FollowUpScheduler(sender, () => now);
    let queued: PodMessage[] = [msg()];
    for (let step = 0; step < 8; step++) {
      const delivered = queued.flatMap((m) => [m, { ...m }]); // every message delivered twice
      const before = sent.length;
      for (const m of delivered) await scheduler.defer(m, 3);
      queued = sent.slice(before).map((s) => s.message);
      now += 3_000;
    }
    expect(queued).toHaveLength(1);
    expect(queued[0]!.hop).toBe(8);
  });

  it("a chain handed to another instance continues there and back; another chain is never ended on a copy that may be gone", async () => {
    let now = 0;
    const a = recorder();
    const b = recorder();
    const onA = new FollowUpScheduler(a.sender, () => now);
    const onB = new FollowUpScheduler(b.sender, () => now);
    await onA.defer(msg(), 3); // A: hop 1, visible at 3 s
    now = 1_000;
    await onA.defer(msg(undefined, "resync", "2026-12-01T12:00:01.000Z"), 3); // younger, while A's copy waits
    expect(a.sent).toHaveLength(1);
    now = 3_000;
    await onB.defer(a.sent[0]!.message, 3); // B handles A's copy: hop 2
    now = 4_000;
    // B's follow-up chain reaches A and fails: A's own copy is gone (B handled it), so this one is re-sent.
    const followUp = msg(undefined, "status", "2026-12-01T12:00:04.000Z");
    expect(await onA.defer(followUp, 2)).toBe(true);
    now = 6_000;
    await onA.defer(b.sent[0]!.message, 3); // B's hop 2 comes back to A: continued
    expect(a.sent.map((s) => [s.message.reason, s.message.hop])).toEqual([
      ["added", 1],
      ["status", 1],
      ["added", 3],
    ]);
  });
});
