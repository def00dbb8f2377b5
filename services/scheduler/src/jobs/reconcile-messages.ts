import {
  BROADCAST_SEND_PRIORITY,
  MESSAGE_END_CODES,
  parseLeaseValue,
  sendQueueName,
  sessionLeaseKey,
} from "@wagate/contracts";
import {
  announceMessageStatus,
  emitEvent,
  endUnsent,
  enqueueSendJob,
  requeueStalledWebhookDeliveries,
} from "@wagate/core";
import { messages } from "@wagate/db";
import { and, asc, eq, gt, inArray, isNull, lt, sql } from "drizzle-orm";
import type { JobContext, JobDefinition } from "../context.js";

type PendingRow = {
  id: string;
  sessionId: string | null;
  scheduledAt: Date | null;
  broadcastId: string | null;
};

/**
 * Pages through `status` rows untouched for the grace period, by id (the partial index on
 * (status, updated_at) keeps the candidate set to unfinished messages).
 */
async function* pendingRows(ctx: JobContext, status: "queued" | "scheduled", before: Date) {
  let after = "";
  for (;;) {
    const page: PendingRow[] = await ctx.db
      .select({
        id: messages.id,
        sessionId: messages.sessionId,
        scheduledAt: messages.scheduledAt,
        broadcastId: messages.broadcastId,
      })
      .from(messages)
      .where(
        and(
          eq(messages.status, status),
          lt(messages.updatedAt, before),
          gt(messages.id, after),
          // A paused broadcast's messages wait without jobs until it is resumed.
          sql`not exists (select 1 from broadcasts b where b.id = ${messages.broadcastId} and b.status = 'paused')`,
        ),
      )
      .orderBy(asc(messages.id))
      .limit(ctx.settings.RECONCILE_BATCH_SIZE);
    if (page.length === 0) return;
    yield page;
    after = page[page.length - 1]!.id;
    if (page.length < ctx.settings.RECONCILE_BATCH_SIZE) return;
  }
}

/** Runs `fn` over `items`, `width` at a time. */
async function eachLimited<T>(items: T[], width: number, fn: (item: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += width) {
    await Promise.all(items.slice(i, i + width).map(fn));
  }
}

/**
 * Re-enqueues `queued` and `scheduled` rows whose send job is gone (e.g. Redis lost its data)
 * or finished without moving the row (BullMQ keeps a failed job a week, and adding a job
 * whose id exists is a no-op, so such a row would never get a job again: it is removed
 * first). The job's state is probed first (one pipelined HMGET per page of rows: a job hash
 * always has `timestamp`, a finished one `finishedOn`) and the row re-read after, so a job
 * that completed meanwhile (row now past `queued`) is not added again; and the worker moves
 * a row to `sending` with a conditional UPDATE, so even a duplicate job never sends twice.
 */
async function requeueMissing(
  ctx: JobContext,
  status: "queued" | "scheduled",
  now: Date,
  graceSeconds: number,
) {
  const before = new Date(now.getTime() - graceSeconds * 1000);
  let checked = 0;
  let requeued = 0;
  for await (const page of pendingRows(ctx, status, before)) {
    checked += page.length;
    // One round trip per page: does each row's job exist, and has it finished?
    const withSession = page.filter((row) => row.sessionId !== null);
    const probe = ctx.redis.pipeline();
    for (const row of withSession) {
      probe.hmget(ctx.sendQueue(row.sessionId!).toKey(row.id), "timestamp", "finishedOn");
    }
    const replies = (await probe.exec()) ?? [];
    const jobState = (i: number) => {
      const [error, fields] = replies[i] ?? [];
      if (error || !Array.isArray(fields)) return "live"; // unknown: leave it to the next run
      if (fields[0] === null) return "missing";
      return fields[1] === null ? "live" : "finished";
    };
    const stale = withSession
      .map((row, i) => ({ row, state: jobState(i) }))
      .filter((entry) => entry.state !== "live");
    await eachLimited(stale, 50, async ({ row, state }) => {
      const queue = ctx.sendQueue(row.sessionId!);
      const [fresh] = await ctx.db
        .select({ status: messages.status })
        .from(messages)
        .where(eq(messages.id, row.id));
      if (fresh?.status !== status) return;
      // Finished without sending (e.g. taken by a session that was stopping): the finished
      // job holds the id, so it goes first.
      if (state === "finished") await queue.remove(row.id);
      const delay = row.scheduledAt ? row.scheduledAt.getTime() - now.getTime() : 0;
      // Added with jobId = messageId: if the job reappeared meanwhile, BullMQ keeps the one.
      await enqueueSendJob(queue, {
        messageId: row.id,
        delayMs: delay,
        priority: row.broadcastId ? BROADCAST_SEND_PRIORITY : 0,
      });
      requeued += 1;
      ctx.logger.info(
        { messageId: row.id, queue: sendQueueName(row.sessionId!), status, job: state },
        "re-enqueued a message whose send job was missing or finished",
      );
    });
  }
  return { checked, requeued };
}

/**
 * `sending` rows older than SENDING_TIMEOUT_SECONDS whose sender is gone: no lease on the
 * session, or a lease under another fencing token than the row was claimed with. The
 * worker's send processor takes a re-delivered `sending` row safely (docs/internals.md): with
 * a `wa_message_id` it only records `sent`; without one it asks the driver whether the
 * message already went out (`findSent`) before sending. So the row's job is given back to
 * the session's queue: re-added when gone, re-added after removal when BullMQ already
 * finished it (completed or failed) while the row stayed `sending`.
 */
async function requeueStalledSending(ctx: JobContext, now: Date, timeoutSeconds: number) {
  const cutoff = new Date(now.getTime() - timeoutSeconds * 1000);
  const rows = await ctx.db
    .select({
      id: messages.id,
      sessionId: messages.sessionId,
      sendToken: messages.sendToken,
      scheduledAt: messages.scheduledAt,
    })
    .from(messages)
    .where(and(eq(messages.status, "sending"), lt(messages.updatedAt, cutoff)))
    .orderBy(asc(messages.updatedAt))
    .limit(ctx.settings.RECONCILE_BATCH_SIZE);
  let requeued = 0;
  for (const row of rows) {
    if (!row.sessionId) continue;
    const lease = await ctx.redis.get(sessionLeaseKey(ctx.redisPrefix, row.sessionId));
    const leaseToken = lease ? (parseLeaseValue(lease)?.token ?? null) : null;
    if (lease && (row.sendToken === null || leaseToken === row.sendToken)) continue;
    const queue = ctx.sendQueue(row.sessionId);
    const job = await queue.getJob(row.id);
    if (job) {
      const state = await job.getState();
      if (state !== "completed" && state !== "failed") continue; // Waiting, delayed or active.
      await job.remove();
    }
    await enqueueSendJob(queue, { messageId: row.id });
    requeued += 1;
    ctx.logger.warn(
      { messageId: row.id, sessionId: row.sessionId },
      "re-enqueued a message left `sending` by a worker that is gone",
    );
  }
  return { requeued };
}

/**
 * Unfinished messages whose session was deleted (`session_id` set null) can never be sent:
 * they fail with `session_deleted` and give their quota unit back (once: the unit is
 * returned only by the update that sets `quota_refunded_at`).
 */
async function failOrphans(ctx: JobContext, now: Date) {
  const before = new Date(now.getTime() - ctx.settings.RECONCILE_GRACE_SECONDS * 1000);
  const rows = await ctx.db
    .select()
    .from(messages)
    .where(
      and(
        inArray(messages.status, ["scheduled", "queued", "sending"]),
        lt(messages.updatedAt, before),
        isNull(messages.sessionId),
        eq(messages.direction, "outbound"),
      ),
    )
    .limit(ctx.settings.RECONCILE_BATCH_SIZE);
  let failed = 0;
  for (const row of rows) {
    const moved = await endUnsent(ctx, row, {
      to: "failed",
      from: [row.status],
      where: isNull(messages.sessionId),
      error: {
        code: MESSAGE_END_CODES.sessionDeleted,
        message: "the session of this message was deleted before it was sent",
      },
      now,
      announce: (ended) =>
        announceMessageStatus(
          {
            logger: ctx.logger,
            now,
            emit: (input) => emitEvent(ctx.db, ctx.webhookQueue(), input),
          },
          ended,
          null,
        ),
    });
    if (moved) failed += 1;
  }
  return { failed };
}

export const reconcileMessages: JobDefinition = {
  name: "reconcile-messages",
  description:
    "Re-enqueue queued/scheduled messages whose send job is gone (after a Redis loss) and " +
    "`sending` ones whose worker vanished (the worker never sends those twice); fail " +
    "messages whose session was deleted (`session_deleted`, quota unit refunded); " +
    "re-enqueue pending webhook deliveries whose job is gone.",
  schedules: (s) =>
    s.SCHEDULE_RECONCILE_MESSAGES === "off"
      ? []
      : [{ id: "reconcile-messages", pattern: s.SCHEDULE_RECONCILE_MESSAGES }],
  run: async (ctx, options) => {
    const now = ctx.now();
    // Right after a Redis loss every job is gone at once, so nothing needs to age first:
    // re-adding a job the API is about to add is harmless (jobId = messageId, BullMQ keeps
    // one), and a `sending` row only needs its sender to have lost the lease.
    const recovery = options.trigger === "recovery";
    const grace = recovery ? 0 : ctx.settings.RECONCILE_GRACE_SECONDS;
    const sendingTimeout = recovery
      ? ctx.settings.RECOVERY_SENDING_GRACE_SECONDS
      : ctx.settings.SENDING_TIMEOUT_SECONDS;
    const queued = await requeueMissing(ctx, "queued", now, grace);
    const scheduled = await requeueMissing(ctx, "scheduled", now, grace);
    const sending = await requeueStalledSending(ctx, now, sendingTimeout);
    const orphans = await failOrphans(ctx, now);
    const webhooks = await requeueStalledWebhookDeliveries(ctx.db, ctx.webhookQueue(), {
      now,
      ...(recovery ? { graceMs: 0 } : {}),
    });
    return {
      queued_checked: queued.checked,
      queued_requeued: queued.requeued,
      scheduled_checked: scheduled.checked,
      scheduled_requeued: scheduled.requeued,
      sending_requeued: sending.requeued,
      orphans_failed: orphans.failed,
      webhook_deliveries_requeued: webhooks,
    };
  },
};
