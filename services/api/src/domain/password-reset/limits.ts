import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import type { AppDeps } from "../../lib/context.js";
import { ApiError } from "../../lib/errors.js";

/** Sends (request + resend) one IP may trigger per window. */
export const RESET_SENDS_PER_IP = 20;
export const RESET_SENDS_IP_WINDOW_SECONDS = 15 * 60;
/** New requests per email address per window (known or unknown address alike). */
export const RESET_REQUESTS_PER_EMAIL = 5;
export const RESET_REQUESTS_EMAIL_WINDOW_SECONDS = 60 * 60;
/** Verify + confirm calls one IP may make per window. */
export const RESET_ATTEMPTS_PER_IP = 30;
export const RESET_ATTEMPTS_IP_WINDOW_SECONDS = 15 * 60;

type LimiterName = "sendsByIp" | "requestsByEmail" | "attemptsByIp";
const limiters = new WeakMap<object, Record<LimiterName, RateLimiterRedis>>();

function limitersFor(deps: AppDeps) {
  let found = limiters.get(deps);
  if (!found) {
    const make = (name: string, points: number, duration: number) =>
      new RateLimiterRedis({
        storeClient: deps.redis,
        keyPrefix: `${deps.redisPrefix}:rl:${name}`,
        points,
        duration,
      });
    found = {
      sendsByIp: make("pwreset-ip", RESET_SENDS_PER_IP, RESET_SENDS_IP_WINDOW_SECONDS),
      requestsByEmail: make(
        "pwreset-email",
        RESET_REQUESTS_PER_EMAIL,
        RESET_REQUESTS_EMAIL_WINDOW_SECONDS,
      ),
      attemptsByIp: make(
        "pwreset-attempt-ip",
        RESET_ATTEMPTS_PER_IP,
        RESET_ATTEMPTS_IP_WINDOW_SECONDS,
      ),
    };
    limiters.set(deps, found);
  }
  return found;
}

export const resetRateLimited = (
  msBeforeNext: number,
  message = "too many password reset attempts; try again later",
) =>
  new ApiError("rate_limited", message, {
    headers: { "Retry-After": String(Math.max(1, Math.ceil(msBeforeNext / 1000))) },
  });

/** Spends one point of `limiter` for `key`; throws 429 `rate_limited` with Retry-After when spent. */
export async function consumeResetLimit(
  deps: AppDeps,
  limiter: LimiterName,
  key: string | null,
): Promise<void> {
  if (!key) return; // No trustworthy client address: the per-request and per-email limits still apply.
  try {
    await limitersFor(deps)[limiter].consume(key);
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) throw resetRateLimited(rejection.msBeforeNext);
    throw rejection;
  }
}
