import { createHmac, randomBytes } from "node:crypto";
import { createLogger, createMetricsRegistry, createRedis } from "@wagate/core";
import { createDb } from "@wagate/db";
import { ApiKeyLimiter } from "./domain/limits/admission.js";
import { AcceptBatcher } from "./domain/messages/group-commit.js";
import { OptOutCache, registerOptOutCache } from "./domain/messages/opt-out-cache.js";
import { registerSessionCache, SessionCache } from "./domain/sessions/cache.js";
import type { ApiEnv } from "./env.js";
import type { AppDeps } from "./lib/context.js";

/** AppDeps before its in-process state is built. */
export type BaseDeps = Omit<AppDeps, "state"> & { state?: AppDeps["state"] };

/**
 * The deps with this replica's in-process state built over them, once: the rate limiter,
 * the accept path's session and opt-out caches (registered on the invalidation channel)
 * and the group committer. A copy of deps with other settings (a test's second replica,
 * another env) calls this again to be a replica of its own.
 */
export function withApiState(base: BaseDeps): AppDeps {
  const deps = { ...base } as AppDeps;
  deps.state = {
    builtFor: deps,
    limiter: new ApiKeyLimiter(deps),
    sessions: new SessionCache(),
    optOuts: new OptOutCache(),
    batcher: new AcceptBatcher(deps),
    invalidation: new Map(),
  };
  registerSessionCache(deps, deps.state.sessions);
  registerOptOutCache(deps, deps.state.optOuts);
  return deps;
}

/**
 * The secret API keys are hashed with: `API_KEY_SECRET`, else derived from the JWT secret.
 * The launcher calls this too, so a demo key it creates verifies in the API.
 */
export function apiKeySecretFor(jwtSecret: string, apiKeySecret: string | undefined): Buffer {
  return apiKeySecret
    ? Buffer.from(apiKeySecret)
    : createHmac("sha256", jwtSecret).update("wagate api key hashing").digest();
}

/** Opens the real dependencies for a running API process. */
export function createDeps(env: ApiEnv) {
  const logger = createLogger("api", env.LOG_LEVEL);
  let jwtSecret = env.JWT_SECRET;
  if (!jwtSecret) {
    // Non-production only (the env schema requires it in production). Tokens and keys
    // made now stop working after a restart: `npm start` passes a persisted secret.
    jwtSecret = randomBytes(32).toString("hex");
    logger.warn("JWT_SECRET is not set: using an ephemeral secret for this process");
  }
  const apiKeySecret = apiKeySecretFor(jwtSecret, env.API_KEY_SECRET);
  const { db, sql, close: closeDb } = createDb(env.DATABASE_URL, { applicationName: "wagate-api" });
  // Requests must not wait forever for a Redis that is down: a command fails after two
  // reconnection attempts and the request answers 503 service_unavailable.
  const redis = createRedis(env.REDIS_URL, { maxRetriesPerRequest: 2 }, logger);
  const deps = withApiState({
    env,
    db,
    sql,
    redis,
    redisPrefix: env.REDIS_PREFIX,
    logger,
    registry: createMetricsRegistry("api"),
    now: () => new Date(),
    jwtSecret: new TextEncoder().encode(jwtSecret),
    apiKeySecret,
  });
  const close = async () => {
    await Promise.allSettled([closeDb(), redis.quit()]);
  };
  return { deps, close };
}
