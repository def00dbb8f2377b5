import { index, integer, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { tstz } from "./_columns.js";

/**
 * The highest-volume table. In SQL it is `PARTITION BY RANGE (created_at)` with one
 * partition per UTC day (see the migration `0001_api_logs_partitions`): pruning drops whole
 * partitions instead of deleting rows. The primary key includes the partition key, as
 * Postgres requires. No foreign keys: rows outlive the accounts and keys they name.
 */
export const apiLogs = pgTable(
  "api_logs",
  {
    id: text("id").notNull(),
    userId: text("user_id"),
    apiKeyId: text("api_key_id"),
    method: text("method").notNull(),
    /** Route pattern (`/api/v1/messages/:id`), never the raw path. */
    route: text("route").notNull(),
    statusCode: integer("status_code").notNull(),
    ip: text("ip"),
    durationMs: integer("duration_ms").notNull(),
    requestId: text("request_id"),
    createdAt: tstz("created_at").notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: "api_logs_pk", columns: [t.id, t.createdAt] }),
    index("api_logs_user_created_idx").on(t.userId, t.createdAt),
    index("api_logs_key_created_idx").on(t.apiKeyId, t.createdAt),
    index("api_logs_created_idx").on(t.createdAt),
  ],
);
