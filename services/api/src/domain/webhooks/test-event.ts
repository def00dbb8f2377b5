import { WEBHOOK_TEST_EVENT, webhookPayloadSchema } from "@wagate/contracts";
import { enqueueWebhookDelivery } from "@wagate/core";
import { type Database, newId, webhookDeliveries } from "@wagate/db";
import type { Queue } from "bullmq";
import { conflict } from "../../lib/errors.js";
import { getWebhook } from "./webhooks.js";

/**
 * Sends a signed `webhook.test` event to one webhook (whatever its `events`) through the
 * normal path: a delivery row, a job, the delivery worker's signed POST. One attempt: the
 * result shows at once in the deliveries list, and the retry route can send it again.
 */
export async function sendTestEvent(
  db: Database,
  queue: Queue,
  input: { userId: string; webhookId: string; now: Date },
): Promise<string> {
  const webhook = await getWebhook(db, input.userId, input.webhookId);
  if (!webhook.isActive) throw conflict("the webhook is disabled; enable it before testing");
  const payload = webhookPayloadSchema.parse({
    type: WEBHOOK_TEST_EVENT,
    timestamp: input.now.toISOString(),
    data: {
      webhook_id: webhook.id,
      message: "Test event from wagate: your endpoint receives and verifies deliveries.",
    },
  });
  const id = newId("webhookDelivery", input.now.getTime());
  await db.insert(webhookDeliveries).values({
    id,
    webhookId: webhook.id,
    userId: input.userId,
    eventType: WEBHOOK_TEST_EVENT,
    payload,
    status: "pending",
    nextAttemptAt: input.now,
    createdAt: input.now,
    updatedAt: input.now,
  });
  await enqueueWebhookDelivery(queue, id, { attempts: 1 });
  return id;
}
