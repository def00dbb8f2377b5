import { type LiveEvent, liveEventsChannel } from "@wagate/contracts";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";

/**
 * Publishes one event on the live feed (`${prefix}:events`) that the admin event monitor
 * (GET /api/v1/admin/events) follows. Best effort: pub/sub keeps nothing for absent
 * listeners, and a failure is swallowed (returns false) so no send or delivery ever fails
 * because the monitor could not be told.
 */
export async function publishLiveEvent(
  redis: Pick<Redis, "publish">,
  prefix: string,
  event: LiveEvent,
): Promise<boolean> {
  try {
    await redis.publish(liveEventsChannel(prefix), JSON.stringify(event));
    return true;
  } catch {
    return false;
  }
}

/**
 * `publishLiveEvent` over a BullMQ queue's own connection and prefix, for code that holds a
 * queue but no Redis handle (`emitEvent`). A queue built over an ioredis instance shares it.
 */
export async function publishLiveEventVia(queue: Queue, event: LiveEvent): Promise<boolean> {
  try {
    // BullMQ types its connection narrowly; over ioredis (every wagate queue) it is a Redis.
    const client = (await queue.client) as unknown as Pick<Redis, "publish">;
    return await publishLiveEvent(client, queue.opts.prefix ?? "bull", event);
  } catch {
    return false;
  }
}
