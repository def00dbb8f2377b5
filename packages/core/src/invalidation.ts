import type { Redis } from "ioredis";
import type { Logger } from "pino";

/**
 * Cross-process invalidation of in-process caches over Redis pub/sub: the writer changes
 * the database, drops its own cache, then `publishInvalidation`; every other process runs
 * `subscribeInvalidations` and drops what the message names. Messages published while a
 * subscriber was disconnected are lost, so after a reconnect `onResubscribe` must drop
 * everything (a TTL on the entries bounds staleness if a message is ever lost otherwise).
 */

/** Publishes one invalidation; a failure is logged (the change is already committed). */
export async function publishInvalidation(
  redis: Pick<Redis, "publish">,
  channel: string,
  message: unknown,
  logger: Pick<Logger, "error">,
): Promise<void> {
  try {
    await redis.publish(channel, JSON.stringify(message));
  } catch (error) {
    logger.error({ err: error, channel }, "cache invalidation publish failed");
  }
}

export interface InvalidationHandlers {
  /** A parsed message (any JSON); throw to have everything dropped instead. */
  onMessage: (message: unknown) => void;
  /** Drop everything: after a reconnect, or on a message that cannot be read. */
  onResubscribe: () => void;
  logger: Pick<Logger, "warn">;
}

/**
 * Subscribes to `channel` on a connection of its own (a subscribed connection can do nothing
 * else), duplicated from `redis`. Resolves once subscribed, to the stop function.
 */
export async function subscribeInvalidations(
  redis: Redis,
  channel: string,
  handlers: InvalidationHandlers,
): Promise<() => Promise<void>> {
  const subscriber = redis.duplicate();
  let subscribedOnce = false;
  subscriber.on("message", (received: string, raw: string) => {
    if (received !== channel) return;
    try {
      handlers.onMessage(JSON.parse(raw));
    } catch {
      handlers.onResubscribe();
    }
  });
  subscriber.on("ready", () => {
    if (subscribedOnce) handlers.onResubscribe();
  });
  subscriber.on("error", (error: Error) => {
    handlers.logger.warn({ err: error, channel }, "cache invalidation subscriber error");
  });
  await subscriber.subscribe(channel);
  subscribedOnce = true;
  return async () => {
    try {
      await subscriber.quit();
    } catch {
      subscriber.disconnect();
    }
  };
}
