import { admins, passwordResetRequests } from "@wagate/db";
import { and, eq, inArray, isNull, ne } from "drizzle-orm";
import type { AppDeps } from "../../lib/context.js";
import { unauthorized } from "../../lib/errors.js";
import { hashPassword, passwordCostOf } from "../auth/passwords.js";
import { revokeAdminRefreshTokens } from "../auth/refresh.js";
import { revokeAccessTokens } from "../auth/tokens.js";
import { consumeResetLimit } from "./limits.js";
import { auditStep, type ResetCallMeta } from "./request.js";
import { hashResetToken } from "./secrets.js";

const invalidToken = () => unauthorized("invalid, expired or already used reset token");

/**
 * Sets a new password with a reset token from verify. The request moves `verified → used`
 * under a row lock (a token works once, even when presented twice at the same moment); the
 * password changes, a lock from failed logins is lifted, every refresh token of the admin is
 * revoked and access tokens issued before now stop working. Any bad token is 401.
 */
export async function confirmPasswordReset(
  deps: AppDeps,
  input: { resetToken: string; newPassword: string; meta: ResetCallMeta },
): Promise<void> {
  await consumeResetLimit(deps, "attemptsByIp", input.meta.ip);
  const tokenHash = hashResetToken(deps, input.resetToken);
  // A cheap look first, so a made-up token costs no argon2 hash; the locked re-check below
  // decides. The hash is computed outside the transaction: argon2 must not hold the row lock.
  const [known] = await deps.db
    .select({ id: passwordResetRequests.id })
    .from(passwordResetRequests)
    .where(eq(passwordResetRequests.resetTokenHash, tokenHash));
  if (!known) throw invalidToken();
  const passwordHash = await hashPassword(input.newPassword, passwordCostOf(deps.env));
  const now = deps.now();
  const result = await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(passwordResetRequests)
      .where(eq(passwordResetRequests.resetTokenHash, tokenHash))
      .for("update");
    if (row?.status !== "verified" || !row.adminId) return { ok: false, row } as const;
    if (!row.resetTokenExpiresAt || row.resetTokenExpiresAt.getTime() <= now.getTime()) {
      await tx
        .update(passwordResetRequests)
        .set({ status: "expired", updatedAt: now })
        .where(eq(passwordResetRequests.id, row.id));
      return { ok: false, row, expired: true } as const;
    }
    const [admin] = await tx
      .update(admins)
      .set({
        passwordHash,
        passwordChangedAt: now,
        failedLoginCount: 0,
        lockedUntil: null,
        updatedAt: now,
      })
      .where(and(eq(admins.id, row.adminId), isNull(admins.deletedAt), eq(admins.isActive, true)))
      .returning({ id: admins.id });
    if (!admin) return { ok: false, row } as const;
    await tx
      .update(passwordResetRequests)
      .set({ status: "used", usedAt: now, updatedAt: now })
      .where(eq(passwordResetRequests.id, row.id));
    // Any other live request of this admin dies with this one.
    await tx
      .update(passwordResetRequests)
      .set({ status: "expired", updatedAt: now })
      .where(
        and(
          eq(passwordResetRequests.adminId, row.adminId),
          ne(passwordResetRequests.id, row.id),
          inArray(passwordResetRequests.status, ["pending", "verified"]),
        ),
      );
    await revokeAdminRefreshTokens(tx, row.adminId, now, "password_reset");
    return { ok: true, row, adminId: row.adminId } as const;
  });
  if (!result.ok) {
    if (result.row) {
      await auditStep(
        deps,
        input.meta,
        result.row.id,
        result.row.adminId,
        "password_reset.confirm_failed",
        {
          reason: "expired" in result ? "token_expired" : `status_${result.row.status}`,
        },
      );
    }
    throw invalidToken();
  }
  await revokeAccessTokens(deps, result.adminId);
  await auditStep(deps, input.meta, result.row.id, result.adminId, "password_reset.confirm", {
    refresh_tokens_revoked: true,
  });
}
