import type { Executor } from "@wagate/db";
import { usageStats } from "@wagate/db";
import { and, desc, eq, gte, lt, lte, or } from "drizzle-orm";

export interface UsageStatsFilter {
  userId?: string;
  /** First UTC day included, `YYYY-MM-DD`. */
  from?: string;
  /** Last UTC day included, `YYYY-MM-DD`. */
  to?: string;
  limit: number;
  /** Keyset position: rows strictly after this one in (date desc, id desc) order. */
  after?: { date: string; id: string };
}

/**
 * Daily usage rows written by the scheduler's aggregation job, newest day first. Served from
 * `usage_stats_user_date_uq` / `usage_stats_date_idx`; fetches `limit + 1` rows so the caller
 * can tell whether another page exists.
 */
export function listUsageStats(db: Executor, filter: UsageStatsFilter) {
  const { after } = filter;
  return db
    .select()
    .from(usageStats)
    .where(
      and(
        filter.userId ? eq(usageStats.userId, filter.userId) : undefined,
        filter.from ? gte(usageStats.date, filter.from) : undefined,
        filter.to ? lte(usageStats.date, filter.to) : undefined,
        after
          ? or(
              lt(usageStats.date, after.date),
              and(eq(usageStats.date, after.date), lt(usageStats.id, after.id)),
            )
          : undefined,
      ),
    )
    .orderBy(desc(usageStats.date), desc(usageStats.id))
    .limit(filter.limit + 1);
}

export type UsageStatRow = Awaited<ReturnType<typeof listUsageStats>>[number];
