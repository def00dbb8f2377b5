import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import type { AppDeps } from "../../lib/context.js";
import { ApiError } from "../../lib/errors.js";

/** Requests to the public pairing routes one IP may make per window. */
export const PAIRING_REQUESTS_PER_IP = 120;
export const PAIRING_IP_WINDOW_SECONDS = 60;

const limiters = new WeakMap<AppDeps, RateLimiterRedis>();

function limiterFor(deps: AppDeps): RateLimiterRedis {
  let limiter = limiters.get(deps);
  if (!limiter) {
    limiter = new RateLimiterRedis({
      storeClient: deps.redis,
      keyPrefix: `${deps.redisPrefix}:rl:pairing-ip`,
      points: PAIRING_REQUESTS_PER_IP,
      duration: PAIRING_IP_WINDOW_SECONDS,
    });
    limiters.set(deps, limiter);
  }
  return limiter;
}

/**
 * Counts one public pairing request for `ip`; over the limit → 429 `rate_limited` with
 * `Retry-After`. Without a trustworthy address (no socket, untrusted proxy) nothing is
 * counted: tokens carry 256 random bits, so the limit protects the server, not the secret.
 */
export async function limitPairingRequest(deps: AppDeps, ip: string | null): Promise<void> {
  if (!ip) return;
  try {
    await limiterFor(deps).consume(ip);
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) {
      const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      throw new ApiError("rate_limited", "too many pairing requests from this address; slow down", {
        headers: { "Retry-After": String(retryAfter) },
      });
    }
    throw rejection;
  }
}
