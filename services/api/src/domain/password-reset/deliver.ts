import { apiKeys, users } from "@wagate/db";
import { and, desc, eq, isNull } from "drizzle-orm";
import type { AccountPrincipal, AppDeps } from "../../lib/context.js";
import { acceptMessage } from "../messages/accept.js";

/** What happened to a code: audited (never the code itself). */
export type OtpDelivery =
  | "sent" // accepted into the system session's send queue
  | "logged" // no WhatsApp delivery; written to the development log
  | "not_configured" // production without SYSTEM_SESSION: nothing sent, operator warned
  | "failed"; // the system session refused it (see the warning log)

/** The WhatsApp text carrying a code. */
export const otpMessage = (otp: string) =>
  `Your wagate password reset code is ${otp}. It expires in 10 minutes. If you did not ask for it, ignore this message.`;

/**
 * The sender of system messages: the account and session named by SYSTEM_SESSION
 * (`<account_id>/<session_name>`) in SYSTEM_SESSION_MODE. The account must be active and hold
 * an unrevoked API key of that mode; its newest key is recorded as the message's key.
 */
async function systemSender(
  deps: AppDeps,
): Promise<{ principal: AccountPrincipal; session: string } | null> {
  const configured = deps.env.SYSTEM_SESSION;
  if (!configured) return null;
  const [userId, session] = configured.split("/") as [string, string];
  const mode = deps.env.SYSTEM_SESSION_MODE;
  const [row] = await deps.db
    .select({
      keyId: apiKeys.id,
      scopes: apiKeys.scopes,
      maxMessagesPerDay: users.maxMessagesPerDay,
      maxSessions: users.maxSessions,
    })
    .from(users)
    .innerJoin(apiKeys, eq(apiKeys.userId, users.id))
    .where(
      and(
        eq(users.id, userId),
        eq(users.isActive, true),
        isNull(users.deletedAt),
        eq(apiKeys.mode, mode),
        isNull(apiKeys.revokedAt),
      ),
    )
    .orderBy(desc(apiKeys.id))
    .limit(1);
  if (!row)
    throw new Error(`SYSTEM_SESSION account ${userId} is inactive or has no ${mode} API key`);
  return {
    session,
    principal: {
      userId,
      keyId: row.keyId,
      mode,
      scopes: row.scopes as AccountPrincipal["scopes"],
      maxMessagesPerDay: row.maxMessagesPerDay,
      maxSessions: row.maxSessions,
    },
  };
}

/**
 * Sends `otp` to `phone` as a WhatsApp message through the system session (H4's
 * `acceptMessage`, so it is queued, paced and tracked like any message). Never throws: a
 * failure is logged for the operator (without the code) and reported as the outcome. Outside
 * production, a code that could not be sent is written to the log instead, marked DEV ONLY.
 */
export async function deliverOtp(
  deps: AppDeps,
  input: { requestId: string; adminId: string; phone: string; otp: string },
): Promise<{ outcome: OtpDelivery; messageId?: string }> {
  const production = deps.env.NODE_ENV === "production";
  const logInstead = (reason: string): { outcome: OtpDelivery } => {
    if (production) return { outcome: reason === "not_configured" ? "not_configured" : "failed" };
    // Deliberately outside the redacted `otp` path: development only, never in production.
    deps.logger.warn(
      { resetRequestId: input.requestId, devOnlyResetCode: input.otp },
      `DEV ONLY (NODE_ENV=${deps.env.NODE_ENV}): password reset code not sent over WhatsApp (${reason}); it is logged here instead`,
    );
    return { outcome: "logged" };
  };
  let sender: Awaited<ReturnType<typeof systemSender>>;
  try {
    sender = await systemSender(deps);
  } catch (error) {
    deps.logger.warn(
      { err: error, resetRequestId: input.requestId },
      "password reset code not sent: the SYSTEM_SESSION sender is unusable",
    );
    return logInstead("system session unusable");
  }
  if (!sender) {
    deps.logger.warn(
      { resetRequestId: input.requestId, adminId: input.adminId },
      "password reset requested but SYSTEM_SESSION is not configured: the code cannot be delivered",
    );
    return logInstead("not_configured");
  }
  try {
    const accepted = await acceptMessage(deps, sender.principal, {
      to: input.phone,
      session: sender.session,
      type: "text",
      content: otpMessage(input.otp),
      media: null,
      sensitive: true,
    });
    return { outcome: "sent", messageId: accepted.row.id };
  } catch (error) {
    // ApiError messages name fields, never the message text; the code stays out of the log.
    deps.logger.warn(
      { err: error, resetRequestId: input.requestId, adminId: input.adminId },
      "password reset code could not be queued on the system session",
    );
    return logInstead("system session refused it");
  }
}
