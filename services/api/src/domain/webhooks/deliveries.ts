import { enqueueWebhookDelivery } from "@wagate/core";
import { type Database, webhookDeliveries, webhookDeliveryAttempts } from "@wagate/db";
import type { Queue } from "bullmq";
import { and, asc, desc, eq, inArray, lt } from "drizzle-orm";
import { conflict, notFound } from "../../lib/errors.js";
import { getWebhook } from "./webhooks.js";

export type DeliveryRow = typeof webhookDeliveries.$inferSelect;
export type AttemptRow = typeof webhookDeliveryAttempts.$inferSelect;

/** A page of the webhook's deliveries (newest first), each with its attempts in order. */
export async function listDeliveries(
  db: Database,
  input: {
    userId: string;
    webhookId: string;
    status?: DeliveryRow["status"];
    limit: number;
    beforeId?: string;
  },
): Promise<Array<DeliveryRow & { attemptLog: AttemptRow[] }>> {
  await getWebhook(db, input.userId, input.webhookId);
  const rows = await db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.webhookId, input.webhookId),
        eq(webhookDeliveries.userId, input.userId),
        input.status ? eq(webhookDeliveries.status, input.status) : undefined,
        input.beforeId ? lt(webhookDeliveries.id, input.beforeId) : undefined,
      ),
    )
    .orderBy(desc(webhookDeliveries.id))
    .limit(input.limit + 1);
  if (rows.length === 0) return [];
  const attempts = await db
    .select()
    .from(webhookDeliveryAttempts)
    .where(
      inArray(
        webhookDeliveryAttempts.deliveryId,
        rows.map((r) => r.id),
      ),
    )
    .orderBy(asc(webhookDeliveryAttempts.attempt));
  const byDelivery = new Map<string, AttemptRow[]>();
  for (const attempt of attempts) {
    const list = byDelivery.get(attempt.deliveryId) ?? [];
    list.push(attempt);
    byDelivery.set(attempt.deliveryId, list);
  }
  return rows.map((row) => ({ ...row, attemptLog: byDelivery.get(row.id) ?? [] }));
}

/**
 * Delivers again now, with the same `webhook-id`. A pending delivery waiting for its next
 * backoff slot is promoted to run at once (its schedule continues if that attempt fails);
 * a finished one (failed or succeeded) goes back to `pending` and gets one new attempt.
 */
export async function retryDelivery(
  db: Database,
  queue: Queue,
  input: { userId: string; webhookId: string; deliveryId: string; now: Date },
): Promise<DeliveryRow> {
  const webhook = await getWebhook(db, input.userId, input.webhookId);
  const [delivery] = await db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.id, input.deliveryId),
        eq(webhookDeliveries.webhookId, webhook.id),
        eq(webhookDeliveries.userId, input.userId),
      ),
    );
  if (!delivery) throw notFound("delivery");
  if (!webhook.isActive) throw conflict("the webhook is disabled; enable it before retrying");

  const job = await queue.getJob(delivery.id);
  const state = job ? await job.getState() : "unknown";
  if (delivery.status === "pending" && job) {
    if (state === "delayed") await job.promote();
    if (
      state === "delayed" ||
      state === "waiting" ||
      state === "active" ||
      state === "prioritized"
    ) {
      return delivery;
    }
  }
  // Finished (or its job is gone): back to pending, then a fresh one-attempt job. A finished
  // job still holds the id, so it is removed first or the add would be ignored.
  if (job && (state === "completed" || state === "failed")) await job.remove();
  const [updated] = await db
    .update(webhookDeliveries)
    .set({ status: "pending", nextAttemptAt: input.now, updatedAt: input.now })
    .where(eq(webhookDeliveries.id, delivery.id))
    .returning();
  if (state === "active") return updated ?? delivery;
  await enqueueWebhookDelivery(queue, delivery.id, { attempts: 1 });
  return updated ?? delivery;
}
