import { useTestEnv } from "@wagate/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { SimulatorDriver } from "../src/drivers/simulator.js";
import { SendError, type SendResult, type SendTextInput } from "../src/drivers/types.js";
import {
  broadcastSpacing,
  DEFAULT_PACING,
  NO_PACING,
  type PacerClock,
  resolvePacing,
  SessionPacer,
} from "../src/send/pacing.js";
import {
  enqueueTexts,
  harness,
  messageRow,
  seedAccount,
  seedSession,
  waitFor,
  waitForStatus,
} from "./helpers.js";

function fakeClock(random = 0) {
  const clock = {
    t: 1_000_000,
    waits: [] as number[],
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.waits.push(ms);
      clock.t += ms;
    },
    random: () => random,
  };
  return clock satisfies PacerClock;
}

describe("SessionPacer", () => {
  it("lets a burst through, then holds to the rate", async () => {
    const clock = fakeClock();
    const pacer = new SessionPacer(
      { ...DEFAULT_PACING, perMinute: 60, burst: 3, minGapMs: 0, jitterMs: 0 },
      clock,
    );
    for (const to of ["a", "b", "c"]) await pacer.take(to);
    expect(clock.waits).toEqual([]);
    await pacer.take("d");
    expect(clock.waits).toEqual([1000]);
    await pacer.take("e");
    expect(clock.waits).toEqual([1000, 1000]);
  });

  it("keeps the minimum gap per recipient only", async () => {
    const clock = fakeClock();
    const pacer = new SessionPacer({ ...NO_PACING, minGapMs: 3000 }, clock);
    await pacer.take("+1");
    await pacer.take("+2");
    expect(clock.waits).toEqual([]);
    await pacer.take("+1");
    expect(clock.waits).toEqual([3000]);
  });

  it("holds a broadcast to its own rate even when its sends fall due together", async () => {
    const clock = fakeClock();
    const pacer = new SessionPacer(NO_PACING, clock);
    const slow = broadcastSpacing("brd_slow", 30); // one every 2 s
    expect(broadcastSpacing("brd_any", null)).toBeUndefined();
    expect(broadcastSpacing(null, 30)).toBeUndefined();
    await pacer.take("+1", undefined, slow);
    await pacer.take("+2", undefined, slow);
    expect(clock.waits).toEqual([2000]);
    // Another broadcast and plain sends are not held by it.
    await pacer.take("+3", undefined, broadcastSpacing("brd_other", 30));
    await pacer.take("+4");
    expect(clock.waits).toEqual([2000]);
    clock.t += 500;
    await pacer.take("+5", undefined, slow);
    expect(clock.waits).toEqual([2000, 1500]);
  });

  it("adds jitter to every wait and pauses the session on rate limiting", async () => {
    const clock = fakeClock(0.5);
    const pacer = new SessionPacer({ ...NO_PACING, jitterMs: 1000 }, clock);
    await pacer.take("+1");
    pacer.pause(5000);
    expect(pacer.pausedForMs).toBe(5000);
    await pacer.take("+2");
    expect(clock.waits).toEqual([5500]);
  });

  it("applies an account's overrides over the defaults", () => {
    expect(
      resolvePacing(DEFAULT_PACING, { per_minute: 6, min_gap_ms: 100, burst: 0, bogus: 3 }),
    ).toEqual({
      ...DEFAULT_PACING,
      perMinute: 6,
      minGapMs: 100,
    });
    expect(resolvePacing(DEFAULT_PACING, null)).toEqual(DEFAULT_PACING);
    const typing = new SessionPacer(
      resolvePacing(DEFAULT_PACING, { typing_ms_per_char: 50, typing_max_ms: 1000 }),
    );
    expect(typing.typingMs("hello")).toBe(250);
    expect(typing.typingMs("x".repeat(100))).toBe(1000);
    expect(typing.typingMs(null)).toBe(0);
    expect(new SessionPacer(DEFAULT_PACING).typingMs("hello")).toBe(0);
  });
});

const env = useTestEnv();
const h = harness(env);
afterAll(() => h.stopAll());

/** A simulator whose first send answers "rate limited" (WhatsApp pushing back). */
class RateLimitedOnce extends SimulatorDriver {
  private limited = false;
  override async sendText(input: SendTextInput): Promise<SendResult> {
    if (!this.limited) {
      this.limited = true;
      throw new SendError("rate_limited", "slow down", false, 400);
    }
    return super.sendText(input);
  }
}

/** A simulator that notes when it was asked to show typing, and when it sent. */
class NotesPresence extends SimulatorDriver {
  static readonly log: { what: string; chat: string; at: number }[] = [];
  override async setPresence(chat: string, state: "typing" | "recording" | "paused") {
    NotesPresence.log.push({ what: state, chat, at: Date.now() });
    return super.setPresence(chat, state);
  }
  override async sendText(input: SendTextInput): Promise<SendResult> {
    NotesPresence.log.push({ what: "send", chat: input.to, at: Date.now() });
    return super.sendText(input);
  }
}

describe("pacing in the worker", () => {
  it("shows typing before a text, for a time proportional to its length, when the account opts in", async () => {
    const userId = await seedAccount(env, { typing_ms_per_char: 30, typing_max_ms: 5000 });
    const sessionId = await seedSession(env, userId);
    await h.startWorker(
      { simulatorPacing: NO_PACING },
      (s) =>
        new NotesPresence({ sessionId: s.id, mode: s.mode, profile: "fast", network: h.network }),
    );
    const [id] = await enqueueTexts(env, { userId, sessionId, to: "+213661000079" });
    await waitForStatus(env, id!, "sent");
    const [typing, send] = NotesPresence.log;
    expect(typing).toMatchObject({ what: "typing", chat: "+213661000079" });
    expect(send).toMatchObject({ what: "send", chat: "+213661000079" });
    const { content } = await messageRow(env, id!);
    // At least the typing time the text asks for (30 ms per character) passed before the send.
    expect(send!.at - typing!.at).toBeGreaterThanOrEqual(content!.length * 30 - 5);
    await h.stopAll();
  });

  it("honours the account's minimum gap per recipient", async () => {
    const userId = await seedAccount(env, { min_gap_ms: 250 });
    const sessionId = await seedSession(env, userId);
    await h.startWorker({ simulatorPacing: NO_PACING });
    const ids = await enqueueTexts(env, { userId, sessionId, to: "+213661000077", count: 3 });
    const rows = await Promise.all(ids.map((id) => waitForStatus(env, id, "sent")));
    const times = rows.map((r) => r.sentAt!.getTime()).sort((a, b) => a - b);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(240);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(240);
    await h.stopAll();
  });

  it("pauses the session when WhatsApp rate-limits it, without spending an attempt", async () => {
    const userId = await seedAccount(env);
    const sessionId = await seedSession(env, userId);
    await h.startWorker(
      {},
      (s) =>
        new RateLimitedOnce({ sessionId: s.id, mode: s.mode, profile: "fast", network: h.network }),
    );
    await waitFor(async () => h.workers[0]!.manager.runtime(sessionId)?.status === "ready");
    const started = Date.now();
    const [id] = await enqueueTexts(env, { userId, sessionId, to: "+213661000078" });
    const row = await waitForStatus(env, id!, "sent");
    expect(row.sentAt!.getTime() - started).toBeGreaterThanOrEqual(380);
    expect((await messageRow(env, id!)).attempts).toBe(1);
  });
});
