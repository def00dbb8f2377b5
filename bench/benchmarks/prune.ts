/**
 * Cost of pruning a day of 1,000,000 api_logs rows, beside the yardstick of a plain
 * `SELECT count(*)` over the same rows, in one run:
 * - the way `prune-logs` does it: the day has its own partition, dropped whole
 *   (`dropApiLogPartitionsBefore`);
 * - the fallback the same job uses for rows that fell in the default partition (no day
 *   partition existed): `DELETE ... WHERE (id, created_at) IN (SELECT ... LIMIT 5000)` in a
 *   loop, each batch its own short statement.
 * Rows come from `INSERT ... SELECT generate_series`. BENCH_PRUNE_ROWS sets the rows per day
 * (default 1,000,000).
 */
import { createLogger, createRedis } from "@wagate/core";
import { createDb, dropApiLogPartitionsBefore, ensureApiLogPartitions } from "@wagate/db";
import { createScheduler, parseSchedulerSettings } from "@wagate/scheduler";
import { sql } from "drizzle-orm";
import { type Benchmark, envInt, result, timed } from "../lib.js";

/** The partitioned day and the day whose rows sit in the default partition. */
const PARTITIONED_DAY = "2020-01-02";
const DEFAULT_DAY = "2020-01-01";

export const benchmark: Benchmark = {
  name: "prune",
  description:
    "prune-logs: dropping a day partition and batched DELETE from the default partition (vs count(*))",
  run: async (ctx) => {
    const n = envInt("BENCH_PRUNE_ROWS", 1_000_000);
    const client = createDb(await ctx.createDatabase(), { max: 4 });
    const redis = createRedis(ctx.redisUrl);
    const scheduler = createScheduler({
      db: client.db,
      sql: client.sql,
      redis,
      redisPrefix: ctx.redisPrefix(),
      logger: createLogger("bench", "silent"),
      settings: parseSchedulerSettings({}),
      now: () => new Date("2020-03-01T04:00:00Z"),
    });
    try {
      const { db } = client;
      await ensureApiLogPartitions(client.sql, new Date(`${PARTITIONED_DAY}T00:00:00Z`), 0);
      const fill = (day: string, tag: string) =>
        db.execute(sql`
          insert into api_logs (id, user_id, api_key_id, method, route, status_code, ip, duration_ms, created_at)
          select ${`log_${tag}`} || lpad(g::text, 24, '0'), 'usr_' || (g % 1000), 'key_' || (g % 1000),
                 'GET', '/api/v1/messages', 200, '203.0.113.' || (g % 250), 3,
                 ${`${day}T00:00:00Z`}::timestamptz + (g % 86400) * interval '1 second'
            from generate_series(1, ${n}) g`);
      await fill(PARTITIONED_DAY, "P");
      await fill(DEFAULT_DAY, "D");
      await db.execute(sql`analyze api_logs`);
      const count = async (day: string) => {
        const [r] = await db.execute<{ n: number }>(sql`select count(*)::int as n from api_logs
          where created_at >= ${`${day}T00:00:00Z`}::timestamptz
            and created_at < ${`${day}T00:00:00Z`}::timestamptz + interval '1 day'`);
        return r?.n ?? 0;
      };
      await count(PARTITIONED_DAY);
      await count(DEFAULT_DAY);
      const [countPartMs, partRows] = await timed(() => count(PARTITIONED_DAY));
      const [countDefaultMs, defaultRows] = await timed(() => count(DEFAULT_DAY));
      if (partRows !== n || defaultRows !== n) throw new Error("row counts do not match");

      const [dropMs, dropped] = await timed(() =>
        dropApiLogPartitionsBefore(client.sql, new Date("2020-01-03T00:00:00Z")),
      );
      if (dropped !== 1 || (await count(PARTITIONED_DAY)) !== 0)
        throw new Error("partition not dropped");
      // The whole prune-logs job: the default-partition rows go by batched DELETE.
      const [jobMs, outcome] = await timed(() => scheduler.runJob("prune-logs"));
      if (outcome.result !== "success" || outcome.summary.api_log_default_rows_deleted !== n) {
        throw new Error(
          `prune-logs did not delete the default-partition day: ${JSON.stringify(outcome)}`,
        );
      }
      return [
        result(
          `prune: drop a day partition of ${n} api_logs rows (vs count(*) of that day)`,
          dropMs,
          "ms",
          countPartMs,
        ),
        result(
          `prune: prune-logs batched DELETE of ${n} default-partition rows (vs count(*))`,
          jobMs,
          "ms",
          countDefaultMs,
        ),
      ];
    } finally {
      await scheduler.stop();
      redis.disconnect();
      await client.close();
    }
  },
};
