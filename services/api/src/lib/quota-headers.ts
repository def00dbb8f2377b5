import type { QuotaResult } from "@wagate/core";
import type { Context } from "hono";
import {
  type DeferredRateLimit,
  getApiKeyLimiter,
  quotaState,
} from "../domain/limits/admission.js";
import type { AccountPrincipal, AppDeps, AppEnv } from "./context.js";
import { quotaStateHeaders } from "./error-handler.js";

/**
 * `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (seconds until the counter
 * starts again at UTC midnight), plus `Retry-After` when the quota is used up.
 */
export function quotaHeaders(result: QuotaResult, now: Date): Record<string, string> {
  return quotaStateHeaders(quotaState(result, now), !result.allowed);
}

/**
 * Consumes one unit of the account's daily quota for its key mode, and the request's
 * deferred rate limit point when it has one, in one Redis round trip
 * (`ApiKeyLimiter.admit`). Refused → throws `QuotaExceededError` (429 `quota_exceeded`
 * with the headers) or `RateLimitedError`. HTTP-free, so other callers can share it.
 * A missing counter (first send of the UTC day, or Redis lost it) is rebuilt from the
 * account's messages of that day before the send is admitted; see `consumeQuota`.
 */
export async function checkQuota({
  deps,
  account,
  rateLimit,
}: {
  deps: AppDeps;
  account: AccountPrincipal;
  rateLimit?: DeferredRateLimit | undefined;
}): Promise<QuotaResult & { headers: Record<string, string> }> {
  const result = await getApiKeyLimiter(deps).admit(account, rateLimit);
  return { ...result, headers: quotaHeaders(result, deps.now()) };
}

/**
 * For send routes, after validation and before the insert: consumes one unit for
 * `c.var.account` (with the rate limit point `requireSender` deferred) and puts the
 * RateLimit-* headers on the answer. Returns the result; store `result.day` on the
 * message (`quota_day`) so a later refund hits the right counter.
 */
export async function enforceQuota(c: Context<AppEnv>): Promise<QuotaResult> {
  const result = await checkQuota({
    deps: c.get("deps"),
    account: c.get("account"),
    rateLimit: c.get("rateLimit"),
  });
  for (const [name, value] of Object.entries(result.headers)) c.header(name, value);
  const { headers: _headers, ...rest } = result;
  return rest;
}
