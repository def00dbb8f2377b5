import type { Executor } from "@wagate/db";
import { auditLogs, loginHistory } from "@wagate/db";
import { and, desc, eq, gte, lt } from "drizzle-orm";

interface Page {
  limit: number;
  /** Rows with an id below this one (ids are time-sortable: newest first). */
  beforeId?: string;
}

export interface LoginHistoryFilter extends Page {
  adminId?: string;
  success?: boolean;
  since?: Date;
}

/** Every admin login attempt, newest first (`login_history`). */
export function listLoginHistory(db: Executor, filter: LoginHistoryFilter) {
  return db
    .select()
    .from(loginHistory)
    .where(
      and(
        filter.adminId ? eq(loginHistory.adminId, filter.adminId) : undefined,
        filter.success !== undefined ? eq(loginHistory.success, filter.success) : undefined,
        filter.since ? gte(loginHistory.createdAt, filter.since) : undefined,
        filter.beforeId ? lt(loginHistory.id, filter.beforeId) : undefined,
      ),
    )
    .orderBy(desc(loginHistory.id))
    .limit(filter.limit + 1);
}

export type LoginHistoryRow = Awaited<ReturnType<typeof listLoginHistory>>[number];

export interface AuditLogsFilter extends Page {
  actorId?: string;
  action?: string;
  since?: Date;
}

/** Audit trail of admin actions and system detections, newest first (`audit_logs`). */
export function listAuditLogs(db: Executor, filter: AuditLogsFilter) {
  return db
    .select()
    .from(auditLogs)
    .where(
      and(
        filter.actorId ? eq(auditLogs.actorId, filter.actorId) : undefined,
        filter.action ? eq(auditLogs.action, filter.action) : undefined,
        filter.since ? gte(auditLogs.createdAt, filter.since) : undefined,
        filter.beforeId ? lt(auditLogs.id, filter.beforeId) : undefined,
      ),
    )
    .orderBy(desc(auditLogs.id))
    .limit(filter.limit + 1);
}

export type AuditLogRow = Awaited<ReturnType<typeof listAuditLogs>>[number];
