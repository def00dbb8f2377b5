/**
 * Cost of the scheduler's usage aggregation (`aggregate-usage`, one UTC day) over
 * 1,000,000 api_logs rows and 200,000 messages of 1,000 accounts, beside the yardstick: a
 * plain `SELECT count(*)` over the same rows (the day's api_logs partition + the day's
 * messages), i.e. the least any query reading those rows can cost. Rows come from
 * `INSERT ... SELECT generate_series`. Timed in one run: the first aggregation (inserts
 * 1,000 usage_stats rows) and a rerun (recomputes, changes nothing).
 *
 * Sizes: BENCH_AGG_API_LOGS (default 1,000,000), BENCH_AGG_MESSAGES (default 200,000);
 * BENCH_AGG_HISTORY_DAYS (default 0) also fills that many earlier days with as many messages
 * each: the day's aggregation should cost the same however much history lies before it.
 */
import { createLogger, createRedis } from "@wagate/core";
import { createDb, ensureApiLogPartitions } from "@wagate/db";
import { aggregateUsageDay, createScheduler, parseSchedulerSettings } from "@wagate/scheduler";
import { sql } from "drizzle-orm";
import { type Benchmark, envInt, result, timed } from "../lib.js";

const DAY = "2026-01-15";

export const benchmark: Benchmark = {
  name: "aggregation",
  description: "aggregate-usage over one day of api_logs + messages (vs count(*) of the same rows)",
  run: async (ctx) => {
    const logs = envInt("BENCH_AGG_API_LOGS", 1_000_000);
    const msgs = envInt("BENCH_AGG_MESSAGES", 200_000);
    const historyDays = envInt("BENCH_AGG_HISTORY_DAYS", 0, { min: 0 });
    const accounts = 1_000;
    const client = createDb(await ctx.createDatabase(), { max: 4 });
    const redis = createRedis(ctx.redisUrl);
    const scheduler = createScheduler({
      db: client.db,
      sql: client.sql,
      redis,
      redisPrefix: ctx.redisPrefix(),
      logger: createLogger("bench", "silent"),
      settings: parseSchedulerSettings({}),
      now: () => new Date(`${DAY}T23:00:00Z`),
    });
    try {
      const { db } = client;
      await ensureApiLogPartitions(client.sql, new Date(`${DAY}T00:00:00Z`), 0);
      await db.execute(sql`
        insert into users (id, name, email)
        select 'usr_B' || lpad(g::text, 25, '0'), 'bench ' || g, 'bench' || g || '@example.com'
          from generate_series(1, ${accounts}) g`);
      await db.execute(sql`
        insert into api_logs (id, user_id, api_key_id, method, route, status_code, ip, duration_ms, created_at)
        select 'log_B' || lpad(g::text, 25, '0'),
               'usr_B' || lpad((1 + g % ${accounts})::text, 25, '0'), 'key_B' || (g % ${accounts}),
               'POST', '/api/v1/messages/send-text', 202, '203.0.113.' || (g % 250), 4,
               ${`${DAY}T00:00:00Z`}::timestamptz + (g % 86400) * interval '1 second'
          from generate_series(1, ${logs}) g`);
      // 80 % reached sent (by 10 % media), 10 % failed, 10 % still queued; created and sent that day.
      await db.execute(sql`
        insert into messages (id, user_id, mode, direction, recipient, type, content, status,
                              sent_at, failed_at, created_at, updated_at)
        select 'msg_B' || lpad(g::text, 25, '0'),
               'usr_B' || lpad((1 + g % ${accounts})::text, 25, '0'), 'live', 'outbound',
               '+2136612' || lpad((g % 100000)::text, 5, '0'),
               case when g % 10 = 0 then 'image' else 'text' end, 'hello',
               case when g % 10 < 8 then 'delivered' when g % 10 = 8 then 'failed' else 'queued' end,
               case when g % 10 < 8 then t + interval '2 seconds' end,
               case when g % 10 = 8 then t + interval '3 seconds' end,
               t, t
          from (select g, ${`${DAY}T00:00:00Z`}::timestamptz + (g % 86000) * interval '1 second' as t
                  from generate_series(1, ${msgs}) g) s`);
      for (let d = 1; d <= historyDays; d++) {
        await db.execute(sql`
          insert into messages (id, user_id, mode, direction, recipient, type, content, status,
                                sent_at, created_at, updated_at)
          select 'msg_H' || lpad(${d}::text, 3, '0') || lpad(g::text, 22, '0'),
                 'usr_B' || lpad((1 + g % ${accounts})::text, 25, '0'), 'live', 'outbound',
                 '+213661234567', 'text', 'hello', 'delivered', t + interval '2 seconds', t, t
            from (select g, ${`${DAY}T00:00:00Z`}::timestamptz - ${d} * interval '1 day'
                            + (g % 86000) * interval '1 second' as t
                    from generate_series(1, ${msgs}) g) s`);
      }
      await db.execute(sql`analyze api_logs`);
      await db.execute(sql`analyze messages`);

      const start = `${DAY}T00:00:00Z`;
      const end = `${DAY}T23:59:59.999Z`;
      const countRows = async () => {
        const [a] = await db.execute<{ n: number }>(sql`select count(*)::int as n from api_logs
          where created_at >= ${start}::timestamptz and created_at <= ${end}::timestamptz`);
        const [m] = await db.execute<{ n: number }>(sql`select count(*)::int as n from messages
          where created_at >= ${start}::timestamptz and created_at <= ${end}::timestamptz`);
        return (a?.n ?? 0) + (m?.n ?? 0);
      };
      await countRows(); // warm the cache for both sides alike
      const [countMs, counted] = await timed(countRows);
      if (counted !== logs + msgs)
        throw new Error(`expected ${logs + msgs} rows, counted ${counted}`);
      const day = new Date(`${DAY}T12:00:00Z`);
      const [firstMs, inserted] = await timed(() => aggregateUsageDay(scheduler.ctx, day));
      const [rerunMs, changed] = await timed(() => aggregateUsageDay(scheduler.ctx, day));
      if (inserted !== accounts || changed !== 0) {
        throw new Error(`aggregation wrote ${inserted} rows, rerun changed ${changed}`);
      }
      return [
        result(
          `aggregate-usage: first run, ${logs} api_logs + ${msgs} messages` +
            (historyDays ? ` + ${historyDays} earlier days of messages` : "") +
            " (vs count(*))",
          firstMs,
          "ms",
          countMs,
        ),
        result("aggregate-usage: rerun, nothing changes (vs count(*))", rerunMs, "ms", countMs),
      ];
    } finally {
      await scheduler.stop();
      redis.disconnect();
      await client.close();
    }
  },
};
