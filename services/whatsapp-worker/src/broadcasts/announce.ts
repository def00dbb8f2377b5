import { sendQueueName } from "@wagate/contracts";
import { emitEvents, toMessageWire } from "@wagate/core";
import { broadcasts, messages, whatsappSessions } from "@wagate/db";
import { Queue } from "bullmq";
import { and, asc, eq, gt, inArray, isNull, or, type SQL } from "drizzle-orm";
import type { WorkerContext } from "../context.js";
import { withBulkEvents } from "../events/emit.js";

/** Messages announced per transaction. */
const PAGE = 1000;
/** Pages one tick may announce (the rest waits for the next tick). */
const PAGES_PER_TICK = 20;

/**
 * The `message.status` fan-out of cancelled broadcasts (docs/internals.md "Consent and
 * broadcasts"). The API's cancel only marks the broadcast `announce_pending` in the
 * transaction that cancels its messages; the worker owning its session (any worker when it
 * has none) announces them here, 1 000 per transaction: the broadcast row is locked (`FOR
 * UPDATE SKIP LOCKED`, so two workers never take the same page), the next messages after
 * `announced_through` that this cancel ended are read, their delivery rows inserted
 * (`emitEvents`) and the cursor moved in the same transaction, and the delivery jobs added
 * after the commit (reconcile re-adds them if Redis refused). A crash at any point leaves
 * either the page undone or done: each message is announced once. Their send jobs are then
 * removed (a job left behind finds the message cancelled and does nothing).
 */
export async function announceCancelled(
  ctx: WorkerContext,
  sessionIds: string[],
  maxPages = PAGES_PER_TICK,
): Promise<number> {
  const pending = await ctx.db
    .select({ id: broadcasts.id })
    .from(broadcasts)
    .where(
      and(
        eq(broadcasts.announcePending, true),
        or(
          isNull(broadcasts.sessionId),
          sessionIds.length > 0 ? inArray(broadcasts.sessionId, sessionIds) : undefined,
        ),
      ) as SQL,
    )
    .limit(10);
  let announced = 0;
  let pages = 0;
  for (const { id } of pending) {
    while (pages < maxPages) {
      pages += 1;
      const page = await announcePage(ctx, id);
      if (!page) break;
      announced += page.ids.length;
      if (page.sessionId && page.ids.length > 0) await removeJobs(ctx, page.sessionId, page.ids);
      if (page.done) break;
    }
  }
  return announced;
}

async function announcePage(ctx: WorkerContext, broadcastId: string) {
  return withBulkEvents(ctx, async (tx, queue) => {
    const [row] = await tx
      .select()
      .from(broadcasts)
      .where(and(eq(broadcasts.id, broadcastId), eq(broadcasts.announcePending, true)))
      .for("update", { skipLocked: true });
    if (!row) return null;
    const ended = row.cancelledAt
      ? await tx
          .select()
          .from(messages)
          .where(
            and(
              eq(messages.broadcastId, row.id),
              eq(messages.status, "cancelled"),
              // Ended by this cancel (a message cancelled alone earlier was announced then).
              eq(messages.cancelledAt, row.cancelledAt),
              row.announcedThrough ? gt(messages.id, row.announcedThrough) : undefined,
            ),
          )
          .orderBy(asc(messages.id))
          .limit(PAGE)
      : [];
    if (ended.length > 0) {
      const [session] = row.sessionId
        ? await tx
            .select({ name: whatsappSessions.name, phoneNumber: whatsappSessions.phoneNumber })
            .from(whatsappSessions)
            .where(eq(whatsappSessions.id, row.sessionId))
        : [];
      await emitEvents(tx, queue, {
        userId: row.userId,
        type: "message.status",
        data: ended.map((m) => toMessageWire(m, session ?? null)),
        now: ctx.now(),
      });
    }
    const done = ended.length < PAGE;
    await tx
      .update(broadcasts)
      .set({
        announcedThrough: ended.at(-1)?.id ?? row.announcedThrough,
        announcePending: !done,
      })
      .where(eq(broadcasts.id, row.id));
    return { done, ids: ended.map((m) => m.id), sessionId: row.sessionId };
  });
}

/** Removes send jobs by id (a job being sent is locked and stays; it finds nothing to do). */
async function removeJobs(ctx: WorkerContext, sessionId: string, ids: string[]) {
  const queue = new Queue(sendQueueName(sessionId), {
    connection: ctx.redis,
    prefix: ctx.redisPrefix,
  });
  try {
    for (let i = 0; i < ids.length; i += 500) {
      await Promise.all(ids.slice(i, i + 500).map((id) => queue.remove(id).catch(() => 0)));
    }
  } catch (error) {
    ctx.logger.debug({ err: error, sessionId }, "cancelled broadcast's jobs not all removed");
  } finally {
    await queue.close().catch(() => undefined);
  }
}
