import type { Executor } from "@wagate/db";
import { apiLogs } from "@wagate/db";
import { and, desc, eq, gte, lt } from "drizzle-orm";

/** How far back `api-logs` looks when no `since` is given: one day, so only recent partitions are read. */
export const API_LOGS_DEFAULT_WINDOW_MS = 24 * 3600 * 1000;

export interface ApiLogsFilter {
  userId?: string;
  method?: string;
  statusCode?: number;
  route?: string;
  /** Inclusive lower bound on `created_at`; always set, so Postgres prunes older day partitions. */
  since: Date;
  /** Exclusive upper bound on `created_at`. */
  until?: Date;
  limit: number;
  /** Rows with an id below this one (ids are time-sortable: newest first). */
  beforeId?: string;
}

/**
 * Request log rows, newest first. The time bounds are plain constants on the partition key,
 * so planning prunes every day partition outside `[since, until)`.
 */
export function listApiLogs(db: Executor, filter: ApiLogsFilter) {
  return db
    .select()
    .from(apiLogs)
    .where(
      and(
        gte(apiLogs.createdAt, filter.since),
        filter.until ? lt(apiLogs.createdAt, filter.until) : undefined,
        filter.userId ? eq(apiLogs.userId, filter.userId) : undefined,
        filter.method ? eq(apiLogs.method, filter.method.toUpperCase()) : undefined,
        filter.statusCode !== undefined ? eq(apiLogs.statusCode, filter.statusCode) : undefined,
        filter.route ? eq(apiLogs.route, filter.route) : undefined,
        filter.beforeId ? lt(apiLogs.id, filter.beforeId) : undefined,
      ),
    )
    .orderBy(desc(apiLogs.id))
    .limit(filter.limit + 1);
}

export type ApiLogRow = Awaited<ReturnType<typeof listApiLogs>>[number];
