import { createHmac, randomBytes } from "node:crypto";
import { createLogger, createMetricsRegistry, createRedis } from "@wagate/core";
import { createDb } from "@wagate/db";
import type { ApiEnv } from "./env.js";
import type { AppDeps } from "./lib/context.js";

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
  const apiKeySecret = env.API_KEY_SECRET
    ? Buffer.from(env.API_KEY_SECRET)
    : createHmac("sha256", jwtSecret).update("wagate api key hashing").digest();
  const { db, sql, close: closeDb } = createDb(env.DATABASE_URL, { applicationName: "wagate-api" });
  const redis = createRedis(env.REDIS_URL);
  const deps: AppDeps = {
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
  };
  const close = async () => {
    await Promise.allSettled([closeDb(), redis.quit()]);
  };
  return { deps, close };
}
