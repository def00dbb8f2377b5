import { JOB_NAMES, sendQueueName } from "@wagate/contracts";
import { messages, whatsappSessions } from "@wagate/db";
import { useTestEnv } from "@wagate/testkit";
// The real worker with the fast simulator: the messages must really go out, once.
import {
  createDriverFactory,
  createWorker,
  NO_PACING,
  SimulatedNetwork,
  type WhatsAppWorker,
} from "@wagate/whatsapp-worker";
import { Queue } from "bullmq";
import { eq, inArray } from "drizzle-orm";
import pino from "pino";
import { Registry } from "prom-client";
import { afterAll, describe, expect, it } from "vitest";
import { redisSentinelKey } from "../src/redis-watch.js";
import type { Scheduler } from "../src/scheduler.js";
import { insertMessage, insertUser, makeScheduler } from "./helpers.js";

// Issue 9 defects 1 and 2, issue 14 "faster recovery": Redis loses its data under a RUNNING
// scheduler and worker; nobody restarts anything.
const env = useTestEnv();
const started: { stop: () => Promise<unknown> }[] = [];
afterAll(async () => {
  for (const s of started.reverse()) await s.stop().catch(() => {});
});

/**
 * Deletes every key under this file's prefix in one atomic script: schedules, queues, jobs,
 * leases, sentinel. It stands in for FLUSHALL or a restart without persistence (atomic too),
 * which the shared test Redis must never see; a SCAN loop from the client could race with
 * the watch re-declaring the schedules half way.
 */
async function loseRedis() {
  await env.redis.redis.eval(
    `local cursor = "0"
    repeat
      local page = redis.call("SCAN", cursor, "MATCH", ARGV[1], "COUNT", 1000)
      cursor = page[1]
      for _, key in ipairs(page[2]) do redis.call("UNLINK", key) end
    until cursor == "0"
    return 0`,
    0,
    `${env.redis.prefix}:*`,
  );
}

async function until<T>(probe: () => Promise<T | null | undefined | false>, what: string) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const runsOf = async (scheduler: Scheduler, job: string) =>
  (await scheduler.ctx.metrics.jobRuns.get()).values.find(
    (v) => v.labels.job === job && v.labels.result === "success",
  )?.value ?? 0;

const ALL_OFF = {
  SCHEDULE_AGGREGATE_USAGE: "off",
  SCHEDULE_AGGREGATE_USAGE_YESTERDAY: "off",
  SCHEDULE_PRUNE_LOGS: "off",
  SCHEDULE_CLEANUP_EXPIRED: "off",
  SCHEDULE_RECONCILE_MESSAGES: "off",
  SCHEDULE_DETECT_SUSPICIOUS: "off",
};

describe("Redis loses its data under a running scheduler", () => {
  it("declares the schedules again and runs a scheduled job again within its period", {
    timeout: 60_000,
  }, async () => {
    const scheduler = makeScheduler(env, {
      settings: {
        ...ALL_OFF,
        // Every second, so "within its period" is observable in a test.
        SCHEDULE_CLEANUP_EXPIRED: "* * * * * *",
        SCHEDULER_REDIS_CHECK_MS: "300",
      },
    });
    started.push(scheduler);
    await scheduler.start();
    await until(async () => (await runsOf(scheduler, "cleanup-expired")) >= 1, "a first run");

    await loseRedis();
    const before = await runsOf(scheduler, "cleanup-expired");
    // Two more runs: at least one was scheduled after the loss.
    await until(
      async () => (await runsOf(scheduler, "cleanup-expired")) >= before + 2,
      "cleanup-expired to run again after the loss",
    );
    const keys = (await scheduler.queue.getJobSchedulers(0, -1)).map((s) => s.key);
    expect(keys).toEqual(["cleanup-expired"]);
    expect(await env.redis.redis.exists(redisSentinelKey(env.redis.prefix))).toBe(1);
    const text = await scheduler.registry.metrics();
    expect(text).toMatch(/wagate_scheduler_redis_data_losses_total [2-9]/);
    await scheduler.stop();
  });

  it("sends every accepted message again, a due scheduled one included, with no restart", {
    timeout: 60_000,
  }, async () => {
    const network = new SimulatedNetwork();
    // Default settings: reconcile every minute with a 60 s grace, which these rows (all
    // accepted seconds ago) would wait out; recovery must not.
    const scheduler = makeScheduler(env, { settings: { SCHEDULER_REDIS_CHECK_MS: "300" } });
    started.push(scheduler);
    const userId = await insertUser(env);
    const live = "ses_REDISLOSS00000000000000001";
    const idle = "ses_REDISLOSS00000000000000002";
    await env.db.db.insert(whatsappSessions).values([
      // A dead owner held fencing token 5 on `live`; the next owner's token is higher.
      {
        id: live,
        userId,
        name: "live",
        mode: "test",
        driver: "simulator",
        desiredState: "running",
        leaseToken: 5,
      },
      {
        id: idle,
        userId,
        name: "idle",
        mode: "test",
        driver: "simulator",
        desiredState: "stopped",
      },
    ]);
    const worker: WhatsAppWorker = createWorker({
      db: env.db.db,
      redis: env.redis.redis,
      redisPrefix: env.redis.prefix,
      logger: pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }),
      registry: new Registry(),
      driverFactory: createDriverFactory({
        db: env.db.db,
        simProfile: "fast",
        simNetwork: network,
      }),
      options: {
        leaseTtlMs: 4000,
        heartbeatMs: 400,
        claimIntervalMs: 200,
        jobLockMs: 3000,
        stalledIntervalMs: 1000,
        simulatorPacing: NO_PACING,
        retryBaseMs: 50,
      },
    });
    started.push(worker);
    await scheduler.start();
    await worker.start();
    await until(async () => {
      const [row] = await env.db.db
        .select()
        .from(whatsappSessions)
        .where(eq(whatsappSessions.id, live));
      return row?.status === "ready";
    }, "the live session to be ready");

    const now = Date.now();
    const day = new Date(now).toISOString().slice(0, 10);
    const seed = (
      sessionId: string,
      status: string,
      extra: Partial<Parameters<typeof insertMessage>[1]> = {},
    ) =>
      insertMessage(env, {
        userId,
        sessionId,
        status,
        createdAt: new Date(),
        quotaDay: day,
        ...extra,
      });
    // Accepted the way the API does it: a delayed job for the scheduled one, jobs waiting on
    // the idle session's queue for the others.
    const scheduled = await seed(live, "scheduled", { scheduledAt: new Date(now + 2000) });
    const queued = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        seed(idle, "queued", { recipient: `+2136612345${10 + i}` }),
      ),
    );
    // Caught mid-send by a worker that was then lost (token 5): no job, `sending` a while.
    const stranded = await seed(live, "sending", {
      sendToken: 5,
      sendingAt: new Date(now - 30_000),
      updatedAt: new Date(now - 30_000),
      createdAt: new Date(now - 40_000),
    });
    const liveQueue = new Queue(sendQueueName(live), {
      connection: env.redis.redis,
      prefix: env.redis.prefix,
    });
    const idleQueue = new Queue(sendQueueName(idle), {
      connection: env.redis.redis,
      prefix: env.redis.prefix,
    });
    await liveQueue.add(
      JOB_NAMES.send,
      { messageId: scheduled },
      { jobId: scheduled, delay: 2000 },
    );
    await idleQueue.addBulk(
      queued.map((id) => ({ name: JOB_NAMES.send, data: { messageId: id }, opts: { jobId: id } })),
    );

    await loseRedis();
    await env.db.db
      .update(whatsappSessions)
      .set({ desiredState: "running" })
      .where(eq(whatsappSessions.id, idle));

    const all = [scheduled, stranded, ...queued];
    const rows = await until(async () => {
      const found = await env.db.db.select().from(messages).where(inArray(messages.id, all));
      return found.every((r) => r.sentAt) ? found : null;
    }, "every accepted message to be sent");
    for (const row of rows) expect(["sent", "delivered", "read"]).toContain(row.status);
    for (const id of all) expect(network.sendCount(id), id).toBe(1);
    expect(network.duplicates()).toEqual([]);
    await liveQueue.close();
    await idleQueue.close();
  });
});
