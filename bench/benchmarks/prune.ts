/**
 * Cost of pruning a day of 1,000,000 api_logs rows, beside the yardstick of a plain
 * `SELECT count(*)` over the same rows, in one run:
 * - the way `prune-logs` does it: the day has its own partition, dropped whole
 *   (`dropApiLogPartitionsBefore`);
 * - the fallback the same job uses for rows that fell in the default partition (no day
 *   partition existed): `DELETE ... WHERE (id, created_at) IN (SELECT ... LIMIT 5000)` in a
 *   loop, each batch its own short statement.
 * Rows come from `INSERT ... SELECT generate_series`.
 */
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { createLogger } from "@wagate/core";
import { createDb, dropApiLogPartitionsBefore, ensureApiLogPartitions } from "@wagate/db";
import { prepareTemplate, withDatabase } from "@wagate/testkit";
import { sql } from "drizzle-orm";
import { Redis } from "ioredis";
import postgres from "postgres";
import { parseSchedulerSettings } from "../../services/scheduler/src/env.js";
import { createScheduler } from "../../services/scheduler/src/scheduler.js";

export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  baseline: number;
  ratio: number;
}

export interface PruneBenchOptions {
  databaseUrl?: string;
  redisUrl?: string;
  /** Rows in the pruned day. Default 1,000,000. */
  rows?: number;
}

/** The partitioned day and the day whose rows sit in the default partition. */
const PARTITIONED_DAY = "2020-01-02";
const DEFAULT_DAY = "2020-01-01";

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const value = await fn();
  return [performance.now() - started, value];
}

const row = (name: string, value: number, baseline: number): BenchRow => ({
  name,
  value: Math.round(value * 10) / 10,
  unit: "ms",
  baseline: Math.round(baseline * 10) / 10,
  ratio: Math.round((value / baseline) * 1000) / 1000,
});

export async function runPruneBench(options: PruneBenchOptions = {}): Promise<BenchRow[]> {
  const databaseUrl =
    options.databaseUrl ??
    process.env.DATABASE_URL ??
    "postgres://postgres@127.0.0.1:5432/postgres";
  const redisUrl = options.redisUrl ?? process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  const n = options.rows ?? 1_000_000;
  const template = await prepareTemplate(databaseUrl);
  const dbName = `wagate_bench_prune_${randomBytes(4).toString("hex")}`;
  const admin = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${dbName}" template "${template}"`);
  const client = createDb(withDatabase(databaseUrl, dbName), { max: 4 });
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const prefix = `bench-prune-${randomBytes(4).toString("hex")}`;
  const scheduler = createScheduler({
    db: client.db,
    sql: client.sql,
    redis,
    redisPrefix: prefix,
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
      row(
        `prune: drop a day partition of ${n} api_logs rows (vs count(*) of that day)`,
        dropMs,
        countPartMs,
      ),
      row(
        `prune: prune-logs batched DELETE of ${n} default-partition rows (vs count(*))`,
        jobMs,
        countDefaultMs,
      ),
    ];
  } finally {
    await scheduler.stop();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.unlink(...keys);
    redis.disconnect();
    await client.close();
    await admin.unsafe(`drop database if exists "${dbName}" with (force)`);
    await admin.end({ timeout: 5 });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.table(await runPruneBench());
  process.exit(0);
}
