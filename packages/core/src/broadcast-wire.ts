import type { BroadcastCounts, BroadcastWire } from "@wagate/contracts";
import { type broadcasts, type Executor, messages } from "@wagate/db";
import { count, inArray } from "drizzle-orm";

export type BroadcastRow = typeof broadcasts.$inferSelect;

const EMPTY: BroadcastCounts = {
  scheduled: 0,
  queued: 0,
  sending: 0,
  sent: 0,
  delivered: 0,
  read: 0,
  failed: 0,
  cancelled: 0,
};

/** Messages by status of each broadcast (one grouped scan of `messages_broadcast_idx`). */
export async function broadcastCounts(
  db: Executor,
  ids: string[],
): Promise<Map<string, BroadcastCounts>> {
  const out = new Map<string, BroadcastCounts>(ids.map((id) => [id, { ...EMPTY }]));
  if (ids.length === 0) return out;
  const rows = await db
    .select({ broadcastId: messages.broadcastId, status: messages.status, n: count() })
    .from(messages)
    .where(inArray(messages.broadcastId, ids))
    .groupBy(messages.broadcastId, messages.status);
  for (const row of rows) {
    const counts = out.get(row.broadcastId ?? "");
    if (counts && row.status in counts) counts[row.status as keyof BroadcastCounts] = row.n;
  }
  return out;
}

/** Messages not sent yet (still to go). */
export const unsentCount = (c: BroadcastCounts) => c.scheduled + c.queued + c.sending;

/**
 * The broadcast as clients see it. Progress is the share of accepted messages that are
 * finished; the estimated finish extrapolates the pace seen so far (capped by the
 * broadcast's `rate`), or the rate alone before the first send; null when paused, done or
 * unknown.
 */
export function toBroadcastWire(
  row: BroadcastRow,
  counts: BroadcastCounts,
  sessionName: string | null,
  now: Date,
): BroadcastWire {
  const unsent = unsentCount(counts);
  const done = row.accepted - unsent;
  const startedAt = Math.max(row.createdAt.getTime(), row.scheduledAt?.getTime() ?? 0);
  const elapsedMs = now.getTime() - startedAt;
  let perMs: number | null = done > 0 && elapsedMs > 0 ? done / elapsedMs : null;
  const ratePerMs = row.ratePerMinute ? row.ratePerMinute / 60_000 : null;
  if (ratePerMs !== null) perMs = perMs === null ? ratePerMs : Math.min(perMs, ratePerMs);
  const estimate =
    row.status === "running" && unsent > 0 && perMs !== null && perMs > 0
      ? new Date(Math.max(now.getTime(), startedAt) + unsent / perMs).toISOString()
      : null;
  return {
    id: row.id,
    name: row.name,
    session: sessionName,
    mode: row.mode,
    status: row.status,
    type: row.type,
    recipients: { total: row.totalRows, accepted: row.accepted, refused: row.refusedCount },
    counts,
    progress: row.accepted > 0 ? Math.round((done / row.accepted) * 10_000) / 10_000 : 1,
    estimated_finish_at: estimate,
    rate: row.ratePerMinute,
    send_at: row.scheduledAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
    paused_at: row.pausedAt?.toISOString() ?? null,
    completed_at: row.completedAt?.toISOString() ?? null,
    cancelled_at: row.cancelledAt?.toISOString() ?? null,
  };
}
