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

type Pipeline = ReturnType<Redis["pipeline"]>;

/**
 * Sends the commands issued during one turn of the event loop as one pipeline: one socket
 * write and one read for all of them, as ioredis's `enableAutoPipelining` would, but only
 * for the callers that opt in (BullMQ must not share an auto-pipelined connection). The API
 * sends its admission scripts through it (each accepted send cost a `write(2)` of its own),
 * the worker its live-feed messages. Each caller gets its own command's reply or error.
 */
export class TurnPipeline {
  private pending: Array<{
    add: (pipeline: Pipeline) => void;
    resolve: (value: unknown) => void;
    reject: (error: unknown) => void;
  }> = [];

  constructor(private readonly redis: Pick<Redis, "pipeline">) {}

  /** Queues the command `add` puts on the pipeline; resolves to its reply. */
  call<T>(add: (pipeline: Pipeline) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ add, resolve: resolve as (value: unknown) => void, reject });
      // setImmediate, not nextTick: requests read in the same poll phase join one pipeline.
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    const pipeline = this.redis.pipeline();
    for (const entry of batch) entry.add(pipeline);
    pipeline.exec().then(
      (results) => {
        batch.forEach((entry, i) => {
          const [error, reply] = results?.[i] ?? [new Error("no reply from the pipeline"), null];
          if (error) entry.reject(error);
          else entry.resolve(reply);
        });
      },
      (error) => {
        for (const entry of batch) entry.reject(error);
      },
    );
  }
}
