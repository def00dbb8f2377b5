import { messages } from "@wagate/db";
import { useTestEnv } from "@wagate/testkit";
import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueueTexts, harness, seedAccount, seedSession, sessionRow, waitFor } from "./helpers.js";

const env = useTestEnv();
const h = harness(env);
let userId: string;

beforeAll(async () => {
  userId = await seedAccount(env);
});
afterAll(() => h.stopAll());

const ownerOf = async (sessionId: string) => (await sessionRow(env, sessionId)).ownerWorkerId;

describe("session ownership", () => {
  it("moves a session to another worker when its owner stops heartbeating", async () => {
    const sessionId = await seedSession(env, userId);
    const a = await h.startWorker();
    await waitFor(async () => (await sessionRow(env, sessionId)).status === "ready");
    const first = await sessionRow(env, sessionId);
    expect(first.ownerWorkerId).toBe(a.workerId);

    const b = await h.startWorker();
    await new Promise((r) => setTimeout(r, 500));
    expect(b.manager.owns(sessionId)).toBe(false); // held by A: B does not take it

    await a.crash();
    // Once A's lease (4 s) expires, B's claim scan takes the session over.
    await waitFor(
      async () => (await ownerOf(sessionId)) === b.workerId && b.manager.owns(sessionId),
      { timeoutMs: 30_000, what: "takeover" },
    );
    const taken = await waitFor(async () => {
      const row = await sessionRow(env, sessionId);
      return row.status === "ready" ? row : null;
    });
    expect(taken.leaseToken).toBeGreaterThan(first.leaseToken!);
    await b.stop();
  });

  it("stops a session at once when its lease is lost", async () => {
    const sessionId = await seedSession(env, userId);
    const a = await h.startWorker();
    await waitFor(async () => a.manager.owns(sessionId));
    // Another process took the lease (e.g. after a long pause of this one).
    await env.redis.redis.set(
      `${env.redis.prefix}:lease:session:${sessionId}`,
      "someone-else|999",
      "PX",
      60_000,
    );
    // Dropped on A's next heartbeat; left alone, A would keep it for good.
    await waitFor(async () => !a.manager.owns(sessionId), {
      timeoutMs: 20_000,
      what: "session dropped",
    });
    await env.redis.redis.del(`${env.redis.prefix}:lease:session:${sessionId}`);
    await a.stop();
  });

  it("hands a session over on graceful shutdown without waiting for the lease to expire", async () => {
    const sessionId = await seedSession(env, userId);
    // A's lease lasts 120 s: B owning the session well before that proves A released it on
    // shutdown rather than letting it expire (no wall-clock bound that a busy machine breaks).
    const a = await h.startWorker({ leaseTtlMs: 120_000, heartbeatMs: 1000 });
    await waitFor(async () => a.manager.owns(sessionId));
    const b = await h.startWorker({ leaseTtlMs: 60_000, heartbeatMs: 1000 });
    await a.stop();
    await waitFor(async () => b.manager.owns(sessionId), { timeoutMs: 30_000, what: "handover" });
    await b.stop();
  });

  it("hands a job waiting in the pacer back on graceful shutdown; the next owner sends it once", async () => {
    const pacedUser = await seedAccount(env, { min_gap_ms: 60_000 });
    const sessionId = await seedSession(env, pacedUser);
    const a = await h.startWorker();
    await waitFor(async () => (await sessionRow(env, sessionId)).status === "ready");
    const [first, second] = await enqueueTexts(env, {
      userId: pacedUser,
      sessionId,
      to: "+213661000055",
      count: 2,
    });
    await waitFor(async () => h.network.sendCount(first!) === 1);
    await new Promise((r) => setTimeout(r, 300)); // the second now waits out the 60 s gap
    expect(h.network.sendCount(second!)).toBe(0);
    await a.stop();
    const b = await h.startWorker();
    await waitFor(async () => h.network.sendCount(second!) === 1, {
      timeoutMs: 10_000,
      what: "second sent",
    });
    // The worker records WhatsApp's id just after the driver returns: wait for the rows.
    const rows = await waitFor(
      async () => {
        const found = await env.db.db
          .select()
          .from(messages)
          .where(inArray(messages.id, [first!, second!]));
        return found.every((r) => r.waMessageId !== null) ? found : null;
      },
      { what: "both rows record WhatsApp's id" },
    );
    expect(rows).toHaveLength(2);
    expect(h.network.sendCount(first!)).toBe(1);
    await b.stop();
  });

  it("sends every message exactly once when the owner dies mid-batch", async () => {
    const sessionId = await seedSession(env, userId);
    const a = await h.startWorker();
    await waitFor(async () => (await sessionRow(env, sessionId)).status === "ready");
    const ids = await enqueueTexts(env, {
      userId,
      sessionId,
      to: ["+213661000011", "+213661000012", "+213661000013"],
      count: 500,
    });
    const sentCount = async () => ids.filter((id) => h.network.sendCount(id) > 0).length;
    // Throughput depends on the machine's load: wait for states, not for a rate.
    await waitFor(async () => (await sentCount()) >= 100, { timeoutMs: 90_000, what: "100 sent" });
    await a.crash(); // no lease release, BullMQ workers force-closed, in-flight job abandoned
    const atCrash = await sentCount();
    expect(atCrash).toBeLessThan(500);

    const b = await h.startWorker();
    await waitFor(
      async () => {
        const rows = await env.db.db
          .select({ id: messages.id })
          .from(messages)
          .where(
            and(inArray(messages.id, ids), inArray(messages.status, ["sent", "delivered", "read"])),
          );
        return rows.length === ids.length;
      },
      { timeoutMs: 300_000, intervalMs: 200, what: "all 500 sent" },
    );
    expect(h.network.duplicates()).toEqual([]);
    for (const id of ids) expect(h.network.sendCount(id)).toBe(1);
    const rows = await env.db.db.select().from(messages).where(inArray(messages.id, ids));
    for (const row of rows) expect(row.waMessageId).toBe(h.network.find(row.id)!.waMessageId);
    // Claimed again after the crash: only what the dead owner held, at most the batch being
    // sent and the one being recorded (an unpaced session sends in batches, `sendBatchSize`).
    expect(rows.filter((r) => r.sendToken !== null && r.attempts > 1).length).toBeLessThanOrEqual(
      2 * a.ctx.options.sendBatchSize,
    );
    expect(b.manager.owns(sessionId)).toBe(true);
    expect(await sessionRow(env, sessionId)).toMatchObject({ ownerWorkerId: b.workerId });
    void eq;
  }, 480_000);
});
