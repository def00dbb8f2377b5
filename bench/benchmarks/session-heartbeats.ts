/**
 * One whatsapp-worker holding many simulator sessions (BENCH_SESSIONS, default 200; fast
 * profile, no pacing) with a 1 s heartbeat and a 5 s lease, under a burst of sends
 * (BENCH_SESSION_MESSAGES per session, default 5). Figures:
 * - time until every session is `ready`;
 * - mean heartbeat round (every lease renewed, mirrored in one statement, desired states
 *   read), from `wagate_worker_heartbeat_seconds`, against the heartbeat period;
 * - the least lease time left seen on any lease (every lease's PTTL polled every 100 ms from
 *   outside), against lease − heartbeat: a ratio ≥ 1 means every lease was renewed within one
 *   period, i.e. heartbeats on time;
 * - the longest event-loop delay of the process, against the heartbeat period.
 */
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { JOB_NAMES, sendQueueName } from "@wagate/contracts";
import { createLogger, createRedis } from "@wagate/core";
import { createDb, messages, newId, users, whatsappSessions } from "@wagate/db";
import {
  createDriverFactory,
  createWorker,
  NO_PACING,
  SimulatedNetwork,
} from "@wagate/whatsapp-worker";
import { Queue } from "bullmq";
import { and, count, eq, inArray } from "drizzle-orm";
import { Registry } from "prom-client";
import { type Benchmark, envInt, result } from "../lib.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const HEARTBEAT_MS = 1000;
const LEASE_TTL_MS = 5000;

export const benchmark: Benchmark = {
  name: "session-heartbeats",
  description:
    "one worker with 200 simulator sessions under a send burst: heartbeat round, lease time left, event-loop delay",
  run: async (ctx) => {
    const sessions = envInt("BENCH_SESSIONS", 200);
    const perSession = envInt("BENCH_SESSION_MESSAGES", 5);
    const client = createDb(await ctx.createDatabase(), { max: 10 });
    const redis = createRedis(ctx.redisUrl);
    const prefix = ctx.redisPrefix();
    const registry = new Registry();
    const worker = createWorker({
      db: client.db,
      redis,
      redisPrefix: prefix,
      logger: createLogger("bench", "silent"),
      registry,
      driverFactory: createDriverFactory({
        db: client.db,
        simProfile: "fast",
        simNetwork: new SimulatedNetwork(),
      }),
      options: {
        simulatorPacing: NO_PACING,
        maxSessions: sessions,
        heartbeatMs: HEARTBEAT_MS,
        claimIntervalMs: HEARTBEAT_MS,
        leaseTtlMs: LEASE_TTL_MS,
      },
    });
    const loop = monitorEventLoopDelay({ resolution: 10 });
    let polling = true;
    try {
      const { db } = client;
      const userId = newId("user");
      await db
        .insert(users)
        .values({ id: userId, name: "bench", email: `${userId.toLowerCase()}@example.com` });
      const ids = Array.from({ length: sessions }, () => newId("session"));
      await db.insert(whatsappSessions).values(
        ids.map((id, i) => ({
          id,
          userId,
          name: `s${i}`,
          mode: "test" as const,
          driver: "simulator" as const,
          desiredState: "running" as const,
        })),
      );
      const openStarted = performance.now();
      await worker.start();
      for (;;) {
        const [row] = await db
          .select({ n: count() })
          .from(whatsappSessions)
          .where(and(inArray(whatsappSessions.id, ids), eq(whatsappSessions.status, "ready")));
        if ((row?.n ?? 0) >= sessions) break;
        if (performance.now() - openStarted > 300_000) throw new Error("sessions did not open");
        await sleep(100);
      }
      const openSeconds = (performance.now() - openStarted) / 1000;

      // From outside: the least time left on any lease, polled while the burst runs.
      let leastLeft = LEASE_TTL_MS;
      const leaseKeys = ids.map((id) => `${prefix}:lease:session:${id}`);
      const poller = (async () => {
        while (polling) {
          const pipeline = redis.pipeline();
          for (const key of leaseKeys) pipeline.pttl(key);
          const answers = (await pipeline.exec()) ?? [];
          for (const [, ttl] of answers) leastLeft = Math.min(leastLeft, Number(ttl));
          await sleep(100);
        }
      })();
      const beats = registry.getSingleMetric("wagate_worker_heartbeat_seconds");
      const beatTotals = async () => {
        const values = (await beats?.get())?.values ?? [];
        const of = (suffix: string) =>
          Number(
            values.find((v) => (v as { metricName?: string }).metricName?.endsWith(suffix))
              ?.value ?? 0,
          );
        return { sum: of("_sum"), count: of("_count") };
      };
      const before = await beatTotals();
      loop.enable();

      const messageIds: string[] = [];
      const rows = ids.flatMap((sessionId) =>
        Array.from({ length: perSession }, (_, j) => {
          const id = newId("message");
          messageIds.push(id);
          return {
            id,
            userId,
            sessionId,
            mode: "test" as const,
            direction: "outbound" as const,
            recipient: `+21366120${(j % 9000) + 1000}`,
            type: "text" as const,
            content: "benchmark",
            status: "queued" as const,
          };
        }),
      );
      for (let i = 0; i < rows.length; i += 1000)
        await db.insert(messages).values(rows.slice(i, i + 1000));
      for (const sessionId of ids) {
        const queue = new Queue(sendQueueName(sessionId), { connection: redis, prefix });
        await queue.addBulk(
          rows
            .filter((r) => r.sessionId === sessionId)
            .map((r) => ({
              name: JOB_NAMES.send,
              data: { messageId: r.id },
              opts: { jobId: r.id },
            })),
        );
        await queue.close();
      }
      for (;;) {
        const [row] = await db
          .select({ n: count() })
          .from(messages)
          .where(
            and(
              inArray(messages.id, messageIds),
              inArray(messages.status, ["sent", "delivered", "read"]),
            ),
          );
        if ((row?.n ?? 0) >= messageIds.length) break;
        await sleep(100);
      }
      // A few more heartbeats once the burst is through.
      await sleep(3 * HEARTBEAT_MS);
      loop.disable();
      polling = false;
      await poller;
      const after = await beatTotals();
      const rounds = after.count - before.count;
      const meanRoundMs = rounds > 0 ? ((after.sum - before.sum) / rounds) * 1000 : 0;
      const lost = ids.filter((id) => !worker.manager.owns(id)).length;
      if (lost > 0) throw new Error(`${lost} sessions lost their lease`);
      return [
        result(`sessions: ${sessions} simulator sessions ready, s`, openSeconds, "s"),
        result(
          `sessions: mean heartbeat round with ${sessions} sessions under ${messageIds.length} sends (vs period), ms`,
          meanRoundMs,
          "ms",
          HEARTBEAT_MS,
        ),
        result(
          "sessions: least lease time left seen (vs lease − heartbeat), ms",
          leastLeft,
          "ms",
          LEASE_TTL_MS - HEARTBEAT_MS,
        ),
        result(
          "sessions: longest event-loop delay (vs heartbeat period), ms",
          loop.max / 1e6,
          "ms",
          HEARTBEAT_MS,
        ),
      ];
    } finally {
      polling = false;
      loop.disable();
      await worker.stop().catch(() => {});
      redis.disconnect();
      await client.close();
    }
  },
};
