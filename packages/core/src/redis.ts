import { Redis, type RedisOptions } from "ioredis";
import type { Logger } from "pino";

export type { Redis };

/** How often a lost connection is logged while ioredis keeps retrying. */
const ERROR_LOG_INTERVAL_MS = 10_000;

/**
 * A Redis connection for wagate. `maxRetriesPerRequest: null` is what BullMQ workers need;
 * the same options suit every other use, so one factory serves all.
 */
export function createRedis(url: string, options: RedisOptions = {}, logger?: Logger): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    // Reconnect forever with a capped backoff: a Redis restart must not kill a service.
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...options,
  });
  // Without a listener ioredis prints "Unhandled error event" on every retry; readiness
  // already reports the outage, so log it at most once per interval.
  let lastLogged = 0;
  redis.on("error", (error) => {
    if (Date.now() - lastLogged < ERROR_LOG_INTERVAL_MS) return;
    lastLogged = Date.now();
    logger?.warn({ err: error }, "redis connection error");
  });
  return redis;
}

/** True when Redis answers PING within `timeoutMs`. */
export async function pingRedis(redis: Redis, timeoutMs = 2000): Promise<boolean> {
  if (redis.status !== "ready") return false;
  let timer: NodeJS.Timeout | undefined;
  try {
    const pong = await Promise.race([
      redis.ping(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("timeout")), timeoutMs);
      }),
    ]);
    return pong === "PONG";
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
