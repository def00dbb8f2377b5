import { JOB_NAMES, QUEUES, sendQueueName } from "@wagate/contracts";
import { quotaKey } from "@wagate/core";
import { messages, webhookDeliveries, webhooks, whatsappSessions } from "@wagate/db";
import { useTestEnv } from "@wagate/testkit";
// The real worker (H5) with the fast simulator: the messages must really go out, once.
import {
  createDriverFactory,
  createWorker,
  NO_PACING,
  SimulatedNetwork,
  type WhatsAppWorker,
} from "@wagate/whatsapp-worker";
import { Queue, Worker } from "bullmq";
import { eq, inArray } from "drizzle-orm";
import pino from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertMessage, insertUser, makeScheduler } from "./helpers.js";

const env = useTestEnv();
let scheduler: ReturnType<typeof makeScheduler>;
let worker: WhatsAppWorker | undefined;
const network = new SimulatedNetwork();

/**
 * Deletes every key under this file's prefix: the queues, jobs, leases and quota counters.
 * It stands in for FLUSHALL (a Redis that lost its data), which the shared test Redis must
 * never see.
 */
async function loseRedis() {
  let cursor = "0";
  do {
    const [next, keys] = await env.redis.redis.scan(
      cursor,
      "MATCH",
      `${env.redis.prefix}:*`,
      "COUNT",
      1000,
    );
    cursor = next;
    if (keys.length > 0) await env.redis.redis.unlink(...keys);
  } while (cursor !== "0");
}

beforeAll(() => {
  scheduler = makeScheduler(env, { settings: { SENDING_TIMEOUT_SECONDS: "60" } });
});

afterAll(async () => {
  await worker?.stop();
  await scheduler?.stop();
});

describe("reconcile-messages after Redis loses its data", () => {
  it("re-enqueues every accepted message and each is sent exactly once", async () => {
    const userId = await insertUser(env);
    const sessionId = "ses_RECONCILE0000000000000001";
    await env.db.db.insert(whatsappSessions).values({
      id: sessionId,
      userId,
      name: "default",
      mode: "test",
      driver: "simulator",
      desiredState: "running",
      // The dead owner held fencing token 7 (mirrored on the row). Redis loses the counter
      // below; the next owner's token must still be higher than what the rows carry.
      leaseToken: 7,
    });
    const accepted = new Date(Date.now() - 120_000);
    const seed = (
      status: string,
      extra: Parameters<typeof insertMessage>[1] extends infer T ? Partial<T> : never,
    ) =>
      insertMessage(env, {
        userId,
        sessionId,
        status,
        createdAt: accepted,
        quotaDay: accepted.toISOString().slice(0, 10),
        ...extra,
      });
    const queued = await Promise.all(
      Array.from({ length: 20 }, (_, i) => seed("queued", { recipient: `+2136612345${10 + i}` })),
    );
    const dueScheduled = await seed("scheduled", { scheduledAt: new Date(Date.now() - 30_000) });
    const laterScheduled = await seed("scheduled", { scheduledAt: new Date(Date.now() + 1_500) });
    // Left `sending` by a worker that died (its lease is gone): one before WhatsApp got it,
    // one after (WhatsApp's id recorded, `sent` not yet).
    const stalled = await seed("sending", { sendToken: 7, sendingAt: accepted });
    const stalledSent = await seed("sending", {
      sendToken: 7,
      sendingAt: accepted,
      waMessageId: "sim_earlier",
    });
    // Too young to touch: the API may still be between INSERT and enqueue.
    const fresh = await insertMessage(env, {
      userId,
      sessionId,
      status: "queued",
      createdAt: new Date(),
    });
    const all = [...queued, dueScheduled, laterScheduled, stalled, stalledSent];

    // Accepted the way the API does it: one job per message, jobId = messageId.
    const queue = new Queue(sendQueueName(sessionId), {
      connection: env.redis.redis,
      prefix: env.redis.prefix,
    });
    await queue.addBulk(
      all.map((id) => ({ name: JOB_NAMES.send, data: { messageId: id }, opts: { jobId: id } })),
    );
    await loseRedis();
    expect(await queue.getJobCounts("waiting", "delayed")).toMatchObject({
      waiting: 0,
      delayed: 0,
    });

    const first = await scheduler.runJob("reconcile-messages", { trigger: "schedule" });
    expect(first).toMatchObject({
      result: "success",
      summary: { queued_requeued: 20, scheduled_requeued: 2, sending_requeued: 2 },
    });
    expect(await queue.getJob(fresh)).toBeUndefined();
    expect((await queue.getJob(laterScheduled))?.opts.delay).toBeGreaterThan(0);
    // A second pass finds every job in place and adds nothing.
    const second = await scheduler.runJob("reconcile-messages");
    expect(second).toMatchObject({
      result: "success",
      summary: { queued_requeued: 0, scheduled_requeued: 0, sending_requeued: 0 },
    });

    worker = createWorker({
      db: env.db.db,
      redis: env.redis.redis,
      redisPrefix: env.redis.prefix,
      logger: pino({ level: "silent" }),
      registry: new Registry(),
      driverFactory: createDriverFactory({
        db: env.db.db,
        simProfile: "fast",
        simNetwork: network,
      }),
      options: {
        leaseTtlMs: 1200,
        heartbeatMs: 300,
        claimIntervalMs: 200,
        jobLockMs: 1500,
        stalledIntervalMs: 500,
        simulatorPacing: NO_PACING,
        retryBaseMs: 50,
      },
    });
    await worker.start();

    const deadline = Date.now() + 20_000;
    let rows = await env.db.db.select().from(messages).where(inArray(messages.id, all));
    while (rows.some((r) => !r.sentAt) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      rows = await env.db.db.select().from(messages).where(inArray(messages.id, all));
    }
    for (const row of rows) {
      expect(row.sentAt, row.id).not.toBeNull();
      expect(["sent", "delivered", "read"]).toContain(row.status);
    }
    for (const id of all.filter((id) => id !== stalledSent))
      expect(network.sendCount(id), id).toBe(1);
    // WhatsApp already had it: recorded as sent, never sent again.
    expect(network.sendCount(stalledSent)).toBe(0);
    expect(rows.find((r) => r.id === stalledSent)!.waMessageId).toBe("sim_earlier");
    expect(network.duplicates()).toEqual([]);
    await queue.close();
  });

  it("re-enqueues a due scheduled message whose job finished without sending it", async () => {
    // Issue 9 defect 2: the job was taken and failed by a consumer that was going away, so
    // the row stayed `scheduled` while BullMQ kept the failed job under the message's id, and
    // adding a job with that id again was a no-op: reconcile "requeued" it every run, for good.
    const userId = await insertUser(env);
    const sessionId = "ses_RECONCILE0000000000000002";
    await env.db.db.insert(whatsappSessions).values({
      id: sessionId,
      userId,
      name: "second",
      mode: "test",
      driver: "simulator",
      desiredState: "stopped",
    });
    const accepted = new Date(Date.now() - 120_000);
    const id = await insertMessage(env, {
      userId,
      sessionId,
      status: "scheduled",
      createdAt: accepted,
      scheduledAt: new Date(Date.now() - 30_000),
      quotaDay: accepted.toISOString().slice(0, 10),
    });
    const queue = new Queue(sendQueueName(sessionId), {
      connection: env.redis.redis,
      prefix: env.redis.prefix,
    });
    await queue.add(JOB_NAMES.send, { messageId: id }, { jobId: id, removeOnFail: { age: 3600 } });
    const goingAway = new Worker(
      sendQueueName(sessionId),
      async () => {
        throw new Error("session stopped before sending");
      },
      { connection: env.redis.redis, prefix: env.redis.prefix },
    );
    const deadline = Date.now() + 20_000;
    while ((await (await queue.getJob(id))?.getState()) !== "failed" && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await goingAway.close();
    expect(await (await queue.getJob(id))?.getState()).toBe("failed");

    const outcome = await scheduler.runJob("reconcile-messages");
    expect(outcome).toMatchObject({ result: "success", summary: { scheduled_requeued: 1 } });
    expect(await (await queue.getJob(id))?.getState()).toBe("waiting");
    await env.db.db
      .update(whatsappSessions)
      .set({ desiredState: "running" })
      .where(eq(whatsappSessions.id, sessionId));
    let row = (await env.db.db.select().from(messages).where(eq(messages.id, id)))[0];
    while (!row?.sentAt && Date.now() < deadline + 10_000) {
      await new Promise((r) => setTimeout(r, 100));
      row = (await env.db.db.select().from(messages).where(eq(messages.id, id)))[0];
    }
    expect(row?.sentAt).not.toBeNull();
    expect(network.sendCount(id)).toBe(1);
    await queue.close();
  });

  it("fails a message whose session was deleted and gives its quota unit back once", async () => {
    const userId = await insertUser(env);
    const day = new Date().toISOString().slice(0, 10);
    const orphan = await insertMessage(env, {
      userId,
      sessionId: null,
      status: "queued",
      createdAt: new Date(Date.now() - 120_000),
      quotaDay: day,
    });
    await env.db.db.insert(webhooks).values({
      id: "whk_orphan",
      userId,
      url: "https://hooks.example.com/w",
      events: ["message.status"],
      secret: "whsec_dGVzdA==",
    });
    const counter = quotaKey(env.redis.prefix, { userId, mode: "test" }, day);
    await env.redis.redis.set(counter, "3");
    const outcome = await scheduler.runJob("reconcile-messages");
    expect(outcome).toMatchObject({ result: "success", summary: { orphans_failed: 1 } });
    await scheduler.runJob("reconcile-messages");
    expect(await env.redis.redis.get(counter)).toBe("2");
    const [row] = await env.db.db.select().from(messages).where(eq(messages.id, orphan));
    expect(row).toMatchObject({ status: "failed", errorCode: "session_deleted" });
    expect(row!.quotaRefundedAt).toBeInstanceOf(Date);
    const deliveries = await env.db.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.userId, userId));
    expect(deliveries.map((d) => d.payload)).toEqual([
      expect.objectContaining({
        type: "message.status",
        data: expect.objectContaining({ id: orphan, status: "failed" }),
      }),
    ]);
  });

  it("re-enqueues a pending webhook delivery whose job Redis lost, once", async () => {
    const userId = await insertUser(env);
    await env.db.db.insert(webhooks).values({
      id: "whk_lost",
      userId,
      url: "https://hooks.example.com/lost",
      events: ["message.status"],
      secret: "whsec_dGVzdA==",
    });
    const overdue = new Date(Date.now() - 30 * 60_000);
    await env.db.db.insert(webhookDeliveries).values({
      id: "whd_LOST0000000000000000000001",
      webhookId: "whk_lost",
      userId,
      eventType: "message.status",
      payload: { type: "message.status", timestamp: overdue.toISOString(), data: {} },
      status: "pending",
      attempts: 2,
      nextAttemptAt: overdue,
    });
    const first = await scheduler.runJob("reconcile-messages");
    expect(first).toMatchObject({ summary: { webhook_deliveries_requeued: 1 } });
    const queue = new Queue(QUEUES.webhooks, {
      connection: env.redis.redis,
      prefix: env.redis.prefix,
    });
    const job = await queue.getJob("whd_LOST0000000000000000000001");
    expect(job?.data).toEqual({ deliveryId: "whd_LOST0000000000000000000001" });
    // The job is in place now: a second pass leaves it alone.
    const second = await scheduler.runJob("reconcile-messages");
    expect(second).toMatchObject({ summary: { webhook_deliveries_requeued: 0 } });
    await queue.close();
  });
});
