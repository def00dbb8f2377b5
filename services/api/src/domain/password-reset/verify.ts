import { passwordResetRequests } from "@wagate/db";
import { eq } from "drizzle-orm";
import type { AppDeps } from "../../lib/context.js";
import { ApiError, notFound } from "../../lib/errors.js";
import { consumeResetLimit } from "./limits.js";
import { auditStep, type ResetCallMeta } from "./request.js";
import {
  generateResetToken,
  hashOtp,
  hashResetToken,
  MAX_VERIFY_ATTEMPTS,
  RESET_TOKEN_TTL_MS,
  sameHash,
} from "./secrets.js";

export type VerifyFailure = "invalid_otp" | "expired" | "blocked" | "not_pending";

const messages: Record<VerifyFailure, string> = {
  invalid_otp: "the code is wrong",
  expired: "the code has expired; request a new one",
  blocked: "too many wrong codes: this request is blocked; start a new one",
  not_pending: "this request was already verified or used; start a new one",
};

/**
 * Every refusal of a code is the same 400 `validation_failed`, whatever the reason, with
 * `details.reason` and the attempts left: an unmatched request answers exactly like a matched
 * one, so verify reveals nothing about accounts.
 */
export const verifyRefused = (reason: VerifyFailure, attemptsRemaining: number) =>
  new ApiError("validation_failed", messages[reason], {
    status: 400,
    details: {
      reason,
      attempts_remaining: attemptsRemaining,
      fields: [{ path: "otp", message: messages[reason] }],
    },
  });

/**
 * Checks a code. Each try counts (under a row lock, so parallel guesses cannot overrun the
 * limit); the MAX_VERIFY_ATTEMPTS-th wrong code blocks the request. A right code moves it to
 * `verified` and returns a single-use reset token valid RESET_TOKEN_TTL_MS.
 */
export async function verifyPasswordReset(
  deps: AppDeps,
  input: { requestId: string; otp: string; meta: ResetCallMeta },
): Promise<{ resetToken: string }> {
  await consumeResetLimit(deps, "attemptsByIp", input.meta.ip);
  const now = deps.now();
  const resetToken = generateResetToken();
  const result = await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(passwordResetRequests)
      .where(eq(passwordResetRequests.id, input.requestId))
      .for("update");
    if (!row) return { kind: "missing" } as const;
    const remaining = Math.max(0, MAX_VERIFY_ATTEMPTS - row.attempts);
    if (row.status === "blocked")
      return { kind: "refused", row, reason: "blocked", remaining } as const;
    if (row.status === "expired")
      return { kind: "refused", row, reason: "expired", remaining } as const;
    if (row.status !== "pending")
      return { kind: "refused", row, reason: "not_pending", remaining } as const;
    if (row.expiresAt.getTime() <= now.getTime()) {
      await tx
        .update(passwordResetRequests)
        .set({ status: "expired", updatedAt: now })
        .where(eq(passwordResetRequests.id, row.id));
      return { kind: "refused", row, reason: "expired", remaining } as const;
    }
    const attempts = row.attempts + 1;
    const matches = row.adminId !== null && sameHash(row.otpHash, hashOtp(deps, row.id, input.otp));
    if (matches) {
      await tx
        .update(passwordResetRequests)
        .set({
          attempts,
          status: "verified",
          verifiedAt: now,
          resetTokenHash: hashResetToken(deps, resetToken),
          resetTokenExpiresAt: new Date(now.getTime() + RESET_TOKEN_TTL_MS),
          updatedAt: now,
        })
        .where(eq(passwordResetRequests.id, row.id));
      return { kind: "verified", row } as const;
    }
    const blocked = attempts >= MAX_VERIFY_ATTEMPTS;
    await tx
      .update(passwordResetRequests)
      .set({ attempts, ...(blocked ? { status: "blocked" as const } : {}), updatedAt: now })
      .where(eq(passwordResetRequests.id, row.id));
    return {
      kind: "refused",
      row,
      reason: blocked ? "blocked" : "invalid_otp",
      remaining: MAX_VERIFY_ATTEMPTS - attempts,
      attempts,
    } as const;
  });
  if (result.kind === "missing") throw notFound("password reset request");
  const { row } = result;
  if (result.kind === "verified") {
    await auditStep(deps, input.meta, row.id, row.adminId, "password_reset.verify", {
      attempts: row.attempts + 1,
    });
    return { resetToken };
  }
  await auditStep(
    deps,
    input.meta,
    row.id,
    row.adminId,
    result.reason === "blocked" && "attempts" in result
      ? "password_reset.block"
      : "password_reset.verify_failed",
    { reason: result.reason, attempts: "attempts" in result ? result.attempts : row.attempts },
  );
  throw verifyRefused(result.reason, result.remaining);
}
