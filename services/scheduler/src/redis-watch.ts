import type { Redis } from "ioredis";
import type { Logger } from "pino";

/**
 * A key that exists only while Redis still holds the data the scheduler wrote: schedules live
 * only in Redis, so when this key is gone (restart without persistence, FLUSHALL, a failover
 * to an empty replica) so are they.
 */
export const redisSentinelKey = (prefix: string) => `${prefix}:scheduler:sentinel`;

export interface RedisLossWatchOptions {
  redis: Redis;
  prefix: string;
  logger: Logger;
  /** Period of the check; it also runs on every ioredis `ready` (reconnect). */
  intervalMs: number;
  /** Puts back what every replica needs in Redis (the job schedulers). Idempotent. */
  restore: () => Promise<void>;
  /** Runs once per loss, in the one replica whose SET NX of the sentinel won. */
  recover: () => Promise<void>;
}

export interface RedisLossWatch {
  /**
   * Checks the sentinel now: when it is missing, restores, sets it again and (if this call
   * set it) recovers. Resolves true when it found a loss. Calls never overlap.
   */
  check(): Promise<boolean>;
  stop(): Promise<void>;
}

/**
 * Notices that Redis lost its data, on a timer and on every reconnect. The sentinel is set
 * only after `restore` succeeded, so a replica that dies half way leaves it missing and the
 * next check (here or in another replica) does the work again.
 */
export function watchRedisLoss(options: RedisLossWatchOptions): RedisLossWatch {
  const key = redisSentinelKey(options.prefix);
  let running: Promise<boolean> | undefined;
  let stopped = false;

  const once = async (): Promise<boolean> => {
    if ((await options.redis.exists(key)) === 1) return false;
    options.logger.warn("Redis holds none of the scheduler's data; declaring the schedules again");
    await options.restore();
    const first = (await options.redis.set(key, new Date().toISOString(), "NX")) === "OK";
    if (first && !stopped) await options.recover();
    return true;
  };

  const check = (): Promise<boolean> => {
    if (stopped) return Promise.resolve(false);
    running ??= once()
      .catch((error) => {
        options.logger.error({ err: error }, "Redis data check failed; retrying at the next one");
        return false;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  const onReady = () => void check();
  options.redis.on("ready", onReady);
  const timer = setInterval(() => void check(), options.intervalMs);
  timer.unref();

  return {
    check,
    async stop() {
      stopped = true;
      clearInterval(timer);
      options.redis.off("ready", onReady);
      await running;
    },
  };
}
