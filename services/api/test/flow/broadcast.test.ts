import { enqueueSendJob, quotaUsed } from "@wagate/core";
import { messages } from "@wagate/db";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flushBroadcastEnqueues } from "../../src/domain/broadcasts/accept.js";
import { queueFor } from "../../src/lib/queues.js";
import { seedAccount, useTestApp } from "../harness.js";
import { readBody } from "../security.js";
import { createStackWorker, eventually, type Stack, startStack } from "./stack.js";

/**
 * Broadcasts end to end on the fast simulator: a 10 000-recipient broadcast (refused rows,
 * quota reserved exactly, each accepted recipient sent once, progress and completion
 * webhooks), pause / resume / cancel, CSV uploads, and the all-or-nothing quota.
 */
const t = useTestApp();
let stack: Stack;
let account: Awaited<ReturnType<typeof seedAccount>>;

const api = (method: string, path: string, body?: unknown) =>
  t.app.request(path, {
    method,
    headers:
      body === undefined ? { authorization: account.headers.authorization } : account.headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
const used = () =>
  quotaUsed(t.deps.redis, t.deps.redisPrefix, {
    userId: account.userId,
    mode: "test",
    now: new Date(),
  });
/**
 * Recipients of the big broadcast: the 10 000 (one unpaced simulator session sends its
 * queue in batches, so they go out in well under a minute on a quiet box). `BROADCAST_TEST_SIZE`
 * picks another size.
 */
const BIG = Number(process.env.BROADCAST_TEST_SIZE ?? 10_000);
/** Distinct valid numbers that never end in a simulator magic suffix (0000, 0001, 0002). */
const number = (i: number) => `+21366${1_000_005 + i * 10}`;
/** Messages of a broadcast that reached WhatsApp. */
const finished = (b: { counts: Record<string, number> }) =>
  (b.counts.sent ?? 0) + (b.counts.delivered ?? 0) + (b.counts.read ?? 0);
/** Waits until no message of the broadcast is being sent (a send in flight has finished). */
const noSendInFlight = (id: string) =>
  eventually(async () => (await broadcast(id)).counts.sending === 0, "no send in flight", 60_000);
const broadcast = async (id: string) => readBody(await api("GET", `/api/v1/broadcasts/${id}`));
const idsOf = async (id: string) =>
  (
    await t.deps.db.select({ id: messages.id }).from(messages).where(eq(messages.broadcastId, id))
  ).map((r) => r.id);
const hooksFor = (id: string, type: string) =>
  stack.received.filter((h) => h.payload.type === type && h.payload.data.id === id);

beforeAll(async () => {
  stack = await startStack(t, { linkDelayMs: 200 });
  account = await seedAccount(t, { maxMessagesPerDay: 50_000 });
  const hook = await api("POST", "/api/v1/webhooks", {
    url: stack.hookUrl,
    events: ["broadcast.progress", "broadcast.completed"],
  });
  expect(hook.status).toBe(201);
  expect((await api("POST", "/api/v1/sessions/init")).status).toBe(202);
  await eventually(async () => {
    const body = await readBody(await api("GET", "/api/v1/sessions/status"));
    return body.status === "ready";
  }, "a ready session");
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

describe("broadcasts", () => {
  it(
    "sends every recipient of a large broadcast once, reports refused rows, reserves quota exactly",
    async () => {
      expect((await api("POST", "/api/v1/opt-outs", { phone: number(90_001) })).status).toBe(201);
      const recipients: Array<{ to: string; variables?: Record<string, string> }> = [];
      for (let i = 0; i < BIG; i++)
        recipients.push({ to: number(i), variables: { name: `N${i}` } });
      recipients.push({ to: "12345", variables: { name: "x" } }); // not international
      recipients.push({ to: number(7), variables: { name: "again" } }); // duplicate of row 8
      recipients.push({ to: number(90_001), variables: { name: "stop" } }); // opted out
      recipients.push({ to: number(90_002) }); // no {{name}}
      const before = await used();
      const res = await api("POST", "/api/v1/broadcasts", {
        name: "10k",
        message: { text: "Hello {{ name }}, your order is ready" },
        recipients,
      });
      expect(res.status).toBe(202);
      const body = await readBody(res);
      expect(body.recipients).toEqual({ total: BIG + 4, accepted: BIG, refused: 4 });
      expect(body.refused).toEqual([
        { row: BIG + 1, to: "12345", reason: expect.stringContaining("international") },
        { row: BIG + 2, to: number(7), reason: "duplicate of row 8" },
        { row: BIG + 3, to: number(90_001), reason: "recipient_opted_out" },
        { row: BIG + 4, to: number(90_002), reason: "missing variable name" },
      ]);
      expect(await used()).toBe(before + BIG);
      const started = Date.now();
      await flushBroadcastEnqueues(t.deps);
      // A single send made now passes the broadcast's waiting jobs (they have a lower priority).
      const single = await readBody(
        await api("POST", "/api/v1/messages/send-text", { to: number(95_000), text: "urgent" }),
      );
      await eventually(
        async () => stack.network.sendCount(single.id) === 1,
        "the single send",
        120_000,
      );
      const meanwhile = await broadcast(body.id);
      expect(meanwhile.counts.queued).toBeGreaterThan(BIG / 2);

      const done = await eventually(
        async () => {
          const b = await broadcast(body.id);
          return b.status === "completed" ? b : null;
        },
        "the broadcast to complete",
        Math.max(120_000, BIG * 200), // generous: a loaded box sends far slower than a quiet one
      );
      console.info(`broadcast of ${BIG} sent in ${(Date.now() - started) / 1000} s`);
      expect(done.counts.sent + done.counts.delivered + done.counts.read).toBe(BIG);
      expect(done.progress).toBe(1);
      const ids = await idsOf(body.id);
      expect(ids).toHaveLength(BIG);
      const sent = new Map(stack.network.deliveries().map((d) => [d.reference, d]));
      for (const id of ids) expect(stack.network.sendCount(id)).toBe(1);
      expect(sent.get(ids[3]!)?.text).toMatch(/^Hello N\d+, your order is ready$/);
      expect(stack.network.duplicates()).toEqual([]);

      const completed = await eventually(
        async () => hooksFor(body.id, "broadcast.completed")[0],
        "broadcast.completed",
      );
      expect(completed.payload.data).toMatchObject({ status: "completed", progress: 1 });
      const progress = hooksFor(body.id, "broadcast.progress");
      expect(progress.length).toBeGreaterThan(0);
      const times = progress.map((h) => Date.parse(h.payload.timestamp)).sort((a, b) => a - b);
      for (let i = 1; i < times.length; i++)
        expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(2_999);
    },
    Math.max(240_000, BIG * 220),
  );

  it("pauses, resumes and cancels; cancelled messages give their units back", async () => {
    const recipients = Array.from({ length: 300 }, (_, i) => ({ to: number(20_000 + i) }));
    const before = await used();
    const res = await api("POST", "/api/v1/broadcasts", {
      name: "paced",
      message: { text: "news" },
      recipients,
      rate: 600,
    });
    expect(res.status).toBe(202);
    const { id } = await readBody(res);
    await flushBroadcastEnqueues(t.deps);
    await eventually(async () => finished(await broadcast(id)) >= 10, "some sends", 60_000);
    const paused = await readBody(await api("POST", `/api/v1/broadcasts/${id}/pause`));
    expect(paused.status).toBe("paused");
    expect(paused.estimated_finish_at).toBeNull();
    // A job that outlived the pause (a stale reconcile, a removal that missed it) does not
    // send a paused broadcast's message: the claim leaves it waiting.
    const waiting = await t.deps.db
      .select({ id: messages.id, sessionId: messages.sessionId })
      .from(messages)
      .where(and(eq(messages.broadcastId, id), eq(messages.status, "queued")))
      .limit(5);
    const queue = queueFor(t.deps, `send-${waiting[0]!.sessionId}`);
    for (const m of waiting) await enqueueSendJob(queue, { messageId: m.id });
    await eventually(
      async () => (await Promise.all(waiting.map((m) => queue.getJob(m.id)))).every((job) => !job),
      "the stale jobs done",
    );
    for (const m of waiting) expect(stack.network.sendCount(m.id)).toBe(0);
    // At most the send in flight finishes; then nothing moves while paused.
    await noSendInFlight(id);
    const settled = finished(await broadcast(id));
    await new Promise((r) => setTimeout(r, 2000));
    expect(finished(await broadcast(id))).toBe(settled);
    expect(settled).toBeLessThan(300);

    const resumed = await readBody(await api("POST", `/api/v1/broadcasts/${id}/resume`));
    expect(resumed.status).toBe("running");
    await eventually(
      async () => finished(await broadcast(id)) >= settled + 10,
      "sends after resume",
      60_000,
    );
    const cancelled = await readBody(await api("POST", `/api/v1/broadcasts/${id}/cancel`));
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.counts.cancelled).toBeGreaterThan(0);
    expect((await api("POST", `/api/v1/broadcasts/${id}/resume`)).status).toBe(409);
    // Wait for a send that was in flight at the cancel, then check the books.
    await noSendInFlight(id);
    const final = await broadcast(id);
    expect(final.counts.queued + final.counts.scheduled + final.counts.sending).toBe(0);
    expect(finished(final) + final.counts.cancelled).toBe(300);
    expect(await used()).toBe(before + 300 - final.counts.cancelled);
    for (const mid of await idsOf(id)) expect(stack.network.sendCount(mid)).toBeLessThanOrEqual(1);
    const hook = await eventually(
      async () => hooksFor(id, "broadcast.completed")[0],
      "completed hook",
    );
    expect(hook.payload.data.status).toBe("cancelled");

    const cancelledOnes = await readBody(
      await api("GET", `/api/v1/broadcasts/${id}/messages?status=cancelled&limit=5`),
    );
    expect(cancelledOnes.data).toHaveLength(5);
    expect(cancelledOnes.data[0]).toMatchObject({ status: "cancelled", session: "default" });
    const listed = await readBody(await api("GET", "/api/v1/broadcasts?limit=1"));
    expect(listed.data[0].id).toBe(id);
    expect(listed.next_cursor).not.toBeNull();
  }, 240_000);

  it("resumes after the worker is killed midway; nobody gets it twice", async () => {
    const recipients = Array.from({ length: 150 }, (_, i) => ({ to: number(60_000 + i) }));
    const res = await api("POST", "/api/v1/broadcasts", {
      name: "crash",
      message: { text: "still coming" },
      recipients,
      rate: 900,
    });
    expect(res.status).toBe(202);
    const { id } = await readBody(res);
    await flushBroadcastEnqueues(t.deps);
    await eventually(async () => finished(await broadcast(id)) >= 20, "some sends", 60_000);
    await stack.worker.crash();
    const second = createStackWorker(t, stack.network);
    await second.start();
    try {
      const done = await eventually(
        async () => {
          const b = await broadcast(id);
          return b.status === "completed" ? b : null;
        },
        "the broadcast to complete on the second worker",
        240_000,
      );
      expect(finished(done)).toBe(150);
      for (const mid of await idsOf(id)) expect(stack.network.sendCount(mid)).toBe(1);
    } finally {
      await second.stop();
    }
  }, 300_000);

  it("reads a CSV with a BOM, quoted fields and bad rows", async () => {
    const csv = [
      '\uFEFFto,name,"note"',
      '+213661300001,"Doe, Jane","said ""hi"""',
      '"+213 661 300 002",Ali,"two',
      'lines"',
      "+213661300003,only two",
      "not-a-number,Bob,x",
      "",
      "+213661300004,,x",
    ].join("\r\n");
    const res = await api("POST", "/api/v1/broadcasts", {
      name: "csv",
      message: { text: "Dear {{name}} ({{note}})" },
      csv,
      send_at: new Date(Date.now() + 3600_000).toISOString(),
    });
    expect(res.status).toBe(202);
    const body = await readBody(res);
    expect(body.recipients).toEqual({ total: 5, accepted: 2, refused: 3 });
    expect(body.counts.scheduled).toBe(2);
    expect(body.refused.map((r: { row: number; reason: string }) => [r.row, r.reason])).toEqual([
      [3, "row has 2 fields, the header has 3"],
      [4, expect.stringContaining("number")],
      [5, "missing variable name"],
    ]);
    const listed = await readBody(await api("GET", `/api/v1/broadcasts/${body.id}/messages`));
    expect(listed.data.map((m: { to: string; text: string }) => [m.to, m.text]).sort()).toEqual([
      ["+213661300001", 'Dear Doe, Jane (said "hi")'],
      ["+213661300002", "Dear Ali (two\r\nlines)"],
    ]);
    const got = await broadcast(body.id);
    expect(got.refused).toHaveLength(3);
    expect((await api("POST", `/api/v1/broadcasts/${body.id}/cancel`)).status).toBe(200);

    const noHeader = await api("POST", "/api/v1/broadcasts", {
      name: "bad",
      message: { text: "x" },
      csv: "name\nBob",
    });
    expect(noHeader.status).toBe(422);
    const both = await api("POST", "/api/v1/broadcasts", {
      name: "bad",
      message: { text: "x" },
      csv: "to\n+213661300001",
      recipients: [{ to: "+213661300001" }],
    });
    expect(both.status).toBe(422);
  });

  it("refuses the whole broadcast with 429 when the quota does not cover it", async () => {
    const small = await seedAccount(t, { maxMessagesPerDay: 5 });
    const res = await t.app.request("/api/v1/broadcasts", {
      method: "POST",
      headers: small.headers,
      body: JSON.stringify({
        name: "too big",
        message: { text: "hi" },
        recipients: Array.from({ length: 8 }, (_, i) => ({ to: number(40_000 + i) })),
      }),
    });
    // The session is looked up first: this account has none.
    expect(res.status).toBe(404);
    expect(
      (
        await t.app.request("/api/v1/sessions/init", {
          method: "POST",
          headers: { authorization: small.headers.authorization },
        })
      ).status,
    ).toBe(202);
    const refused = await t.app.request("/api/v1/broadcasts", {
      method: "POST",
      headers: small.headers,
      body: JSON.stringify({
        name: "too big",
        message: { text: "hi" },
        recipients: Array.from({ length: 8 }, (_, i) => ({ to: number(40_000 + i) })),
      }),
    });
    expect(refused.status).toBe(429);
    const error = (await readBody(refused)).error;
    expect(error.code).toBe("quota_exceeded");
    expect(error.details).toMatchObject({ requested: 8, missing: 3, remaining: 5 });
    expect(
      await quotaUsed(t.deps.redis, t.deps.redisPrefix, {
        userId: small.userId,
        mode: "test",
        now: new Date(),
      }),
    ).toBe(0);
  });
});
