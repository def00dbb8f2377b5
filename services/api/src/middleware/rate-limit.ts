import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import type { AppDeps } from "../lib/context.js";
import { ApiError } from "../lib/errors.js";

/**
 * Window of the per-key limiter, seconds. `API_KEY_RATE_LIMIT_PER_SECOND` × this many
 * points per window keeps the long-run rate at the setting while allowing a burst of twice
 * the setting within one second (the env's "burst = 2x").
 */
const WINDOW_SECONDS = 2;

const limiters = new WeakMap<AppDeps, RateLimiterRedis>();

/**
 * The per-key limiter of this API instance, shared by all replicas through Redis. When Redis
 * is not ready an in-memory limiter of the same size takes over (per process), so requests
 * neither hang on a queued Redis command nor go unlimited. A key over its limit is also
 * blocked in memory until its window ends, so a flood costs no Redis round trips.
 */
export function getApiKeyRateLimiter(deps: AppDeps): RateLimiterRedis {
  let limiter = limiters.get(deps);
  if (!limiter) {
    const points = deps.env.API_KEY_RATE_LIMIT_PER_SECOND * WINDOW_SECONDS;
    limiter = new RateLimiterRedis({
      storeClient: deps.redis,
      keyPrefix: `${deps.redisPrefix}:rl:api-key`,
      points,
      duration: WINDOW_SECONDS,
      inMemoryBlockOnConsumed: points + 1,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory({ points, duration: WINDOW_SECONDS }),
    });
    limiters.set(deps, limiter);
  }
  return limiter;
}

/** Counts one request for `keyId`; over the limit → 429 `rate_limited` with `Retry-After`. */
export async function limitApiKey(deps: AppDeps, keyId: string): Promise<void> {
  try {
    await getApiKeyRateLimiter(deps).consume(keyId, 1);
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) {
      const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      throw new ApiError("rate_limited", "too many requests for this API key; slow down", {
        headers: { "Retry-After": String(retryAfter) },
        details: { retry_after_seconds: retryAfter },
      });
    }
    // The limiter itself failed (both stores): let the request through rather than fail it.
    deps.logger.warn({ err: rejection }, "api key rate limiter unavailable");
  }
}
