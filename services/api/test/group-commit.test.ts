import { quotaUsed } from "@wagate/core";
import { messages, whatsappSessions } from "@wagate/db";
import { eq, sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { configureAcceptBatching } from "../src/domain/messages/group-commit.js";
import { accountWithSession, postJson, sendQueue } from "../src/routes/messages/test-helpers.js";
import { useTestApp } from "./harness.js";
import { readBody } from "./security.js";

/**
 * Group commit of the accept path: concurrent sends share one INSERT and one addBulk, and
 * each request still gets its own outcome. The batching window is widened so that the
 * concurrent requests below really share batches on a loaded machine.
 */
const t = useTestApp({ API_KEY_RATE_LIMIT_PER_SECOND: "10000" });
const SEND = "/api/v1/messages/send-text";
const used = (userId: string) =>
  quotaUsed(t.deps.redis, t.deps.redisPrefix, { userId, mode: "test", now: t.deps.now() });
const rowsOf = async (userId: string) =>
  t.deps.db.select().from(messages).where(eq(messages.userId, userId));
const jobCount = async (sessionId: string) => {
  const queue = sendQueue(t, sessionId);
  try {
    const counts = await queue.getJobCounts("waiting", "delayed", "prioritized");
    return Object.values(counts).reduce((a, b) => a + b, 0);
  } finally {
    await queue.close();
  }
};

afterEach(async () => {
  await t.deps.db.execute(sql`drop trigger if exists accept_fault on messages`);
});

describe("group commit of accepts", () => {
  it("50 concurrent accepts with one invalid idempotency replay: each request gets its own outcome", async () => {
    const batcher = configureAcceptBatching(t.deps, { maxWaitMs: 200, maxBatch: 100 });
    const a = await accountWithSession(t, { maxMessagesPerDay: 500 });
    const first = await postJson(
      t,
      SEND,
      a.headers,
      { to: "+213661234567", text: "first" },
      {
        "idempotency-key": "used-key",
      },
    );
    expect(first.status).toBe(202);
    const firstId = (await readBody(first)).id as string;

    const requests = Array.from({ length: 50 }, (_, i) => {
      if (i === 17) {
        // The same key with another body: 409, and it must not fail its batch.
        return { body: { to: "+213661234567", text: "not the first" }, key: "used-key" };
      }
      if (i === 30 || i === 31) {
        // Two new requests with one key in the same batch: one row, one replay.
        return { body: { to: "+213661234500", text: "twin" }, key: "twin-key" };
      }
      return {
        body: { to: `+2136612345${String(i).padStart(2, "0")}`, text: `hello ${i}` },
        key: i % 2 === 0 ? `key-${i}` : undefined,
      };
    });
    const answers = await Promise.all(
      requests.map((r) =>
        postJson(t, SEND, a.headers, r.body, r.key ? { "idempotency-key": r.key } : {}),
      ),
    );
    const bodies = await Promise.all(answers.map((res) => readBody(res)));

    expect(answers[17]!.status).toBe(409);
    expect(bodies[17]).toMatchObject({
      error: { code: "conflict", details: { message_id: firstId } },
    });
    const twins = [30, 31].map((i) => ({ res: answers[i]!, body: bodies[i]! }));
    expect(twins.map((x) => x.res.status)).toEqual([202, 202]);
    expect(twins[0]!.body.id).toBe(twins[1]!.body.id);
    expect(twins.filter((x) => x.res.headers.get("idempotent-replayed") === "true")).toHaveLength(
      1,
    );
    const others = answers.map((res, i) => ({ res, body: bodies[i]!, i }));
    for (const { res, body, i } of others) {
      if (i === 17 || i === 30 || i === 31) continue;
      expect(res.status, `request ${i}`).toBe(202);
      expect(body).toMatchObject({ status: "queued", text: `hello ${i}` });
      expect(res.headers.get("idempotent-replayed")).toBeNull();
    }

    // 1 first + 47 others + 1 twin: one row, one job and one unit each, nothing more.
    const rows = await rowsOf(a.userId);
    expect(rows).toHaveLength(49);
    expect(await used(a.userId)).toBe(49);
    expect(await jobCount(a.sessionId)).toBe(49);
    // They really shared statements.
    expect(Math.max(...batcher.batchSizes)).toBeGreaterThan(1);
  });

  it("a database error fails only its batch: 503 for each of its requests, every unit refunded once, nothing left behind", async () => {
    const batcher = configureAcceptBatching(t.deps, { maxWaitMs: 200, maxBatch: 5 });
    const a = await accountWithSession(t, { maxMessagesPerDay: 500 });
    // A statement with the row "boom" in it fails as a whole (not a data error of one row).
    await t.deps.db.execute(sql`
      create or replace function accept_fault() returns trigger language plpgsql as $$
      begin
        if new.content = 'boom' then raise exception 'injected batch failure'; end if;
        return new;
      end $$`);
    await t.deps.db.execute(
      sql`create trigger accept_fault before insert on messages for each row execute function accept_fault()`,
    );
    const texts = Array.from({ length: 20 }, (_, i) => (i === 7 ? "boom" : `fine ${i}`));
    const answers = await Promise.all(
      texts.map((text, i) =>
        postJson(t, SEND, a.headers, { to: `+2136612345${String(i).padStart(2, "0")}`, text }),
      ),
    );
    const bodies = await Promise.all(answers.map((res) => readBody(res)));
    const statuses = answers.map((res) => res.status);
    expect(statuses[7]).toBe(503);
    expect(bodies[7]).toMatchObject({ error: { code: "service_unavailable" } });
    expect(answers[7]!.headers.get("retry-after")).toBe("5");
    expect(statuses.every((s) => s === 202 || s === 503)).toBe(true);
    const failed = statuses.filter((s) => s === 503).length;
    const accepted = statuses.filter((s) => s === 202).length;
    // Batches hold at most 5: the failed one takes its neighbours, never the other batches.
    expect(failed).toBeLessThanOrEqual(5);
    expect(accepted).toBeGreaterThanOrEqual(15);

    // Every accepted request has its row, job and unit; every refused one has none of them.
    const rows = await rowsOf(a.userId);
    expect(rows).toHaveLength(accepted);
    expect(rows.some((row) => row.content === "boom")).toBe(false);
    const acceptedIds = bodies.filter((_, i) => statuses[i] === 202).map((b) => b.id);
    expect(rows.map((r) => r.id).sort()).toEqual([...acceptedIds].sort());
    expect(await used(a.userId)).toBe(accepted);
    expect(await jobCount(a.sessionId)).toBe(accepted);
    expect(batcher.batchSizes.length).toBeGreaterThan(0);

    // Every request of a failing statement: all 503, the counter back where it was.
    await t.deps.db.execute(sql`drop trigger accept_fault on messages`);
    await t.deps.db.execute(sql`
      create or replace function accept_fault_all() returns trigger language plpgsql as $$
      begin raise exception 'injected statement failure'; end $$`);
    await t.deps.db.execute(
      sql`create trigger accept_fault before insert on messages for each statement execute function accept_fault_all()`,
    );
    const before = await used(a.userId);
    const all = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        postJson(t, SEND, a.headers, { to: "+213661234567", text: `all ${i}` }),
      ),
    );
    expect(all.map((res) => res.status)).toEqual(Array(8).fill(503));
    expect(await used(a.userId)).toBe(before);
    expect(await rowsOf(a.userId)).toHaveLength(accepted);
    expect(await jobCount(a.sessionId)).toBe(accepted);
  });

  it("a row whose cached session was deleted fails alone (404); its batch neighbours are accepted", async () => {
    configureAcceptBatching(t.deps, { maxWaitMs: 200, maxBatch: 100 });
    const gone = await accountWithSession(t);
    const kept = await accountWithSession(t);
    // Cache the session id, then delete the session behind the cache's back.
    const warm = await postJson(t, SEND, gone.headers, { to: "+213661234567", text: "warm" });
    expect(warm.status).toBe(202);
    await t.deps.db.delete(whatsappSessions).where(eq(whatsappSessions.id, gone.sessionId));
    const usedBefore = await used(gone.userId);

    const answers = await Promise.all([
      postJson(t, SEND, gone.headers, { to: "+213661234567", text: "orphan" }),
      ...Array.from({ length: 6 }, (_, i) =>
        postJson(t, SEND, kept.headers, { to: "+213661234567", text: `kept ${i}` }),
      ),
    ]);
    expect(answers[0]!.status).toBe(404);
    expect(await readBody(answers[0]!)).toMatchObject({ error: { code: "not_found" } });
    expect(answers.slice(1).map((res) => res.status)).toEqual(Array(6).fill(202));
    expect(await used(gone.userId)).toBe(usedBefore);
    // The cache forgot it: the next send is refused before any unit is taken.
    const again = await postJson(t, SEND, gone.headers, { to: "+213661234567", text: "again" });
    expect(again.status).toBe(404);
    expect(await used(gone.userId)).toBe(usedBefore);
  });
});
