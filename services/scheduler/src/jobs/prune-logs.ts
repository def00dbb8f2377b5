import { createMediaStore, type MediaStore } from "@wagate/core";
import { dropApiLogPartitionsBefore, ensureApiLogPartitions, idAtTime } from "@wagate/db";
import { type SQL, sql } from "drizzle-orm";
import { addDays, type JobContext, type JobDefinition } from "../context.js";

/**
 * Runs `statement` (one bounded batch returning the ids it touched) until a batch comes
 * back short. Each batch is its own statement and transaction: no long lock, no huge WAL burst.
 */
export async function inBatches(
  ctx: JobContext,
  statement: (limit: number) => SQL,
): Promise<number> {
  const limit = ctx.settings.PRUNE_BATCH_SIZE;
  let total = 0;
  for (;;) {
    const rows = await ctx.db.execute(statement(limit));
    total += rows.length;
    if (rows.length < limit) return total;
  }
}

/**
 * One batch of `DELETE` by physical row address: `ctid = any(array(select ctid ... limit n))`
 * is a TID scan (an `id IN (subquery)` here plans a hash join over the whole table per batch,
 * which made 1M rows take a minute instead of seconds). A row updated meanwhile has a new
 * ctid and is simply left for the next batch.
 */
export const deleteBatch = (table: string, where: SQL) => (limit: number) =>
  sql`
  delete from ${sql.identifier(table)}
   where ctid = any(array(select ctid from ${sql.identifier(table)} where ${where} limit ${limit}))
  returning 1`;

/** Deletes rows of `table` created before `cutoff`, in batches, through its created_at index. */
const deleteCreatedBefore = (ctx: JobContext, table: string, cutoff: Date) =>
  inBatches(ctx, deleteBatch(table, sql`created_at < ${cutoff.toISOString()}::timestamptz`));

/**
 * The simulator's stand-in for WhatsApp's servers keeps one row per delivered test-mode
 * message and one per magic-number failure: past retention no send can still be retried, so
 * the rows only grow the tables. (Small tables, test mode only: a scan per batch is fine.)
 */
async function pruneSimulator(ctx: JobContext, cutoff: Date) {
  const at = cutoff.toISOString();
  return {
    simulator_deliveries_deleted: await inBatches(
      ctx,
      deleteBatch("simulator_deliveries", sql`last_sent_at < ${at}::timestamptz`),
    ),
    simulator_failures_deleted: await inBatches(
      ctx,
      deleteBatch("simulator_failures", sql`failed_at < ${at}::timestamptz`),
    ),
  };
}

const CONTENT_WATERMARK = "scheduler:prune:message-content-watermark";
const UNFINISHED = sql`('scheduled', 'queued', 'sending')`;

/**
 * Nulls `content` and `media` of finished messages created before `cutoff`. Walks the
 * primary key (ids are time-sortable, bounded above by the cutoff's id) from a watermark
 * kept in Redis, so a run looks only at messages that crossed the cutoff since the last
 * one; losing the watermark costs one full walk. Messages still scheduled, queued or sending
 * keep their content, and the watermark stays before them so a later run clears them.
 */
/** The inbound media store (`MEDIA_STORAGE`), made on first use; tests may set their own. */
let mediaStore: MediaStore | undefined;
export function setPruneMediaStore(store: MediaStore | undefined): void {
  mediaStore = store;
}

async function pruneMessageContent(
  ctx: JobContext,
  cutoff: Date,
): Promise<{ cleared: number; media: number }> {
  const key = `${ctx.redisPrefix}:${CONTENT_WATERMARK}`;
  const saved = (await ctx.redis.get(key)) ?? "";
  const upper = idAtTime("message", cutoff);
  const limit = ctx.settings.PRUNE_BATCH_SIZE;
  let after = saved;
  let watermark = saved;
  let heldBack = false;
  let total = 0;
  let mediaDeleted = 0;
  for (;;) {
    const rows = await ctx.db.execute<{
      media_ids: string[] | null;
      max_id: string | null;
      done_id: string | null;
      size: number;
      n: number;
    }>(sql`
      with batch as (
        select id, status, media->>'status' as media_status from messages
         where id > ${after} and id < ${upper}
           and created_at < ${cutoff.toISOString()}::timestamptz
         order by id
         limit ${limit}
      ), first_unfinished as (
        select min(id) as id from batch where status in ${UNFINISHED}
      ), cleared as (
        update messages m set content = null, media = null, updated_at = now()
          from batch b
         where m.id = b.id
           and b.status not in ${UNFINISHED}
           and (m.content is not null or m.media is not null)
        returning m.id, b.media_status
      )
      select (select array_agg(id) from cleared where media_status = 'stored') as media_ids,
             (select max(id) from batch) as max_id,
             (select max(b.id) from batch b, first_unfinished f
               where f.id is null or b.id < f.id) as done_id,
             (select count(*)::int from batch) as size,
             (select count(*)::int from cleared) as n`);
    const row = rows[0];
    if (!row?.max_id) break;
    total += row.n;
    // Inbound media stored for those messages goes with their content (issue 12).
    for (const id of row.media_ids ?? []) {
      mediaStore ??= createMediaStore(ctx.db);
      await mediaStore.delete(id);
      mediaDeleted += 1;
    }
    if (!heldBack) {
      if (row.done_id) watermark = row.done_id;
      heldBack = row.done_id !== row.max_id;
    }
    after = row.max_id;
    if (row.size < limit) break;
  }
  if (watermark !== saved) await ctx.redis.set(key, watermark);
  return { cleared: total, media: mediaDeleted };
}

export const pruneLogs: JobDefinition = {
  name: "prune-logs",
  description:
    "Retention: drop api_logs day partitions past API_LOGS_RETENTION_DAYS (and create the " +
    "next 7 days' ahead); batch-delete old login_history, audit_logs, webhook_deliveries " +
    "and the simulator's delivery records (SIMULATOR_RETENTION_DAYS); " +
    "null old messages' content and media.",
  schedules: (s) =>
    s.SCHEDULE_PRUNE_LOGS === "off" ? [] : [{ id: "prune-logs", pattern: s.SCHEDULE_PRUNE_LOGS }],
  run: async (ctx) => {
    const now = ctx.now();
    const s = ctx.settings;
    const apiLogsCutoff = addDays(now, -s.API_LOGS_RETENTION_DAYS);
    const partitionsCreated = await ensureApiLogPartitions(ctx.sql, now, 7);
    const partitionsDropped = await dropApiLogPartitionsBefore(ctx.sql, apiLogsCutoff);
    // Rows that landed in the default partition (no day partition existed) age out by DELETE.
    const defaultRows = await inBatches(
      ctx,
      deleteBatch(
        "api_logs_default",
        sql`created_at < ${apiLogsCutoff.toISOString()}::timestamptz`,
      ),
    );
    const summary = {
      api_log_partitions_created: partitionsCreated,
      api_log_partitions_dropped: partitionsDropped,
      api_log_default_rows_deleted: defaultRows,
      login_history_deleted: await deleteCreatedBefore(
        ctx,
        "login_history",
        addDays(now, -s.LOGIN_HISTORY_RETENTION_DAYS),
      ),
      audit_logs_deleted: await deleteCreatedBefore(
        ctx,
        "audit_logs",
        addDays(now, -s.AUDIT_LOGS_RETENTION_DAYS),
      ),
      // Attempts go with their delivery (ON DELETE CASCADE).
      webhook_deliveries_deleted: await deleteCreatedBefore(
        ctx,
        "webhook_deliveries",
        addDays(now, -s.WEBHOOK_DELIVERIES_RETENTION_DAYS),
      ),
      ...(await pruneSimulator(ctx, addDays(now, -s.SIMULATOR_RETENTION_DAYS))),
    };
    const contents = await pruneMessageContent(
      ctx,
      addDays(now, -s.MESSAGE_CONTENT_RETENTION_DAYS),
    );
    return {
      ...summary,
      message_contents_cleared: contents.cleared,
      stored_media_deleted: contents.media,
    };
  },
};
