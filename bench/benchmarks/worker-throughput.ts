/**
 * Messages per second through the whatsapp-worker's send pipeline (one session, simulator
 * fast profile, no pacing: re-read the row, move it to `sending` under the fencing token,
 * send through the driver, record `wa_message_id` + `sent`, then the three acks), beside the
 * yardstick of an empty BullMQ processor on the same Redis with the same concurrency (1, as
 * a session's queue is consumed in order), measured in one run. BENCH_WORKER_MESSAGES sets the
 * messages per measurement (default 2,000).
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
import { type Benchmark, envInt, result } from "../lib.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function emptyProcessorRate(redis: Redis, prefix: string, n: number): Promise<number> {
  const name = "bench-empty";
  const queue = new Queue(name, { connection: redis, prefix });
  let done = 0;
  let finished: () => void = () => {};
  const allDone = new Promise<void>((resolve) => {
    finished = resolve;
  });
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
  const started = performance.now();
  await queue.addBulk(
    Array.from({ length: n }, (_, i) => ({
      name: "noop",
      data: { messageId: `msg_${i}` },
      opts: { jobId: `j${i}` },
    })),
  );
  void worker.run();
  await allDone;
  const seconds = (performance.now() - started) / 1000;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return n / seconds;
}

export const benchmark: Benchmark = {
  name: "worker-throughput",
  description:
    "messages/s through the whatsapp-worker send pipeline, one simulator session (vs empty BullMQ processor)",
  run: async (ctx) => {
    const n = envInt("BENCH_WORKER_MESSAGES", 2000);
    const client = createDb(await ctx.createDatabase(), { max: 10 });
    const redis = createRedis(ctx.redisUrl);
    const prefix = ctx.redisPrefix();
    const network = new SimulatedNetwork();
    const worker = createWorker({
      db: client.db,
      redis,
      redisPrefix: prefix,
      logger: createLogger("bench", "silent"),
      registry: new Registry(),
      driverFactory: createDriverFactory({
        db: client.db,
        simProfile: "fast",
        simNetwork: network,
      }),
      options: { simulatorPacing: NO_PACING },
    });
    try {
      const baseline = await emptyProcessorRate(redis, prefix, n);

      const { db } = client;
      const userId = newId("user");
      await db
        .insert(users)
        .values({ id: userId, name: "bench", email: `${userId.toLowerCase()}@example.com` });
      const sessionId = newId("session");
      await db.insert(whatsappSessions).values({
        id: sessionId,
        userId,
        name: "default",
        mode: "test",
        driver: "simulator",
        desiredState: "running",
      });
      await worker.start();
      for (let i = 0; i < 400 && worker.manager.runtime(sessionId)?.status !== "ready"; i++)
        await sleep(25);
      if (worker.manager.runtime(sessionId)?.status !== "ready")
        throw new Error("session did not link");

      const ids = Array.from({ length: n }, () => newId("message"));
      for (let i = 0; i < n; i += 1000) {
        await db.insert(messages).values(
          ids.slice(i, i + 1000).map((id, j) => ({
            id,
            userId,
            sessionId,
            mode: "test" as const,
            direction: "outbound" as const,
            // 1000..9999: never one of the simulator's magic endings (0000, 0001, 0002).
            recipient: `+21366120${((i + j) % 9000) + 1000}`,
            type: "text" as const,
            content: "benchmark",
            status: "queued" as const,
          })),
        );
      }
      const queue = new Queue(sendQueueName(sessionId), { connection: redis, prefix });
      const started = performance.now();
      await queue.addBulk(
        ids.map((id) => ({ name: JOB_NAMES.send, data: { messageId: id }, opts: { jobId: id } })),
      );
      const sentStatuses = ["sent", "delivered", "read"] as const;
      for (;;) {
        const [row] = await db
          .select({ n: count() })
          .from(messages)
          .where(
            and(eq(messages.sessionId, sessionId), inArray(messages.status, [...sentStatuses])),
          );
        if ((row?.n ?? 0) >= n) break;
        await sleep(20);
      }
      const seconds = (performance.now() - started) / 1000;
      await queue.close();
      if (network.duplicates().length > 0) throw new Error("a message was sent twice");
      const rate = n / seconds;
      return [
        result(
          `worker: ${n} messages through one simulator session (vs empty BullMQ processor), msg/s`,
          rate,
          "msg/s",
          baseline,
        ),
      ];
    } finally {
      await worker.stop().catch(() => {});
      redis.disconnect();
      await client.close();
    }
  },
};
