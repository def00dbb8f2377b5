import {
  JOB_NAMES,
  parseJob,
  QUEUES,
  webhookJobSchema,
  webhookPayloadSchema,
} from "@wagate/contracts";
import { type Executor, newId, webhookDeliveries, webhooks } from "@wagate/db";
import type { Queue } from "bullmq";
import { and, arrayContains, eq } from "drizzle-orm";
import { publishLiveEventVia } from "./live-events.js";
import { type EmitEventInput, webhookJobOptions } from "./webhooks.js";

/**
 * `emitEvent` for many events of one type and account at once (the `message.status` of a
 * cancelled broadcast's messages): one query for the subscribed webhooks, multi-row inserts
 * and `addBulk` per chunk. Same rows, payloads and jobs as that many `emitEvent` calls.
 */
export async function emitEvents(
  db: Executor,
  queue: Queue,
  input: { userId: string; type: EmitEventInput["type"]; data: unknown[]; now?: Date },
  chunk = 1000,
): Promise<number> {
  const now = input.now ?? new Date();
  const timestamp = now.toISOString();
  await Promise.all(
    input.data.map((data) =>
      publishLiveEventVia(queue, {
        type: input.type,
        timestamp,
        user_id: input.userId,
        data: data as Record<string, unknown>,
      }),
    ),
  );
  const targets = await db
    .select({ id: webhooks.id })
    .from(webhooks)
    .where(
      and(
        eq(webhooks.userId, input.userId),
        eq(webhooks.isActive, true),
        arrayContains(webhooks.events, [input.type]),
      ),
    );
  if (targets.length === 0) return 0;
  let written = 0;
  for (let i = 0; i < input.data.length; i += chunk) {
    const rows = input.data.slice(i, i + chunk).flatMap((data) => {
      const payload = webhookPayloadSchema.parse({ type: input.type, timestamp, data });
      return targets.map((target) => ({
        id: newId("webhookDelivery", now.getTime()),
        webhookId: target.id,
        userId: input.userId,
        eventType: input.type,
        payload,
        status: "pending" as const,
        nextAttemptAt: now,
      }));
    });
    await db.insert(webhookDeliveries).values(rows);
    await queue.addBulk(
      rows.map((row) => ({
        name: JOB_NAMES.webhookDeliver,
        data: parseJob(QUEUES.webhooks, webhookJobSchema, { deliveryId: row.id }),
        opts: webhookJobOptions(row.id),
      })),
    );
    written += rows.length;
  }
  return written;
}
