import { closeQueue } from "@wagate/core";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { AppDeps } from "./context.js";

/**
 * Hands out BullMQ producers by queue name (`webhooks`, `maintenance`, `send-<sessionId>`),
 * one `Queue` per name, all created with `{ prefix: redisPrefix }` over one shared connection.
 */
export interface QueueProvider {
  get(name: string): Queue;
  /** Closes the producers this provider made (not the shared connection). */
  close(): Promise<void>;
}

export function createQueueProvider(connection: Redis, prefix: string): QueueProvider {
  const queues = new Map<string, Queue>();
  return {
    get(name) {
      let queue = queues.get(name);
      if (!queue) {
        queue = new Queue(name, { connection, prefix });
        // Errors surface through the rejected `add`; keep the emitter from crashing the process.
        queue.on("error", () => {});
        queues.set(name, queue);
      }
      return queue;
    },
    async close() {
      const all = [...queues.values()];
      queues.clear();
      await Promise.allSettled(all.map((q) => closeQueue(q)));
    },
  };
}

const fallback = new WeakMap<AppDeps, QueueProvider>();

/**
 * The producer for `name`: from `deps.queues` when the caller passed one (tests inject a
 * provider over a closed connection to make enqueues fail), else one made lazily over
 * `deps.redis` and kept for the life of `deps`.
 */
export function queueFor(deps: AppDeps, name: string): Queue {
  if (deps.queues) return deps.queues.get(name);
  let provider = fallback.get(deps);
  if (!provider) {
    provider = createQueueProvider(deps.redis, deps.redisPrefix);
    fallback.set(deps, provider);
  }
  return provider.get(name);
}
