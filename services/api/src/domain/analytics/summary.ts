import { MESSAGE_STATUSES, SESSION_STATUSES } from "@wagate/contracts";
import type { Executor } from "@wagate/db";
import { admins, messages, usageStats, users, whatsappSessions } from "@wagate/db";
import { desc, eq, gte, isNull, sql } from "drizzle-orm";

/** How many accounts `topAccounts` lists. */
export const TOP_ACCOUNTS_LIMIT = 10;

export interface Summary {
  generatedAt: Date;
  /** UTC day the "today" figures are about, `YYYY-MM-DD`. */
  day: string;
  /** Admins not deleted: `active` = is_active; `locked` = locked_until still in the future. */
  admins: { active: number; locked: number };
  /** Accounts not deleted: `active` = is_active, `total` = active + deactivated. */
  accounts: { active: number; total: number };
  /** Messages (both directions) created since UTC midnight, by current status. */
  messagesToday: { total: number; byStatus: Record<string, number> };
  /** Every WhatsApp session row, by status. */
  sessions: { total: number; byStatus: Record<string, number> };
  /** Today's `usage_stats` rows with most messages (sent + failed), as of the last aggregation. */
  topAccounts: Array<{
    userId: string;
    name: string | null;
    messagesSent: number;
    messagesFailed: number;
    mediaSent: number;
    apiRequests: number;
  }>;
}

const count = sql<number>`count(*)::int`;

function byStatus(statuses: readonly string[], rows: Array<{ status: string; n: number }>) {
  const out: Record<string, number> = Object.fromEntries(statuses.map((s) => [s, 0]));
  let total = 0;
  for (const row of rows) {
    out[row.status] = row.n;
    total += row.n;
  }
  return { total, byStatus: out };
}

/**
 * Dashboard totals. Each figure comes from an index or a small table, never a scan of a big
 * one: messages today are a range on `messages_created_idx`; top accounts read today's
 * aggregated `usage_stats` rows (`usage_stats_date_idx`), so they lag the live counters by at
 * most one aggregation interval; admins, accounts and sessions are small tables.
 */
export async function getSummary(db: Executor, now: Date): Promise<Summary> {
  const midnight = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const day = midnight.toISOString().slice(0, 10);
  const [adminRow, accountRow, messageRows, sessionRows, top] = await Promise.all([
    db
      .select({
        active: sql<number>`(count(*) filter (where ${admins.isActive}))::int`,
        locked: sql<number>`(count(*) filter (where ${admins.lockedUntil} > ${now.toISOString()}::timestamptz))::int`,
      })
      .from(admins)
      .where(isNull(admins.deletedAt)),
    db
      .select({
        active: sql<number>`(count(*) filter (where ${users.isActive}))::int`,
        total: count,
      })
      .from(users)
      .where(isNull(users.deletedAt)),
    db
      .select({ status: messages.status, n: count })
      .from(messages)
      .where(gte(messages.createdAt, midnight))
      .groupBy(messages.status),
    db
      .select({ status: whatsappSessions.status, n: count })
      .from(whatsappSessions)
      .groupBy(whatsappSessions.status),
    db
      .select({
        userId: usageStats.userId,
        name: users.name,
        messagesSent: usageStats.messagesSent,
        messagesFailed: usageStats.messagesFailed,
        mediaSent: usageStats.mediaSent,
        apiRequests: usageStats.apiRequests,
      })
      .from(usageStats)
      .leftJoin(users, eq(users.id, usageStats.userId))
      .where(eq(usageStats.date, day))
      .orderBy(
        desc(sql`${usageStats.messagesSent} + ${usageStats.messagesFailed}`),
        usageStats.userId,
      )
      .limit(TOP_ACCOUNTS_LIMIT),
  ]);
  return {
    generatedAt: now,
    day,
    admins: { active: adminRow[0]?.active ?? 0, locked: adminRow[0]?.locked ?? 0 },
    accounts: { active: accountRow[0]?.active ?? 0, total: accountRow[0]?.total ?? 0 },
    messagesToday: byStatus(MESSAGE_STATUSES, messageRows),
    sessions: byStatus(SESSION_STATUSES, sessionRows),
    topAccounts: top,
  };
}
