import { ADMIN_ROLES, AUDIT_ACTOR_TYPES, PASSWORD_RESET_STATUSES } from "@wagate/contracts";
import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { oneOf, timestamps, tstz } from "./_columns.js";

export const admins = pgTable(
  "admins",
  {
    id: text("id").primaryKey(),
    /** Stored lower-cased. */
    email: text("email").notNull(),
    passwordHash: text("password_hash").notNull(),
    role: text("role", { enum: ADMIN_ROLES }).notNull(),
    phone: text("phone"),
    isActive: boolean("is_active").notNull().default(true),
    failedLoginCount: integer("failed_login_count").notNull().default(0),
    lockedUntil: tstz("locked_until"),
    lastLoginAt: tstz("last_login_at"),
    passwordChangedAt: tstz("password_changed_at"),
    deletedAt: tstz("deleted_at"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("admins_email_live_uq").on(t.email).where(sql`deleted_at is null`),
    check("admins_role_ck", oneOf("role", ADMIN_ROLES)),
  ],
);

export const refreshTokens = pgTable(
  "refresh_tokens",
  {
    id: text("id").primaryKey(),
    adminId: text("admin_id")
      .notNull()
      .references(() => admins.id, { onDelete: "cascade" }),
    /** Every token minted by rotation from one login shares a family; reuse revokes it whole. */
    familyId: text("family_id").notNull(),
    tokenHash: text("token_hash").notNull(),
    expiresAt: tstz("expires_at").notNull(),
    revokedAt: tstz("revoked_at"),
    revokedReason: text("revoked_reason"),
    replacedById: text("replaced_by_id"),
    ip: text("ip"),
    userAgent: text("user_agent"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("refresh_tokens_hash_uq").on(t.tokenHash),
    index("refresh_tokens_admin_idx").on(t.adminId),
    index("refresh_tokens_family_idx").on(t.familyId),
    index("refresh_tokens_expires_idx").on(t.expiresAt),
  ],
);

export const loginHistory = pgTable(
  "login_history",
  {
    id: text("id").primaryKey(),
    adminId: text("admin_id").references(() => admins.id, { onDelete: "set null" }),
    email: text("email").notNull(),
    success: boolean("success").notNull(),
    /** ok, bad_password, unknown_email, locked, inactive, rate_limited */
    reason: text("reason").notNull(),
    ip: text("ip"),
    userAgent: text("user_agent"),
    ...timestamps,
  },
  (t) => [
    index("login_history_admin_idx").on(t.adminId, t.createdAt),
    index("login_history_ip_idx").on(t.ip, t.createdAt),
    index("login_history_created_idx").on(t.createdAt),
  ],
);

export const passwordResetRequests = pgTable(
  "password_reset_requests",
  {
    id: text("id").primaryKey(),
    /** Null when the email/phone matched no admin: the request still exists so answers are constant. */
    adminId: text("admin_id").references(() => admins.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    phone: text("phone"),
    otpHash: text("otp_hash"),
    status: text("status", { enum: PASSWORD_RESET_STATUSES }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    resendCount: integer("resend_count").notNull().default(0),
    lastSentAt: tstz("last_sent_at"),
    expiresAt: tstz("expires_at").notNull(),
    verifiedAt: tstz("verified_at"),
    usedAt: tstz("used_at"),
    resetTokenHash: text("reset_token_hash"),
    resetTokenExpiresAt: tstz("reset_token_expires_at"),
    ip: text("ip"),
    ...timestamps,
  },
  (t) => [
    index("password_reset_admin_idx").on(t.adminId, t.createdAt),
    uniqueIndex("password_reset_token_uq").on(t.resetTokenHash),
    index("password_reset_status_expires_idx").on(t.status, t.expiresAt),
    check("password_reset_status_ck", oneOf("status", PASSWORD_RESET_STATUSES)),
  ],
);

export const auditLogs = pgTable(
  "audit_logs",
  {
    id: text("id").primaryKey(),
    actorType: text("actor_type", { enum: AUDIT_ACTOR_TYPES }).notNull(),
    /** Admin id, account id, or null for the system. */
    actorId: text("actor_id"),
    /** Dotted verb: `admin.create`, `api_key.revoke`, `suspicious.failed_logins`, ... */
    action: text("action").notNull(),
    targetType: text("target_type"),
    targetId: text("target_id"),
    ip: text("ip"),
    userAgent: text("user_agent"),
    requestId: text("request_id"),
    before: jsonb("before"),
    after: jsonb("after"),
    metadata: jsonb("metadata"),
    ...timestamps,
  },
  (t) => [
    index("audit_logs_actor_idx").on(t.actorId, t.createdAt),
    index("audit_logs_action_idx").on(t.action, t.createdAt),
    index("audit_logs_target_idx").on(t.targetType, t.targetId),
    index("audit_logs_created_idx").on(t.createdAt),
    check("audit_logs_actor_type_ck", oneOf("actor_type", AUDIT_ACTOR_TYPES)),
  ],
);
