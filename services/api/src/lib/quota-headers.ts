import {
  consumeQuota,
  type QuotaResult,
  quotaUnitsFromDb,
  secondsToUtcMidnight,
} from "@wagate/core";
import type { Context } from "hono";
import type { AccountPrincipal, AppDeps, AppEnv } from "./context.js";
import { ApiError } from "./errors.js";
import { getApiMetrics } from "./metrics.js";

/**
 * `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (seconds until the counter
 * starts again at UTC midnight), plus `Retry-After` when the quota is used up.
 */
export function quotaHeaders(result: QuotaResult, now: Date): Record<string, string> {
  const reset = String(secondsToUtcMidnight(now));
  const headers: Record<string, string> = {
    "RateLimit-Limit": String(result.limit),
    "RateLimit-Remaining": String(result.remaining),
    "RateLimit-Reset": reset,
  };
  if (!result.allowed) headers["Retry-After"] = reset;
  return headers;
}

/**
 * Consumes one unit of the account's daily quota for its key mode. Refused → throws
 * 429 `quota_exceeded` carrying the headers. HTTP-free, so other callers can share it.
 * A missing counter (first send of the UTC day, or Redis lost it) is rebuilt from the
 * account's messages of that day before the send is admitted; see `consumeQuota`.
 */
export async function checkQuota({
  deps,
  account,
}: {
  deps: AppDeps;
  account: AccountPrincipal;
}): Promise<QuotaResult & { headers: Record<string, string> }> {
  const now = deps.now();
  const result = await consumeQuota(deps.redis, deps.redisPrefix, {
    userId: account.userId,
    mode: account.mode,
    limit: account.maxMessagesPerDay,
    now,
    unitsUsed: quotaUnitsFromDb(deps.db),
  });
  const headers = quotaHeaders(result, now);
  if (!result.allowed) {
    getApiMetrics(deps.registry).quotaRejections.inc({ mode: account.mode });
    throw new ApiError(
      "quota_exceeded",
      `daily quota of ${result.limit} messages reached; it resets at ${result.resetAt.toISOString()}`,
      { headers, details: { limit: result.limit, reset_at: result.resetAt.toISOString() } },
    );
  }
  return { ...result, headers };
}

/**
 * For send routes, after validation and before the insert: consumes one unit for
 * `c.var.account` and puts the RateLimit-* headers on the answer. Returns the result; store
 * `result.day` on the message (`quota_day`) so a later refund hits the right counter.
 */
export async function enforceQuota(c: Context<AppEnv>): Promise<QuotaResult> {
  const result = await checkQuota({ deps: c.get("deps"), account: c.get("account") });
  for (const [name, value] of Object.entries(result.headers)) c.header(name, value);
  const { headers: _headers, ...rest } = result;
  return rest;
}
