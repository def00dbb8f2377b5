import { z } from "@hono/zod-openapi";
import { MESSAGE_STATUSES, SESSION_STATUSES } from "@wagate/contracts";
import type {
  ApiLogRow,
  AuditLogRow,
  LoginHistoryRow,
  Summary,
  UsageStatRow,
} from "../../domain/analytics/index.js";
import { listSchema, paginationQuery } from "../../lib/openapi.js";
import { iso } from "../../lib/time.js";

const timeParam = (description: string) =>
  z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ description, example: "2026-01-01T00:00:00Z" });

/* ---------- usage stats ---------- */

export const usageStatsQuery = paginationQuery.extend({
  user_id: z.string().optional().openapi({ description: "Only this account" }),
  from: z.iso
    .date()
    .optional()
    .openapi({ description: "First UTC day included", example: "2026-01-01" }),
  to: z.iso
    .date()
    .optional()
    .openapi({ description: "Last UTC day included", example: "2026-01-31" }),
});

export const usageStatSchema = z
  .object({
    user_id: z.string(),
    date: z.string().openapi({ example: "2026-01-31" }),
    messages_sent: z
      .number()
      .int()
      .openapi({ description: "Outbound messages that reached `sent` or later" }),
    messages_failed: z
      .number()
      .int()
      .openapi({ description: "Outbound messages that ended `failed`" }),
    media_sent: z.number().int(),
    api_requests: z.number().int(),
  })
  .openapi("UsageStat");
export const usageStatListSchema = listSchema(usageStatSchema, "UsageStatList");

export const toUsageStat = (row: UsageStatRow): z.infer<typeof usageStatSchema> => ({
  user_id: row.userId,
  date: row.date,
  messages_sent: row.messagesSent,
  messages_failed: row.messagesFailed,
  media_sent: row.mediaSent,
  api_requests: row.apiRequests,
});

/* ---------- api logs ---------- */

export const apiLogsQuery = paginationQuery.extend({
  user_id: z.string().optional(),
  method: z
    .string()
    .regex(/^[A-Za-z]{3,10}$/)
    .optional()
    .openapi({ example: "POST" }),
  status_code: z.coerce.number().int().min(100).max(599).optional(),
  route: z
    .string()
    .max(300)
    .optional()
    .openapi({ description: "Route pattern, exactly", example: "/api/v1/messages/send-text" }),
  since: timeParam("Inclusive; default 24 h before `until` (or now)"),
  until: timeParam("Exclusive; default none (up to now)"),
});

export const apiLogSchema = z
  .object({
    id: z.string(),
    user_id: z.string().nullable(),
    api_key_id: z.string().nullable(),
    method: z.string(),
    route: z.string(),
    status_code: z.number().int(),
    ip: z.string().nullable(),
    duration_ms: z.number().int(),
    request_id: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi("ApiLog");
export const apiLogListSchema = listSchema(apiLogSchema, "ApiLogList");

export const toApiLog = (row: ApiLogRow): z.infer<typeof apiLogSchema> => ({
  id: row.id,
  user_id: row.userId,
  api_key_id: row.apiKeyId,
  method: row.method,
  route: row.route,
  status_code: row.statusCode,
  ip: row.ip,
  duration_ms: row.durationMs,
  request_id: row.requestId,
  created_at: iso(row.createdAt)!,
});

/* ---------- login history ---------- */

export const loginHistoryQuery = paginationQuery.extend({
  admin_id: z.string().optional(),
  success: z
    .enum(["true", "false"])
    .optional()
    .openapi({ description: "`true` for successful logins only, `false` for failures only" }),
  since: timeParam("Inclusive"),
});

export const loginAttemptSchema = z
  .object({
    id: z.string(),
    admin_id: z.string().nullable(),
    email: z.string(),
    success: z.boolean(),
    reason: z.string().openapi({ example: "bad_password" }),
    ip: z.string().nullable(),
    user_agent: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi("LoginAttempt");
export const loginAttemptListSchema = listSchema(loginAttemptSchema, "LoginAttemptList");

export const toLoginAttempt = (row: LoginHistoryRow): z.infer<typeof loginAttemptSchema> => ({
  id: row.id,
  admin_id: row.adminId,
  email: row.email,
  success: row.success,
  reason: row.reason,
  ip: row.ip,
  user_agent: row.userAgent,
  created_at: iso(row.createdAt)!,
});

/* ---------- audit logs ---------- */

export const auditLogsQuery = paginationQuery.extend({
  actor_id: z.string().optional(),
  action: z.string().max(100).optional().openapi({ example: "admin.create" }),
  since: timeParam("Inclusive"),
});

export const auditLogSchema = z
  .object({
    id: z.string(),
    actor_type: z.string(),
    actor_id: z.string().nullable(),
    action: z.string(),
    target_type: z.string().nullable(),
    target_id: z.string().nullable(),
    ip: z.string().nullable(),
    user_agent: z.string().nullable(),
    request_id: z.string().nullable(),
    before: z.unknown().nullable(),
    after: z.unknown().nullable(),
    metadata: z.unknown().nullable(),
    created_at: z.string(),
  })
  .openapi("AuditLog");
export const auditLogListSchema = listSchema(auditLogSchema, "AuditLogList");

export const toAuditLog = (row: AuditLogRow): z.infer<typeof auditLogSchema> => ({
  id: row.id,
  actor_type: row.actorType,
  actor_id: row.actorId,
  action: row.action,
  target_type: row.targetType,
  target_id: row.targetId,
  ip: row.ip,
  user_agent: row.userAgent,
  request_id: row.requestId,
  before: row.before ?? null,
  after: row.after ?? null,
  metadata: row.metadata ?? null,
  created_at: iso(row.createdAt)!,
});

/* ---------- summary ---------- */

const countsBy = (keys: readonly string[]) =>
  z.object(Object.fromEntries(keys.map((k) => [k, z.number().int()])));

export const summarySchema = z
  .object({
    generated_at: z.string(),
    day: z.string().openapi({ description: "UTC day of the `*_today` figures" }),
    admins: z.object({
      active: z.number().int().openapi({ description: "Admins not deleted and active" }),
      locked: z
        .number()
        .int()
        .openapi({ description: "Admins not deleted whose lock has not run out" }),
    }),
    accounts: z.object({
      active: z.number().int().openapi({ description: "Accounts not deleted and active" }),
      total: z.number().int().openapi({ description: "Accounts not deleted" }),
    }),
    messages_today: z
      .object({ total: z.number().int(), by_status: countsBy(MESSAGE_STATUSES) })
      .openapi({
        description: "Messages (both directions) created since UTC midnight, by current status",
      }),
    sessions: z
      .object({ total: z.number().int(), by_status: countsBy(SESSION_STATUSES) })
      .openapi({ description: "All WhatsApp sessions, by status" }),
    top_accounts: z
      .array(
        z.object({
          user_id: z.string(),
          name: z.string().nullable(),
          messages_sent: z.number().int(),
          messages_failed: z.number().int(),
          media_sent: z.number().int(),
          api_requests: z.number().int(),
        }),
      )
      .openapi({
        description:
          "Up to 10 accounts with most messages today (sent + failed) from today's usage_stats, as of the last aggregation",
      }),
  })
  .openapi("AnalyticsSummary");

export const toSummary = (s: Summary): z.infer<typeof summarySchema> => ({
  generated_at: s.generatedAt.toISOString(),
  day: s.day,
  admins: s.admins,
  accounts: s.accounts,
  messages_today: { total: s.messagesToday.total, by_status: s.messagesToday.byStatus },
  sessions: { total: s.sessions.total, by_status: s.sessions.byStatus },
  top_accounts: s.topAccounts.map((a) => ({
    user_id: a.userId,
    name: a.name,
    messages_sent: a.messagesSent,
    messages_failed: a.messagesFailed,
    media_sent: a.mediaSent,
    api_requests: a.apiRequests,
  })),
});
