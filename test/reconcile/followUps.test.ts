import { describe, expect, it } from "vitest";
import type { PodMessageSender } from "../../lib/queue/message.js";
import type { PodMessage } from "../../lib/queue/message.js";
import { FollowUpScheduler, ThrottleGate } from "../../lib/reconcile/followUps.js";

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
