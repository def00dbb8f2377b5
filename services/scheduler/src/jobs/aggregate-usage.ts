import { newId } from "@wagate/db";
import { sql } from "drizzle-orm";
import { addDays, type JobContext, type JobDefinition, utcDayStart } from "../context.js";

/**
 * Recomputes one UTC day's `usage_stats` for every account with activity that day, in one
 * `INSERT ... SELECT ... GROUP BY ... ON CONFLICT DO UPDATE`. Totals are recomputed from
 * the source rows, never incremented, so a rerun gives the same rows; the `WHERE ... IS
 * DISTINCT FROM` leaves unchanged rows untouched (not even `updated_at`).
 *
 * - messages_sent: outbound messages whose `sent_at` falls in the day (reached `sent` or later)
 * - messages_failed: outbound messages that ended `failed`, by `failed_at`
 * - media_sent: the sent ones that are not `text`
 * - api_requests: the account's `api_logs` rows of the day (the range prunes partitions)
 *
 * Message scans are range scans of the partial indexes on `sent_at` and `failed_at`, so a
 * message counts on the day it was sent however long ago it was accepted. Returns the
 * number of rows inserted or changed.
 */
export async function aggregateUsageDay(ctx: JobContext, day: Date): Promise<number> {
  const start = utcDayStart(day);
  const end = addDays(start, 1);
  const from = start.toISOString();
  const to = end.toISOString();
  const date = from.slice(0, 10);
  // Time-sortable ids: the time part is now, the random part comes from Postgres per row
  // (md5 hex digits are valid Crockford base32).
  const idHead = newId("usageStat", ctx.now().getTime()).slice(0, 14);
  const rows = await ctx.db.execute(sql`
    insert into usage_stats
      (id, user_id, date, messages_sent, messages_failed, media_sent, api_requests)
    select
      ${idHead} || upper(substr(md5(random()::text || t.user_id), 1, 16)),
      t.user_id, ${date}::date,
      sum(t.sent)::int, sum(t.failed)::int, sum(t.media)::int, sum(t.requests)::int
    from (
      select user_id, count(*) as sent, 0 as failed,
             count(*) filter (where type <> 'text') as media, 0 as requests
        from messages
       where direction = 'outbound'
         and sent_at >= ${from}::timestamptz and sent_at < ${to}::timestamptz
       group by user_id
      union all
      select user_id, 0, count(*), 0, 0
        from messages
       where direction = 'outbound' and status = 'failed'
         and failed_at >= ${from}::timestamptz and failed_at < ${to}::timestamptz
       group by user_id
      union all
      select user_id, 0, 0, 0, count(*)
        from api_logs
       where created_at >= ${from}::timestamptz and created_at < ${to}::timestamptz
         and user_id is not null
       group by user_id
    ) t
    join users u on u.id = t.user_id
    group by t.user_id
    on conflict (user_id, date) do update set
      messages_sent = excluded.messages_sent,
      messages_failed = excluded.messages_failed,
      media_sent = excluded.media_sent,
      api_requests = excluded.api_requests,
      updated_at = now()
    where (usage_stats.messages_sent, usage_stats.messages_failed,
           usage_stats.media_sent, usage_stats.api_requests)
      is distinct from
          (excluded.messages_sent, excluded.messages_failed,
           excluded.media_sent, excluded.api_requests)
    returning usage_stats.id`);
  return rows.length;
}

export const aggregateUsage: JobDefinition = {
  name: "aggregate-usage",
  description:
    "Recompute usage_stats (sent, failed, media, API requests) per account for today; " +
    "with days=N also the N UTC days before (capped by api_logs retention).",
  schedules: (s) => [
    ...(s.SCHEDULE_AGGREGATE_USAGE === "off"
      ? []
      : [{ id: "aggregate-usage", pattern: s.SCHEDULE_AGGREGATE_USAGE, data: { days: 0 } }]),
    ...(s.SCHEDULE_AGGREGATE_USAGE_YESTERDAY === "off"
      ? []
      : [
          {
            id: "aggregate-usage-yesterday",
            pattern: s.SCHEDULE_AGGREGATE_USAGE_YESTERDAY,
            data: { days: 1 },
          },
        ]),
  ],
  run: async (ctx, options) => {
    // Days whose api_logs partitions are gone would lose their api_requests on recompute.
    const maxDays = Math.max(0, ctx.settings.API_LOGS_RETENTION_DAYS - 1);
    const days = Math.min(options.days ?? 0, maxDays);
    const today = utcDayStart(ctx.now());
    let changed = 0;
    for (let back = days; back >= 0; back--) {
      changed += await aggregateUsageDay(ctx, addDays(today, -back));
    }
    return { days: days + 1, rows_changed: changed };
  },
};
