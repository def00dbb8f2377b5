import { admins, loginHistory, newId } from "@wagate/db";
import { and, eq, isNull, sql } from "drizzle-orm";
import type { AdminPrincipal, AppDeps } from "../../lib/context.js";
import { ApiError, unauthorized } from "../../lib/errors.js";
import { burnPasswordCheck, passwordCostOf, verifyPassword } from "./passwords.js";
import {
  checkLoginRate,
  clearLoginFailures,
  loginFailures,
  recordLoginFailure,
} from "./rate-limit.js";
import { issueRefreshToken, rotateRefreshToken } from "./refresh.js";
import { signAccessToken } from "./tokens.js";

export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  admin: AdminPrincipal;
}

type LoginReason = "ok" | "bad_password" | "unknown_email" | "locked" | "inactive" | "rate_limited";

async function recordAttempt(
  deps: AppDeps,
  input: { adminId: string | null; email: string; reason: LoginReason } & RequestMeta,
) {
  await deps.db.insert(loginHistory).values({
    id: newId("loginHistory"),
    adminId: input.adminId,
    email: input.email.slice(0, 320),
    success: input.reason === "ok",
    reason: input.reason,
    ip: input.ip,
    userAgent: input.userAgent,
  });
}

const lockedError = (lockedUntil: Date, now: Date) =>
  new ApiError("account_locked", "too many failed logins; the account is locked", {
    details: { locked_until: lockedUntil.toISOString() },
    headers: {
      "Retry-After": String(Math.max(1, Math.ceil((lockedUntil.getTime() - now.getTime()) / 1000))),
    },
  });

/**
 * Email + password login. Every attempt lands in login_history. LOGIN_MAX_FAILURES
 * consecutive wrong passwords lock the admin for LOGIN_LOCK_MINUTES (423, even with the right
 * password, until the lock ends or an admin unlocks it).
 */
export async function login(
  deps: AppDeps,
  input: { email: string; password: string } & RequestMeta,
): Promise<TokenPair> {
  const email = input.email.trim().toLowerCase();
  const meta = { ip: input.ip, userAgent: input.userAgent };
  const limited = await checkLoginRate(deps, { ip: input.ip, email });
  if (limited) {
    await recordAttempt(deps, { adminId: null, email, reason: "rate_limited", ...meta });
    throw limited;
  }

  const [admin] = await deps.db
    .select()
    .from(admins)
    .where(and(eq(admins.email, email), isNull(admins.deletedAt)));
  const now = deps.now();
  if (!admin) {
    // An unknown email answers exactly like a real one, lock included (423 after
    // LOGIN_MAX_FAILURES failures in a lock window), so the answers do not reveal which
    // emails belong to admins.
    const virtualLock = (msBeforeNext: number) =>
      lockedError(new Date(now.getTime() + msBeforeNext), now);
    const prior = await loginFailures(deps, email);
    if (prior.count >= deps.env.LOGIN_MAX_FAILURES) {
      await recordAttempt(deps, { adminId: null, email, reason: "unknown_email", ...meta });
      throw virtualLock(prior.msBeforeNext);
    }
    await burnPasswordCheck(input.password, passwordCostOf(deps.env));
    const tally = await recordLoginFailure(deps, email);
    await recordAttempt(deps, { adminId: null, email, reason: "unknown_email", ...meta });
    if (tally && tally.count >= deps.env.LOGIN_MAX_FAILURES) throw virtualLock(tally.msBeforeNext);
    throw unauthorized("invalid email or password");
  }

  if (admin.lockedUntil && admin.lockedUntil.getTime() > now.getTime()) {
    await recordAttempt(deps, { adminId: admin.id, email, reason: "locked", ...meta });
    throw lockedError(admin.lockedUntil, now);
  }

  const passwordOk = await verifyPassword(admin.passwordHash, input.password);
  if (!passwordOk) {
    await recordLoginFailure(deps, email);
    const lockUntil = new Date(now.getTime() + deps.env.LOGIN_LOCK_MINUTES * 60_000);
    const max = deps.env.LOGIN_MAX_FAILURES;
    // One statement, so concurrent failures all count; reaching the threshold sets the
    // lock and restarts the count for after the lock.
    const [updated] = await deps.db
      .update(admins)
      .set({
        failedLoginCount: sql`case when ${admins.failedLoginCount} + 1 >= ${max} then 0 else ${admins.failedLoginCount} + 1 end`,
        lockedUntil: sql`case when ${admins.failedLoginCount} + 1 >= ${max} then ${lockUntil.toISOString()}::timestamptz else ${admins.lockedUntil} end`,
      })
      .where(eq(admins.id, admin.id))
      .returning({ lockedUntil: admins.lockedUntil });
    await recordAttempt(deps, { adminId: admin.id, email, reason: "bad_password", ...meta });
    if (updated?.lockedUntil && updated.lockedUntil.getTime() > now.getTime()) {
      deps.logger.warn({ adminId: admin.id }, "admin locked after repeated failed logins");
      throw lockedError(updated.lockedUntil, now);
    }
    throw unauthorized("invalid email or password");
  }

  if (!admin.isActive) {
    await recordAttempt(deps, { adminId: admin.id, email, reason: "inactive", ...meta });
    throw unauthorized("invalid email or password");
  }

  await deps.db
    .update(admins)
    .set({ failedLoginCount: 0, lockedUntil: null, lastLoginAt: now })
    .where(eq(admins.id, admin.id));
  await clearLoginFailures(deps, email);
  const principal: AdminPrincipal = { id: admin.id, email: admin.email, role: admin.role };
  const refresh = await issueRefreshToken(deps.db, deps, { adminId: admin.id, ...meta });
  const access = await signAccessToken(deps, principal);
  await recordAttempt(deps, { adminId: admin.id, email, reason: "ok", ...meta });
  return {
    accessToken: access.token,
    refreshToken: refresh.raw,
    expiresIn: access.expiresIn,
    admin: principal,
  };
}

/** Exchanges a refresh token for a new pair (rotation with reuse detection). */
export async function refresh(
  deps: AppDeps,
  input: { refreshToken: string } & RequestMeta,
): Promise<TokenPair> {
  let principal: AdminPrincipal | undefined;
  const result = await rotateRefreshToken(
    deps,
    input.refreshToken,
    { ip: input.ip, userAgent: input.userAgent },
    async (adminId, executor) => {
      const [admin] = await executor
        .select()
        .from(admins)
        .where(and(eq(admins.id, adminId), isNull(admins.deletedAt)));
      // A login lock stops password guessing, not existing sessions: otherwise anyone could
      // log an admin out by failing five logins with its email.
      if (!admin?.isActive) return false;
      principal = { id: admin.id, email: admin.email, role: admin.role };
      return true;
    },
  );
  if (!result.ok || !principal) {
    if (!result.ok && result.reason === "reuse_detected") {
      deps.logger.warn({ adminId: result.adminId }, "refresh token reuse: family revoked");
    }
    throw unauthorized("invalid refresh token");
  }
  const access = await signAccessToken(deps, principal);
  return {
    accessToken: access.token,
    refreshToken: result.token.raw,
    expiresIn: access.expiresIn,
    admin: principal,
  };
}
