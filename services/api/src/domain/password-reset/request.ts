import { setTimeout as sleep } from "node:timers/promises";
import { admins, newId, passwordResetRequests } from "@wagate/db";
import { and, eq, inArray, isNull } from "drizzle-orm";
import type { AppDeps } from "../../lib/context.js";
import { ApiError, conflict, notFound, validationFailed } from "../../lib/errors.js";
import { recordAudit } from "../audit.js";
import { normalizePhone } from "../phone/normalize.js";
import { deliverOtp, type OtpDelivery } from "./deliver.js";
import { consumeResetLimit, resetRateLimited } from "./limits.js";
import { generateOtp, hashOtp, MAX_RESENDS, OTP_TTL_MS, RESEND_COOLDOWN_MS } from "./secrets.js";

/** Where a reset call came from, for rate limits and the audit trail. */
export interface ResetCallMeta {
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

export const RESET_TARGET = "password_reset_request";

/** Waits until `floorMs` have passed since `startedAt`, so answers take the same time. */
async function answerNoSoonerThan(startedAt: number, floorMs: number) {
  const remaining = floorMs - (performance.now() - startedAt);
  if (remaining > 0) await sleep(remaining);
}

/** The admin a reset may go to: live, active, and with this exact phone on file. */
async function findResettableAdmin(deps: AppDeps, email: string, phone: string) {
  const [admin] = await deps.db
    .select({ id: admins.id, phone: admins.phone, isActive: admins.isActive })
    .from(admins)
    .where(and(eq(admins.email, email), isNull(admins.deletedAt)))
    .limit(1);
  if (!admin?.isActive || !admin.phone) return null;
  const onFile = normalizePhone(admin.phone);
  return onFile.ok && onFile.e164 === phone ? { id: admin.id, phone: onFile.e164 } : null;
}

/**
 * Starts a reset: always creates a request row and answers the same `{requestId}` in the
 * same time, whether or not `email` + `phone` name an admin. Only a match gets a code, sent to
 * the phone ON FILE (never to a number the caller typed). An unmatched row (admin_id null)
 * follows the same rules (cooldown, resends, attempts, expiry) but can never be verified.
 * Older pending/verified requests for the same email AND phone are expired, so one code is live
 * at a time; keying on both (matched or not) means a stranger who lacks the phone cannot cancel
 * an admin's reset, and superseding reveals nothing about a match.
 */
export async function requestPasswordReset(
  deps: AppDeps,
  input: { email: string; phone: string; meta: ResetCallMeta },
): Promise<{ requestId: string }> {
  const startedAt = performance.now();
  const email = input.email.trim().toLowerCase();
  const phone = normalizePhone(input.phone);
  if (!phone.ok) {
    throw validationFailed(`phone ${phone.reason}`, {
      fields: [{ path: "phone", message: phone.reason }],
    });
  }
  await consumeResetLimit(deps, "sendsByIp", input.meta.ip);
  await consumeResetLimit(deps, "requestsByEmail", email);

  const admin = await findResettableAdmin(deps, email, phone.e164);
  const now = deps.now();
  const id = newId("passwordReset", now.getTime());
  const otp = generateOtp();
  await deps.db.transaction(async (tx) => {
    await tx
      .update(passwordResetRequests)
      .set({ status: "expired" })
      .where(
        and(
          eq(passwordResetRequests.email, email),
          eq(passwordResetRequests.phone, phone.e164),
          inArray(passwordResetRequests.status, ["pending", "verified"]),
        ),
      );
    await tx.insert(passwordResetRequests).values({
      id,
      adminId: admin?.id ?? null,
      email,
      phone: phone.e164,
      otpHash: hashOtp(deps, id, otp),
      status: "pending",
      lastSentAt: now,
      expiresAt: new Date(now.getTime() + OTP_TTL_MS),
      ip: input.meta.ip,
      createdAt: now,
      updatedAt: now,
    });
  });
  const delivery = admin
    ? await deliverOtp(deps, { requestId: id, adminId: admin.id, phone: admin.phone, otp })
    : { outcome: "skipped" as const };
  await auditStep(deps, input.meta, id, admin?.id ?? null, "password_reset.request", {
    email,
    matched: admin !== null,
    delivery: delivery.outcome,
  });
  await answerNoSoonerThan(startedAt, deps.env.PASSWORD_RESET_MIN_RESPONSE_MS);
  return { requestId: id };
}

/**
 * Sends a fresh code for a pending request (the old one stops working; the 10-minute expiry
 * restarts). At most MAX_RESENDS resends, RESEND_COOLDOWN_MS apart (429 `rate_limited` with
 * Retry-After otherwise); wrong-code attempts are NOT reset, so resending buys no guesses.
 */
export async function resendPasswordReset(
  deps: AppDeps,
  input: { requestId: string; meta: ResetCallMeta },
): Promise<void> {
  const startedAt = performance.now();
  await consumeResetLimit(deps, "sendsByIp", input.meta.ip);
  const now = deps.now();
  const otp = generateOtp();
  const outcome = await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(passwordResetRequests)
      .where(eq(passwordResetRequests.id, input.requestId))
      .for("update");
    if (!row) return { error: notFound("password reset request") } as const;
    if (row.status === "pending" && row.expiresAt.getTime() <= now.getTime()) {
      await tx
        .update(passwordResetRequests)
        .set({ status: "expired" })
        .where(eq(passwordResetRequests.id, row.id));
      return { error: conflict("this reset request has expired; start a new one"), row } as const;
    }
    if (row.status !== "pending") {
      return {
        error: conflict(`this reset request is ${row.status}; start a new one`),
        row,
      } as const;
    }
    if (row.resendCount >= MAX_RESENDS) {
      return {
        error: new ApiError(
          "rate_limited",
          `at most ${MAX_RESENDS} resends per request; start a new one`,
        ),
        row,
      } as const;
    }
    const since = now.getTime() - (row.lastSentAt ?? row.createdAt).getTime();
    if (since < RESEND_COOLDOWN_MS) {
      return {
        error: resetRateLimited(
          RESEND_COOLDOWN_MS - since,
          "a code was sent moments ago; wait before resending",
        ),
        row,
      } as const;
    }
    await tx
      .update(passwordResetRequests)
      .set({
        otpHash: hashOtp(deps, row.id, otp),
        resendCount: row.resendCount + 1,
        lastSentAt: now,
        expiresAt: new Date(now.getTime() + OTP_TTL_MS),
        updatedAt: now,
      })
      .where(eq(passwordResetRequests.id, row.id));
    return { row } as const;
  });
  if (outcome.error) {
    if (outcome.row) {
      await auditStep(
        deps,
        input.meta,
        outcome.row.id,
        outcome.row.adminId,
        "password_reset.resend_refused",
        {
          reason: outcome.error.code === "conflict" ? "not_pending" : "limit",
        },
      );
    }
    throw outcome.error;
  }
  const { row } = outcome;
  let delivery: { outcome: OtpDelivery | "skipped" } = { outcome: "skipped" };
  if (row.adminId) {
    const [admin] = await deps.db
      .select({ phone: admins.phone })
      .from(admins)
      .where(and(eq(admins.id, row.adminId), isNull(admins.deletedAt)));
    if (admin?.phone) {
      delivery = await deliverOtp(deps, {
        requestId: row.id,
        adminId: row.adminId,
        phone: admin.phone,
        otp,
      });
    }
  }
  await auditStep(deps, input.meta, row.id, row.adminId, "password_reset.resend", {
    resend_count: row.resendCount + 1,
    delivery: delivery.outcome,
  });
  await answerNoSoonerThan(startedAt, deps.env.PASSWORD_RESET_MIN_RESPONSE_MS);
}

/**
 * One audit row per step. The actor is the admin the request belongs to (null, as `system`,
 * for an unmatched request). Never the code or the token.
 */
export function auditStep(
  deps: AppDeps,
  meta: ResetCallMeta,
  requestId: string,
  adminId: string | null,
  action: string,
  metadata: Record<string, unknown>,
) {
  return recordAudit(deps.db, {
    actorType: adminId ? "admin" : "system",
    actorId: adminId,
    action,
    targetType: RESET_TARGET,
    targetId: requestId,
    ip: meta.ip,
    userAgent: meta.userAgent,
    requestId: meta.requestId,
    metadata,
  });
}
