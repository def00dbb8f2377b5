import type { AuditActorType } from "@wagate/contracts";
import { auditLogs, type Executor, newId } from "@wagate/db";
import type { Context } from "hono";
import type { AppEnv } from "../lib/context.js";
import { clientIp, userAgent } from "../lib/request.js";

export interface AuditEntry {
  actorType: AuditActorType;
  /** Admin id, account id, or null for the system. */
  actorId: string | null;
  /** Dotted verb: `admin.create`, `user.deactivate`, `api_key.revoke`, ... */
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
  /** State before / after the change. Never password hashes, raw keys or tokens. */
  before?: unknown;
  after?: unknown;
  metadata?: Record<string, unknown> | null;
}

/** Writes one audit_logs row; pass the transaction that makes the change so both commit together. */
export async function recordAudit(executor: Executor, entry: AuditEntry): Promise<void> {
  await executor.insert(auditLogs).values({
    id: newId("auditLog"),
    actorType: entry.actorType,
    actorId: entry.actorId,
    action: entry.action,
    targetType: entry.targetType ?? null,
    targetId: entry.targetId ?? null,
    ip: entry.ip ?? null,
    userAgent: entry.userAgent ?? null,
    requestId: entry.requestId ?? null,
    before: entry.before ?? null,
    after: entry.after ?? null,
    metadata: entry.metadata ?? null,
  });
}

/** Who did it and from where, for verbs called by an admin route. */
export interface AuditActor {
  adminId: string;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

/** The `AuditActor` of an admin request (after `requireAdmin()`). */
export const auditActor = (c: Context<AppEnv>): AuditActor => ({
  adminId: c.get("admin").id,
  ip: clientIp(c),
  userAgent: userAgent(c),
  requestId: c.get("requestId") ?? null,
});

/** `recordAudit` for an admin actor. */
export const recordAdminAudit = (
  executor: Executor,
  actor: AuditActor,
  entry: Omit<AuditEntry, "actorType" | "actorId" | "ip" | "userAgent" | "requestId">,
) =>
  recordAudit(executor, {
    ...entry,
    actorType: "admin",
    actorId: actor.adminId,
    ip: actor.ip,
    userAgent: actor.userAgent,
    requestId: actor.requestId,
  });
