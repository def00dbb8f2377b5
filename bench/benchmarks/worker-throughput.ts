/**
 * Messages per second through the whatsapp-worker's send pipeline (simulator fast profile, no
 * pacing, no webhook: an unpaced session takes its queue in batches of `sendBatchSize` jobs,
 * claims their rows into `sending` under the fencing token in one statement, sends them one by
 * one in queue order, records `wa_message_id` + `sent` in one statement, then the acks,
 * batched; claims and records of all sessions share statements), with one
 * session and with 50 sessions in one worker, each beside the yardstick of empty BullMQ
 * processors on the same Redis with the same shape (one queue per session, concurrency 1 each,
 * as a session's queue is consumed in order), measured in one run. BENCH_WORKER_MESSAGES sets
 * the messages per measurement (default 2,000); BENCH_WORKER_SESSIONS the larger session
 * count (default 50).
 */
import { performance } from "node:perf_hooks";
import { JOB_NAMES, sendQueueName } from "@wagate/contracts";
import { createLogger, createRedis } from "@wagate/core";
import { createDb, messages, newId, users, whatsappSessions } from "@wagate/db";
import {
  createDriverFactory,
  createWorker,
  NO_PACING,
  SimulatedNetwork,
} from "@wagate/whatsapp-worker";
import { Queue, Worker } from "bullmq";
import { and, count, eq, inArray } from "drizzle-orm";
import type { Redis } from "ioredis";
import { Registry } from "prom-client";
import { type BenchContext, type Benchmark, envInt, result } from "../lib.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Empty processors: `queues` queues, one worker each (concurrency 1), `n` jobs spread over them. */
async function emptyProcessorRate(
  redis: Redis,
  prefix: string,
  n: number,
  queues: number,
): Promise<number> {
  const names = Array.from({ length: queues }, (_, i) => `bench-empty-${queues}-${i}`);
  const producers = names.map((name) => new Queue(name, { connection: redis, prefix }));
  let done = 0;
  let finished: () => void = () => {};
  const allDone = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const workers = names.map((name) => {
    const worker = new Worker(name, async () => {}, {
      connection: redis,
      prefix,
      concurrency: 1,
      autorun: false,
    });
    worker.on("completed", () => {
      done += 1;
      if (done === n) finished();
    });
    return worker;
  });
  const started = performance.now();
  await Promise.all(
    producers.map((queue, q) =>
      queue.addBulk(
        Array.from({ length: Math.ceil((n - q) / queues) }, (_, i) => ({
          name: "noop",
          data: { messageId: `msg_${q}_${i}` },
          opts: { jobId: `j${q}_${i}` },
        })),
      ),
    ),
  );
  for (const worker of workers) void worker.run();
  await allDone;
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(workers.map((worker) => worker.close()));
  for (const queue of producers) {
    await queue.obliterate({ force: true });
    await queue.close();
  }
  return n / seconds;
}

/** Messages/s through one worker holding `sessions` simulator sessions, `n` spread over them. */
async function pipelineRate(
  ctx: BenchContext,
  redis: Redis,
  n: number,
  sessions: number,
): Promise<number> {
  const client = createDb(await ctx.createDatabase(), { max: 10 });
  const prefix = ctx.redisPrefix();
  const network = new SimulatedNetwork();
  const worker = createWorker({
    db: client.db,
    redis,
    redisPrefix: prefix,
    logger: createLogger("bench", "silent"),
    registry: new Registry(),
    driverFactory: createDriverFactory({ db: client.db, simProfile: "fast", simNetwork: network }),
    options: { simulatorPacing: NO_PACING, maxSessions: Math.max(50, sessions) },
  });
  try {
    const { db } = client;
    const userId = newId("user");
    await db
      .insert(users)
      .values({ id: userId, name: "bench", email: `${userId.toLowerCase()}@example.com` });
    const sessionIds = Array.from({ length: sessions }, () => newId("session"));
    await db.insert(whatsappSessions).values(
      sessionIds.map((id, i) => ({
        id,
        userId,
        name: `s${i}`,
        mode: "test" as const,
        driver: "simulator" as const,
        desiredState: "running" as const,
      })),
    );
    await worker.start();
    const ready = () => sessionIds.every((id) => worker.manager.runtime(id)?.status === "ready");
    for (let i = 0; i < 1200 && !ready(); i++) await sleep(25);
    if (!ready()) throw new Error("sessions did not link");

    const rows = Array.from({ length: n }, (_, i) => ({
      id: newId("message"),
      userId,
      sessionId: sessionIds[i % sessions]!,
      mode: "test" as const,
      direction: "outbound" as const,
      // 1000..9999: never one of the simulator's magic endings (0000, 0001, 0002).
      recipient: `+21366120${(i % 9000) + 1000}`,
      type: "text" as const,
      content: "benchmark",
      status: "queued" as const,
    }));
    for (let i = 0; i < n; i += 1000) await db.insert(messages).values(rows.slice(i, i + 1000));
    const queues = sessionIds.map(
      (id) => new Queue(sendQueueName(id), { connection: redis, prefix }),
    );
    const started = performance.now();
    await Promise.all(
      queues.map((queue, q) =>
        queue.addBulk(
          rows
            .filter((row) => row.sessionId === sessionIds[q])
            .map((row) => ({
              name: JOB_NAMES.send,
              data: { messageId: row.id },
              opts: { jobId: row.id },
            })),
        ),
      ),
    );
    const sentStatuses = ["sent", "delivered", "read"] as const;
    for (;;) {
      const [row] = await db
        .select({ n: count() })
        .from(messages)
        .where(and(eq(messages.userId, userId), inArray(messages.status, [...sentStatuses])));
      if ((row?.n ?? 0) >= n) break;
      await sleep(20);
    }
    const seconds = (performance.now() - started) / 1000;
    await Promise.all(queues.map((queue) => queue.close()));
    if (network.duplicates().length > 0) throw new Error("a message was sent twice");
    return n / seconds;
  } finally {
    await worker.stop().catch(() => {});
    await client.close();
  }
}

export const benchmark: Benchmark = {
  name: "worker-throughput",
  description:
    "messages/s through the whatsapp-worker send pipeline, one simulator session (vs empty BullMQ processor)",
  run: async (ctx) => {
    const n = envInt("BENCH_WORKER_MESSAGES", 2000);
    const many = envInt("BENCH_WORKER_SESSIONS", 50);
    const redis = createRedis(ctx.redisUrl);
    try {
      const results = [];
      for (const sessions of [1, many]) {
        const baseline = await emptyProcessorRate(redis, ctx.redisPrefix(), n, sessions);
        const rate = await pipelineRate(ctx, redis, n, sessions);
        const label = sessions === 1 ? "one simulator session" : `${sessions} simulator sessions`;
        results.push(
          result(
            `worker: ${n} messages through ${label} (vs empty BullMQ processors, same queues), msg/s`,
            rate,
            "msg/s",
            baseline,
          ),
        );
      }
      return results;
    } finally {
      redis.disconnect();
    }
  },
};
