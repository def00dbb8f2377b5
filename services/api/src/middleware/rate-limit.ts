import { getApiKeyLimiter } from "../domain/limits/admission.js";
import type { AppDeps } from "../lib/context.js";

/**
 * Counts one request for `keyId` against the per-key limit (`domain/limits/admission.ts`:
 * `${prefix}:rl:api-key:<keyId>`, `2 × API_KEY_RATE_LIMIT_PER_SECOND` points per 2 s
 * window, an in-memory limiter while Redis is not ready); over it → `RateLimitedError`
 * (429 `rate_limited` with `Retry-After`).
 */
export function limitApiKey(deps: AppDeps, keyId: string): Promise<void> {
  return getApiKeyLimiter(deps).limit(keyId);
}
