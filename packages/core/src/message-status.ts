import { MESSAGE_STATUS_RANK, MESSAGE_STATUSES, type MessageStatus } from "@wagate/contracts";
import { type Executor, messages } from "@wagate/db";
import { and, eq, inArray, type SQL, sql } from "drizzle-orm";

type MessageRow = typeof messages.$inferSelect;

/** The timestamp column each status stamps when a message reaches it. */
const STAMP: Partial<Record<MessageStatus, keyof MessageRow>> = {
  queued: "queuedAt",
  sending: "sendingAt",
  sent: "sentAt",
  delivered: "deliveredAt",
  read: "readAt",
  failed: "failedAt",
  cancelled: "cancelledAt",
};

/** Statuses a message may move from to reach `to`: every outbound status of lower rank. */
export function statusesBefore(to: MessageStatus): MessageStatus[] {
  return MESSAGE_STATUSES.filter(
    (s) => s !== "received" && MESSAGE_STATUS_RANK[s] < MESSAGE_STATUS_RANK[to],
  );
}

export interface TransitionOptions {
  /** Only move from these statuses (default: every lower rank). */
  from?: MessageStatus[];
  /** Other columns to set in the same update (error, wa_message_id, send token, ...). */
  set?: Partial<Omit<MessageRow, "id" | "status">>;
  /** Extra guard, e.g. the fencing token: `eq(messages.sendToken, token)`. */
  where?: SQL;
  now?: Date;
}

/**
 * Moves a message forward to `to` in one conditional UPDATE and stamps that status's time
 * (and the times of statuses it skipped, so a `read` that arrives before `delivered` still
 * leaves `delivered_at`). Returns the updated row, or null when the message was already at
 * or past `to` (or the guard failed): callers emit `message.status` only on a non-null
 * result, so each change is announced exactly once whatever order acks arrive in.
 */
export async function transitionMessage(
  db: Executor,
  messageId: string,
  to: MessageStatus,
  options: TransitionOptions = {},
): Promise<MessageRow | null> {
  const now = options.now ?? new Date();
  const from = options.from ?? statusesBefore(to);
  if (from.length === 0) return null;
  // The time of the status reached, and of any step skipped on the way (a `read` ack that
  // arrives before `delivered` still leaves `delivered_at` and `sent_at`), set only if empty.
  const stamps: Record<string, SQL | Date> = {};
  const stampColumn = STAMP[to];
  if (stampColumn) stamps[stampColumn] = now;
  const rank = MESSAGE_STATUS_RANK[to];
  if (to !== "failed" && to !== "cancelled") {
    if (rank > MESSAGE_STATUS_RANK.sent)
      stamps.sentAt = sql`coalesce(${messages.sentAt}, ${now.toISOString()}::timestamptz)`;
    if (rank > MESSAGE_STATUS_RANK.delivered) {
      stamps.deliveredAt = sql`coalesce(${messages.deliveredAt}, ${now.toISOString()}::timestamptz)`;
    }
  }
  const [row] = await db
    .update(messages)
    .set({ ...options.set, ...stamps, status: to })
    .where(
      and(eq(messages.id, messageId), inArray(messages.status, from), options.where ?? undefined),
    )
    .returning();
  return row ?? null;
}
