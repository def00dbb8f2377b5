import { quotaUsed } from "@wagate/core";
import { messages, phonePrefixes } from "@wagate/db";
import { eq } from "drizzle-orm";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { seedAccount, useTestApp } from "../../../test/harness.js";
import { readBody } from "../../../test/security.js";
import { createApp } from "../../app.js";
import { invalidatePrefixCache } from "../../domain/phone/policy.js";
import { createQueueProvider } from "../../lib/queues.js";
import { accountWithSession, postJson, sendQueue } from "./test-helpers.js";

const t = useTestApp();
const TO = "+213661234567";
const used = (userId: string) =>
  quotaUsed(t.deps.redis, t.deps.redisPrefix, { userId, mode: "test", now: t.deps.now() });

describe("POST /messages/send-text", () => {
  it("accepts a message: 202, the message object, quota headers, a row and a job on the session's queue", async () => {
    const a = await accountWithSession(t);
    const res = await postJson(t, "/api/v1/messages/send-text", a.headers, {
      to: "+213 661-23-45-67",
      text: "hello",
    });
    expect(res.status).toBe(202);
    const body = await readBody(res);
    expect(body).toMatchObject({
      direction: "outbound",
      mode: "test",
      session: "default",
      to: TO,
      type: "text",
      text: "hello",
      media: null,
      status: "queued",
      error: null,
      send_at: null,
      sent_at: null,
    });
    expect(body.id).toMatch(/^msg_/);
    expect(res.headers.get("ratelimit-limit")).toBe("1000");
    expect(res.headers.get("ratelimit-remaining")).toBe("999");
    expect(res.headers.get("location")).toBe(`/api/v1/messages/${body.id}`);
    const [row] = await t.deps.db.select().from(messages).where(eq(messages.id, body.id));
    expect(row).toMatchObject({
      recipient: TO,
      quotaDay: t.deps.now().toISOString().slice(0, 10),
      apiKeyId: a.keyId,
    });
    const queue = sendQueue(t, a.sessionId);
    const job = await queue.getJob(body.id);
    expect(job?.data).toEqual({ messageId: body.id });
    await queue.close();
    const metrics = await (await t.app.request("/metrics")).text();
    expect(metrics).toMatch(
      /wagate_messages_accepted_total\{mode="test",type="text",scheduled="false"[^}]*\} [1-9]/,
    );
  });

  it("schedules a send in the future as a delayed job", async () => {
    const a = await accountWithSession(t);
    const sendAt = new Date(t.deps.now().getTime() + 3600_000).toISOString();
    const res = await postJson(t, "/api/v1/messages/send-text", a.headers, {
      to: TO,
      text: "later",
      send_at: sendAt,
    });
    expect(res.status).toBe(202);
    const body = await readBody(res);
    expect(body).toMatchObject({ status: "scheduled", send_at: sendAt });
    const queue = sendQueue(t, a.sessionId);
    expect(await (await queue.getJob(body.id))?.isDelayed()).toBe(true);
    await queue.close();
    const tooFar = new Date(t.deps.now().getTime() + 31 * 24 * 3600_000).toISOString();
    const far = await postJson(t, "/api/v1/messages/send-text", a.headers, {
      to: TO,
      text: "x",
      send_at: tooFar,
    });
    expect(far.status).toBe(422);
  });

  it("refuses invalid numbers and numbers outside the prefix policy with 422, an unknown session with 404, consuming nothing", async () => {
    const a = await accountWithSession(t);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ to: "0661234567", text: "x" }, "to"],
      [{ to: "+2136612", text: "x" }, "to"],
      [{ to: TO }, "text"],
    ];
    for (const [body, field] of cases) {
      const res = await postJson(t, "/api/v1/messages/send-text", a.headers, body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      const error = (await readBody(res)).error;
      expect(error.code).toBe("validation_failed");
      expect(error.details.fields[0].path).toBe(field);
    }
    const missing = await postJson(t, "/api/v1/messages/send-text", a.headers, {
      to: TO,
      text: "x",
      session: "missing",
    });
    expect(missing.status).toBe(404);
    expect((await readBody(missing)).error.message).toContain('session "missing" not found');
    await t.deps.db
      .insert(phonePrefixes)
      .values({ id: "pfx_01J00000000000000000000000", prefix: "+336", allowed: false });
    invalidatePrefixCache(t.deps.db);
    const denied = await postJson(t, "/api/v1/messages/send-text", a.headers, {
      to: "+33612345678",
      text: "x",
    });
    expect(denied.status).toBe(422);
    expect((await readBody(denied)).error.message).toContain("+336");
    await t.deps.db.delete(phonePrefixes);
    invalidatePrefixCache(t.deps.db);
    expect(await used(a.userId)).toBe(0);
  });

  it("answers 429 quota_exceeded with Retry-After once the daily quota is used", async () => {
    const a = await accountWithSession(t, { maxMessagesPerDay: 2 });
    for (let i = 0; i < 2; i++) {
      expect(
        (await postJson(t, "/api/v1/messages/send-text", a.headers, { to: TO, text: `m${i}` }))
          .status,
      ).toBe(202);
    }
    const over = await postJson(t, "/api/v1/messages/send-text", a.headers, { to: TO, text: "m3" });
    expect(over.status).toBe(429);
    expect((await readBody(over)).error.code).toBe("quota_exceeded");
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(over.headers.get("ratelimit-remaining")).toBe("0");
  });

  it("needs the messages:send scope", async () => {
    const reader = await seedAccount(t, { scopes: ["messages:read"] });
    const res = await postJson(t, "/api/v1/messages/send-text", reader.headers, {
      to: TO,
      text: "x",
    });
    expect(res.status).toBe(403);
    expect(
      (await postJson(t, "/api/v1/messages/send-text", {}, { to: TO, text: "x" })).status,
    ).toBe(401);
  });
});

describe("Idempotency-Key", () => {
  it("replays the first message for the same key and body, sends once, and refuses another body with 409", async () => {
    const a = await accountWithSession(t);
    const key = { "idempotency-key": "order-42" };
    const first = await postJson(
      t,
      "/api/v1/messages/send-text",
      a.headers,
      { to: TO, text: "hi" },
      key,
    );
    const again = await postJson(
      t,
      "/api/v1/messages/send-text",
      a.headers,
      { text: "hi", to: "+213 661 23 45 67" },
      key,
    );
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    const firstBody = await readBody(first);
    expect((await readBody(again)).id).toBe(firstBody.id);
    const other = await postJson(
      t,
      "/api/v1/messages/send-text",
      a.headers,
      { to: TO, text: "bye" },
      key,
    );
    expect(other.status).toBe(409);
    expect((await readBody(other)).error.code).toBe("conflict");
    expect(
      await t.deps.db.select().from(messages).where(eq(messages.userId, a.userId)),
    ).toHaveLength(1);
    expect(await used(a.userId)).toBe(1);
  });

  it("concurrent duplicates create one row and one quota unit", async () => {
    const a = await accountWithSession(t);
    const key = { "idempotency-key": "burst-1" };
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        postJson(t, "/api/v1/messages/send-text", a.headers, { to: TO, text: "once" }, key),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(202));
    const ids = new Set(await Promise.all(results.map(async (r) => (await readBody(r)).id)));
    expect(ids.size).toBe(1);
    expect(
      await t.deps.db.select().from(messages).where(eq(messages.userId, a.userId)),
    ).toHaveLength(1);
    expect(await used(a.userId)).toBe(1);
  });

  it("a key reused after 24 hours creates a new message", async () => {
    const a = await accountWithSession(t);
    const key = { "idempotency-key": "daily" };
    const first = await readBody(
      await postJson(t, "/api/v1/messages/send-text", a.headers, { to: TO, text: "d" }, key),
    );
    const saved = t.clock.now;
    t.clock.now = new Date(saved.getTime() + 25 * 3600_000);
    try {
      const later = await postJson(
        t,
        "/api/v1/messages/send-text",
        a.headers,
        { to: TO, text: "d" },
        key,
      );
      expect(later.status).toBe(202);
      expect((await readBody(later)).id).not.toBe(first.id);
    } finally {
      t.clock.now = saved;
    }
  });
});

describe("enqueue failure", () => {
  it("answers 503, marks the row failed with enqueue_failed and gives the quota unit back", async () => {
    const a = await accountWithSession(t);
    const dead = new Redis(t.env.redis.url, { maxRetriesPerRequest: null });
    await dead.quit();
    const provider = createQueueProvider(dead, t.deps.redisPrefix);
    const broken = createApp({ ...t.deps, queues: provider });
    const key = { "idempotency-key": "retry-me" };
    const res = await broken.request("/api/v1/messages/send-text", {
      method: "POST",
      headers: { ...a.headers, ...key },
      body: JSON.stringify({ to: TO, text: "lost?" }),
    });
    expect(res.status).toBe(503);
    const error = (await readBody(res)).error;
    expect(error.code).toBe("service_unavailable");
    const [row] = await t.deps.db
      .select()
      .from(messages)
      .where(eq(messages.id, error.details.message_id));
    expect(row).toMatchObject({
      status: "failed",
      errorCode: "enqueue_failed",
      idempotencyKey: null,
    });
    expect(row?.quotaRefundedAt).not.toBeNull();
    expect(await used(a.userId)).toBe(0);
    await provider.close();
    // The same key works again once the queue is back.
    const retry = await postJson(
      t,
      "/api/v1/messages/send-text",
      a.headers,
      { to: TO, text: "lost?" },
      key,
    );
    expect(retry.status).toBe(202);
    expect((await readBody(retry)).status).toBe("queued");
  });
});
