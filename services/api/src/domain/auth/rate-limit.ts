import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import type { AppDeps } from "../../lib/context.js";
import { ApiError } from "../../lib/errors.js";

/** Window of the per-IP login budget (`LOGIN_IP_MAX_ATTEMPTS`). */
export const LOGIN_IP_WINDOW_SECONDS = 5 * 60;

interface LoginLimiters {
  byIp: RateLimiterRedis;
  byEmail: RateLimiterRedis;
  emailPoints: number;
}

const limiters = new WeakMap<object, LoginLimiters>();

/**
 * Two Redis-backed limiters (shared by every API replica):
 * - per IP: every attempt counts (password spraying across many emails from one address);
 * - per email: only failed attempts count, twice the lockout threshold per lockout window,
 *   with no block extension. The account lock (LOGIN_MAX_FAILURES → LOGIN_LOCK_MINUTES)
 *   fires first for a real admin, so an attacker hammering a victim's email can never keep
 *   the victim out longer than the lockout policy itself; the email limiter mostly bounds
 *   guessing against unknown emails, which have no lock.
 */
function loginLimiters(deps: AppDeps): LoginLimiters {
  let found = limiters.get(deps);
  if (!found) {
    const emailPoints = deps.env.LOGIN_MAX_FAILURES * 2;
    found = {
      byIp: new RateLimiterRedis({
        storeClient: deps.redis,
        keyPrefix: `${deps.redisPrefix}:rl:login-ip`,
        points: deps.env.LOGIN_IP_MAX_ATTEMPTS,
        duration: LOGIN_IP_WINDOW_SECONDS,
      }),
      byEmail: new RateLimiterRedis({
        storeClient: deps.redis,
        keyPrefix: `${deps.redisPrefix}:rl:login-email`,
        points: emailPoints,
        duration: deps.env.LOGIN_LOCK_MINUTES * 60,
      }),
      emailPoints,
    };
    limiters.set(deps, found);
  }
  return found;
}

export const rateLimited = (msBeforeNext: number) =>
  new ApiError("rate_limited", "too many login attempts; try again later", {
    headers: { "Retry-After": String(Math.max(1, Math.ceil(msBeforeNext / 1000))) },
  });

/**
 * Counts this attempt against the IP (when known) and checks the email's failure budget.
 * Returns the error to throw when either is exhausted, or null.
 */
export async function checkLoginRate(
  deps: AppDeps,
  input: { ip: string | null; email: string },
): Promise<ApiError | null> {
  const { byIp, byEmail, emailPoints } = loginLimiters(deps);
  if (input.ip) {
    try {
      await byIp.consume(input.ip);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return rateLimited(rejection.msBeforeNext);
      throw rejection;
    }
  }
  const emailState = await byEmail.get(input.email);
  if (emailState && emailState.consumedPoints >= emailPoints) {
    return rateLimited(emailState.msBeforeNext);
  }
  return null;
}

export interface EmailFailures {
  /** Failed attempts in the current window. */
  count: number;
  /** Until the window ends, ms. */
  msBeforeNext: number;
}

/** Failed attempts recorded against an email in the current window (0 when none). */
export async function loginFailures(deps: AppDeps, email: string): Promise<EmailFailures> {
  const state = await loginLimiters(deps).byEmail.get(email);
  return { count: state?.consumedPoints ?? 0, msBeforeNext: state?.msBeforeNext ?? 0 };
}

/** A failed attempt spends one point of the email's budget; returns the new tally. */
export async function recordLoginFailure(
  deps: AppDeps,
  email: string,
): Promise<EmailFailures | null> {
  try {
    const state = await loginLimiters(deps).byEmail.penalty(email, 1);
    return { count: state.consumedPoints, msBeforeNext: state.msBeforeNext };
  } catch (error) {
    deps.logger.warn({ err: error }, "login rate limiter unavailable");
    return null;
  }
}

/** A successful login clears the email's failure budget (failures must be consecutive). */
export async function clearLoginFailures(deps: AppDeps, email: string): Promise<void> {
  try {
    await loginLimiters(deps).byEmail.delete(email);
  } catch (error) {
    deps.logger.warn({ err: error }, "login rate limiter unavailable");
  }
}
