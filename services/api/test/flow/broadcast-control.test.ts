import { sendQueueName } from "@wagate/contracts";
import { quotaUsed } from "@wagate/core";
import { broadcasts, messages, users, webhookDeliveries } from "@wagate/db";
import type { WhatsAppWorker } from "@wagate/whatsapp-worker";
import { and, asc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flushBroadcastEnqueues } from "../../src/domain/broadcasts/accept.js";
import { queueFor } from "../../src/lib/queues.js";
import { seedAccount, useTestApp } from "../harness.js";
import { readBody } from "../security.js";
import { createStackWorker, eventually, type Stack, startStack } from "./stack.js";

/**
 * Broadcasts, continued: `Idempotency-Key` on create (JSON and CSV bodies, concurrent
 * duplicates), pacing checked from the sent times, and a cancel whose `message.status`
 * fan-out is left to the workers and survives a crash.
 */
const t = useTestApp();
let stack: Stack;
let second: WhatsAppWorker | undefined;

type Account = Awaited<ReturnType<typeof seedAccount>>;

const call = (account: Account, method: string, path: string, body?: unknown, key?: string) =>
  t.app.request(path, {
    method,
    headers: {
      ...(body === undefined ? { authorization: account.headers.authorization } : account.headers),
      ...(key ? { "idempotency-key": key } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
const used = (account: Account) =>
  quotaUsed(t.deps.redis, t.deps.redisPrefix, {
    userId: account.userId,
    mode: "test",
    now: new Date(),
  });
const number = (i: number) => `+21366${2_000_005 + i * 10}`;
const later = () => new Date(Date.now() + 3600_000).toISOString();
const broadcastRows = (account: Account) =>
  t.deps.db.select().from(broadcasts).where(eq(broadcasts.userId, account.userId));
const messageCount = async (broadcastId: string) =>
  (
    await t.deps.db
      .select({ n: sql<number>`count(*)::int` })
      .from(messages)
      .where(eq(messages.broadcastId, broadcastId))
  )[0]!.n;

async function readySession(account: Account) {
  expect((await call(account, "POST", "/api/v1/sessions/init")).status).toBe(202);
  await eventually(async () => {
    const body = await readBody(await call(account, "GET", "/api/v1/sessions/status"));
    return body.status === "ready";
  }, "a ready session");
}

beforeAll(async () => {
  stack = await startStack(t, { linkDelayMs: 200 });
}, 60_000);
afterAll(async () => {
  await second?.stop();
  await stack?.stop();
});

describe("broadcast Idempotency-Key", () => {
  let account: Account;
  beforeAll(async () => {
    account = await seedAccount(t, { maxMessagesPerDay: 1_000 });
    // Nothing is sent: the broadcasts wait for a send_at an hour ahead.
    expect((await call(account, "POST", "/api/v1/sessions/init")).status).toBe(202);
  });

  it("same key + same body answers the first broadcast; another body is 409 like the message routes", async () => {
    const body = {
      name: "promo",
      message: { text: "Hi {{name}}" },
      recipients: Array.from({ length: 20 }, (_, i) => ({
        to: number(i),
        variables: { name: `N${i}` },
      })),
      send_at: later(),
    };
    const before = await used(account);
    const first = await call(account, "POST", "/api/v1/broadcasts", body, "promo-1");
    expect(first.status).toBe(202);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const created = await readBody(first);
    expect(await used(account)).toBe(before + 20);

    const again = await call(account, "POST", "/api/v1/broadcasts", body, "promo-1");
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    const replayed = await readBody(again);
    expect(replayed.id).toBe(created.id);
    expect(replayed.recipients).toEqual(created.recipients);
    expect(await used(account)).toBe(before + 20);
    expect(await broadcastRows(account)).toHaveLength(1);
    expect(await messageCount(created.id)).toBe(20);

    const other = await call(
      account,
      "POST",
      "/api/v1/broadcasts",
      { ...body, name: "promo changed" },
      "promo-1",
    );
    expect(other.status).toBe(409);
    const conflict = (await readBody(other)).error;
    expect(conflict.details).toMatchObject({ broadcast_id: created.id });
    expect(await used(account)).toBe(before + 20);

    // The message routes answer a reused key with another body with the same code.
    const sendBody = { to: number(500), text: "one", send_at: later() };
    expect(
      (await call(account, "POST", "/api/v1/messages/send-text", sendBody, "m-1")).status,
    ).toBe(202);
    const sendConflict = await call(
      account,
      "POST",
      "/api/v1/messages/send-text",
      { ...sendBody, text: "two" },
      "m-1",
    );
    expect(sendConflict.status).toBe(409);
    expect((await readBody(sendConflict)).error.code).toBe(conflict.code);

    // Another key is another broadcast; a malformed key is refused.
    const fresh = await call(account, "POST", "/api/v1/broadcasts", body, "promo-2");
    expect(fresh.status).toBe(202);
    expect((await readBody(fresh)).id).not.toBe(created.id);
    expect((await call(account, "POST", "/api/v1/broadcasts", body, "bad key")).status).toBe(400);
  });

  it("a CSV body replays only when the CSV text is the same", async () => {
    const csv = [
      "\uFEFFto,name",
      ...Array.from({ length: 10 }, (_, i) => `${number(100 + i)},C${i}`),
    ].join("\r\n");
    const body = { name: "csv", message: { text: "Dear {{name}}" }, csv, send_at: later() };
    const before = await used(account);
    const first = await call(account, "POST", "/api/v1/broadcasts", body, "csv-1");
    expect(first.status).toBe(202);
    const created = await readBody(first);
    expect(created.recipients).toEqual({ total: 10, accepted: 10, refused: 0 });
    const again = await call(account, "POST", "/api/v1/broadcasts", body, "csv-1");
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((await readBody(again)).id).toBe(created.id);
    expect(await used(account)).toBe(before + 10);
    const edited = await call(
      account,
      "POST",
      "/api/v1/broadcasts",
      { ...body, csv: csv.replace("C3", "C4") },
      "csv-1",
    );
    expect(edited.status).toBe(409);
    expect(await used(account)).toBe(before + 10);
    expect(await messageCount(created.id)).toBe(10);
  });

  it("concurrent duplicates create one broadcast and reserve its units once", async () => {
    const body = {
      name: "race",
      message: { text: "same" },
      recipients: Array.from({ length: 50 }, (_, i) => ({ to: number(200 + i) })),
      send_at: later(),
    };
    const before = await used(account);
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => call(account, "POST", "/api/v1/broadcasts", body, "race-1")),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(202));
    const ids = new Set(await Promise.all(answers.map(async (a) => (await readBody(a)).id)));
    expect(ids.size).toBe(1);
    const [id] = [...ids] as string[];
    expect(
      (await broadcastRows(account)).filter((b) => b.idempotencyKey === "race-1"),
    ).toHaveLength(1);
    expect(await messageCount(id!)).toBe(50);
    expect(await used(account)).toBe(before + 50);
  });
});

describe("broadcast pacing", () => {
  it("keeps the session's rate, each recipient's gap and the broadcast's slower rate, from the sent times", async () => {
    const account = await seedAccount(t, { maxMessagesPerDay: 1_000 });
    const policy = { per_minute: 120, burst: 2, min_gap_ms: 4_000, jitter_ms: 0 };
    await t.deps.db.update(users).set({ pacing: policy }).where(eq(users.id, account.userId));
    await readySession(account);

    // Broadcast A: 40 recipients at 60 a minute (slower than the session's 120).
    // Broadcast B: 10 recipients, 8 of them also in A, at the session's pace.
    const rateA = 60;
    const startedAt = Date.now();
    const a = await readBody(
      await call(account, "POST", "/api/v1/broadcasts", {
        name: "A",
        message: { text: "a" },
        recipients: Array.from({ length: 40 }, (_, i) => ({ to: number(300 + i) })),
        rate: rateA,
      }),
    );
    const b = await readBody(
      await call(account, "POST", "/api/v1/broadcasts", {
        name: "B",
        message: { text: "b" },
        recipients: Array.from({ length: 10 }, (_, i) => ({
          to: number(300 + (i < 8 ? i : 90 + i)),
        })),
      }),
    );
    await flushBroadcastEnqueues(t.deps);
    for (const id of [a.id, b.id]) {
      await eventually(
        async () =>
          (await readBody(await call(account, "GET", `/api/v1/broadcasts/${id}`))).status ===
          "completed",
        `broadcast ${id} to complete`,
        300_000,
      );
    }
    const sent = await t.deps.db
      .select({
        id: messages.id,
        broadcastId: messages.broadcastId,
        to: messages.recipient,
        sentAt: messages.sentAt,
      })
      .from(messages)
      .where(and(eq(messages.userId, account.userId), eq(messages.direction, "outbound")))
      .orderBy(asc(messages.sentAt));
    expect(sent).toHaveLength(50);
    const at = sent.map((m) => m.sentAt!.getTime());

    // Session bucket: sends are taken one at a time and a send is stamped before the next is
    // taken, so any window of sent times holds at most burst + 1 + window × rate sends.
    const perMs = policy.per_minute / 60_000;
    for (let i = 0; i < at.length; i++) {
      for (let j = i + 1; j < at.length; j++) {
        expect(j - i + 1).toBeLessThanOrEqual(policy.burst + 1 + (at[j]! - at[i]!) * perMs);
      }
    }
    // Recipient gap: the second send to a number was taken at least min_gap after the first
    // was taken, which came after the session's previous send was stamped.
    const byRecipient = new Map<string, number[]>();
    for (const [k, m] of sent.entries()) {
      byRecipient.set(m.to, [...(byRecipient.get(m.to) ?? []), k]);
    }
    let pairs = 0;
    for (const ks of byRecipient.values()) {
      for (let n = 1; n < ks.length; n++) {
        pairs += 1;
        const previous = ks[n - 1]!;
        const floor = previous > 0 ? at[previous - 1]! : startedAt;
        expect(at[ks[n]!]! - floor).toBeGreaterThanOrEqual(policy.min_gap_ms);
      }
    }
    expect(pairs).toBe(8);
    // Broadcast A's rate: its k-th send (in time) is never before k × 60 000 / rate after the
    // request (its jobs are spaced from the moment they are queued).
    const aTimes = sent.filter((m) => m.broadcastId === a.id).map((m) => m.sentAt!.getTime());
    expect(aTimes).toHaveLength(40);
    aTimes.forEach((time, k) => {
      expect(time - startedAt).toBeGreaterThanOrEqual((k * 60_000) / rateA);
    });
  }, 360_000);

  it("keeps a broadcast's own rate when its jobs fall due together (a worker that fell behind)", async () => {
    const account = await seedAccount(t, { maxMessagesPerDay: 1_000 });
    // The session itself may send 600 a minute in bursts of 10: only the broadcast's rate
    // (60 a minute, one a second) can space these sends.
    const policy = { per_minute: 600, burst: 10, min_gap_ms: 0, jitter_ms: 0 };
    await t.deps.db.update(users).set({ pacing: policy }).where(eq(users.id, account.userId));
    await readySession(account);
    const created = await readBody(
      await call(account, "POST", "/api/v1/broadcasts", {
        name: "behind",
        message: { text: "late" },
        recipients: Array.from({ length: 6 }, (_, i) => ({ to: number(500 + i) })),
        rate: 60,
      }),
    );
    await flushBroadcastEnqueues(t.deps);
    const rows = await t.deps.db
      .select({ id: messages.id, sessionId: messages.sessionId })
      .from(messages)
      .where(eq(messages.broadcastId, created.id));
    expect(rows).toHaveLength(6);
    // Every job due now, as after an outage: what is left of the schedule is gone.
    const queue = queueFor(t.deps, sendQueueName(rows[0]!.sessionId!));
    for (const job of await queue.getDelayed()) await job.promote();
    await eventually(
      async () =>
        (await readBody(await call(account, "GET", `/api/v1/broadcasts/${created.id}`))).status ===
        "completed",
      "the broadcast to complete",
      120_000,
    );
    const ids = new Set(rows.map((r) => r.id));
    const at = stack.network
      .deliveries()
      .filter((d) => ids.has(d.reference))
      .map((d) => d.at.getTime())
      .sort((x, y) => x - y);
    expect(at).toHaveLength(6);
    // One a second, taken one after the other: consecutive sends are never much closer
    // (the margin is the simulator's own latency varying between two sends).
    for (let k = 1; k < at.length; k++) expect(at[k]! - at[k - 1]!).toBeGreaterThanOrEqual(800);
  }, 180_000);
});

describe("broadcast cancel", () => {
  it("answers at once; every cancelled message is announced once by a worker, even after a crash, and refunded once", async () => {
    const account = await seedAccount(t, { maxMessagesPerDay: 10_000 });
    await readySession(account);
    const hook = await call(account, "POST", "/api/v1/webhooks", {
      url: stack.hookUrl,
      events: ["message.status"],
    });
    expect(hook.status).toBe(201);
    const size = 2_500;
    const before = await used(account);
    const created = await readBody(
      await call(account, "POST", "/api/v1/broadcasts", {
        name: "to cancel",
        message: { text: "never" },
        recipients: Array.from({ length: size }, (_, i) => ({ to: number(1_000 + i) })),
        send_at: later(),
      }),
    );
    await flushBroadcastEnqueues(t.deps);
    expect(await used(account)).toBe(before + size);

    // The worker dies: nobody can announce anything while it is down.
    await stack.worker.crash();
    const res = await call(account, "POST", `/api/v1/broadcasts/${created.id}/cancel`);
    expect(res.status).toBe(200);
    const cancelled = await readBody(res);
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.counts.cancelled).toBe(size);
    expect(await used(account)).toBe(before);
    const [row] = await t.deps.db.select().from(broadcasts).where(eq(broadcasts.id, created.id));
    expect(row!.announcePending).toBe(true);
    const statusDeliveries = () =>
      t.deps.db
        .select({ messageId: sql<string>`${webhookDeliveries.payload}->'data'->>'id'` })
        .from(webhookDeliveries)
        .where(
          and(
            eq(webhookDeliveries.userId, account.userId),
            eq(webhookDeliveries.eventType, "message.status"),
          ),
        );
    expect(await statusDeliveries()).toHaveLength(0);

    // A new worker takes the session over and announces the whole cancel.
    second = createStackWorker(t, stack.network);
    await second.start();
    await eventually(
      async () => {
        const [r] = await t.deps.db.select().from(broadcasts).where(eq(broadcasts.id, created.id));
        return !r!.announcePending;
      },
      "the cancel announced",
      180_000,
    );
    const announced = await statusDeliveries();
    expect(announced).toHaveLength(size);
    expect(new Set(announced.map((d) => d.messageId)).size).toBe(size);
    const received = await eventually(
      async () => {
        const hooks = stack.received.filter(
          (h) => h.payload.type === "message.status" && h.payload.data.status === "cancelled",
        );
        return hooks.length >= size ? hooks : null;
      },
      "every message.status delivered",
      240_000,
    );
    expect(new Set(received.map((h) => h.payload.data.id)).size).toBe(size);
    expect(received).toHaveLength(size);
    expect(received[0]!.payload.data).toMatchObject({ session: "default", status: "cancelled" });
    // Units came back once, and the fan-out gave back nothing more.
    expect(await used(account)).toBe(before);
  }, 480_000);
});
