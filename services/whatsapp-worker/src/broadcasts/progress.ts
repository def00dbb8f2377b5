import { broadcastCounts, type EmitEventInput, toBroadcastWire, unsentCount } from "@wagate/core";
import { broadcasts, whatsappSessions } from "@wagate/db";
import { and, eq, inArray, isNull, lte, or, type SQL } from "drizzle-orm";
import type { WorkerContext } from "../context.js";
import { withEvents } from "../events/emit.js";
import { announceCancelled } from "./announce.js";

/** Ticks per second at most; progress events of one broadcast are `intervalMs` apart at least. */
const TICK_MS = 1000;

/**
 * Broadcast progress (docs/internals.md "Consent and broadcasts"): the owner of a session
 * reports the broadcasts running on it. Every second it counts their messages by status;
 * a broadcast whose counts changed gets a `broadcast.progress` event when its last one is at
 * least `intervalMs` old (a conditional UPDATE of `last_progress_at`, so two workers
 * overlapping during a takeover still send one), and a broadcast with nothing left unsent
 * becomes `completed` once (conditional UPDATE) with `broadcast.completed`. Each change and
 * its event commit together (`withEvents`). Each tick first announces the messages of
 * cancelled broadcasts (`announceCancelled`).
 */
export function startBroadcastProgress(
  ctx: WorkerContext,
  ownedSessions: () => Array<{ sessionId: string }>,
  intervalMs: number,
): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  let stopped = false;
  const timer = setInterval(
    () => {
      if (running || stopped) return;
      const sessionIds = ownedSessions().map((s) => s.sessionId);
      running = announceCancelled(ctx, sessionIds)
        .catch((error) => ctx.logger.warn({ err: error }, "cancelled broadcast announce failed"))
        .then(() => tick(ctx, sessionIds, intervalMs))
        .catch((error) => ctx.logger.warn({ err: error }, "broadcast progress tick failed"))
        .finally(() => {
          running = undefined;
        });
    },
    Math.min(TICK_MS, intervalMs),
  );
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}

export async function tick(ctx: WorkerContext, sessionIds: string[], intervalMs: number) {
  if (sessionIds.length === 0) {
    ctx.metrics.setBroadcastMessages([]);
    return;
  }
  const active = await ctx.db
    .select({ row: broadcasts, sessionName: whatsappSessions.name })
    .from(broadcasts)
    .innerJoin(whatsappSessions, eq(whatsappSessions.id, broadcasts.sessionId))
    .where(
      and(
        inArray(broadcasts.sessionId, sessionIds),
        inArray(broadcasts.status, ["running", "paused"]),
      ),
    );
  if (active.length === 0) {
    ctx.metrics.setBroadcastMessages([]);
    return;
  }
  const counts = await broadcastCounts(
    ctx.db,
    active.map((a) => a.row.id),
  );
  ctx.metrics.setBroadcastMessages([...counts.values()]);
  const now = ctx.now();
  for (const { row, sessionName } of active) {
    const c = counts.get(row.id)!;
    if (unsentCount(c) === 0) {
      await withEvents(ctx, async (tx, emit) => {
        const [done] = await tx
          .update(broadcasts)
          .set({ status: "completed", completedAt: now, lastProgress: c, lastProgressAt: now })
          .where(and(eq(broadcasts.id, row.id), inArray(broadcasts.status, ["running", "paused"])))
          .returning();
        if (done) await announce(emit, "broadcast.completed", done, c, sessionName, now);
      });
      continue;
    }
    if (JSON.stringify(c) === JSON.stringify(row.lastProgress)) continue;
    const due = new Date(now.getTime() - intervalMs);
    await withEvents(ctx, async (tx, emit) => {
      const [moved] = await tx
        .update(broadcasts)
        .set({ lastProgress: c, lastProgressAt: now })
        .where(
          and(
            eq(broadcasts.id, row.id),
            or(isNull(broadcasts.lastProgressAt), lte(broadcasts.lastProgressAt, due)),
          ) as SQL,
        )
        .returning();
      if (moved) await announce(emit, "broadcast.progress", moved, c, sessionName, now);
    });
  }
}

async function announce(
  emit: (input: EmitEventInput) => Promise<void>,
  type: "broadcast.progress" | "broadcast.completed",
  row: typeof broadcasts.$inferSelect,
  counts: Parameters<typeof toBroadcastWire>[1],
  sessionName: string,
  now: Date,
) {
  await emit({
    userId: row.userId,
    type,
    data: toBroadcastWire(row, counts, sessionName, now),
    now,
  });
}
