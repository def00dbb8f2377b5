import { z } from "@hono/zod-openapi";
import {
  WEBHOOK_DELIVERY_EVENT_TYPES,
  WEBHOOK_DELIVERY_STATUSES,
  WEBHOOK_EVENTS,
} from "@wagate/contracts";
import type { AttemptRow, DeliveryRow } from "../../domain/webhooks/deliveries.js";
import type { WebhookRow } from "../../domain/webhooks/webhooks.js";
import { listSchema, paginationQuery } from "../../lib/openapi.js";
import { iso } from "../../lib/time.js";

const urlField = z
  .string()
  .max(2048)
  .url()
  .refine((v) => /^https?:\/\//i.test(v), { message: "must be an http or https URL" })
  .openapi({
    description:
      "http(s) URL that receives the POSTs. URLs resolving to loopback, private or link-local addresses are refused unless the operator set WEBHOOK_ALLOW_PRIVATE=true.",
    example: "https://example.com/wagate/events",
  });

const eventsField = z
  .array(z.enum(WEBHOOK_EVENTS))
  .min(1)
  .max(WEBHOOK_EVENTS.length * 2)
  .openapi({ description: "Events to receive", example: ["message.status", "message.received"] });

const descriptionField = z.string().max(500).nullable().optional();

export const webhookIdParam = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, example: "whk_01J..." }),
});

export const deliveryIdParam = webhookIdParam.extend({
  delivery_id: z
    .string()
    .openapi({ param: { name: "delivery_id", in: "path" }, example: "whd_01J..." }),
});

export const createWebhookBody = z
  .object({ url: urlField, events: eventsField, description: descriptionField })
  .openapi("WebhookCreate");

export const updateWebhookBody = z
  .object({
    url: urlField.optional(),
    events: eventsField.optional(),
    description: descriptionField,
    is_active: z
      .boolean()
      .optional()
      .openapi({ description: "false pauses deliveries; true re-enables (e.g. after a 410)" }),
  })
  .openapi("WebhookUpdate");

export const webhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.enum(WEBHOOK_EVENTS)),
    description: z.string().nullable(),
    is_active: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Webhook");

export const createdWebhookSchema = webhookSchema
  .extend({
    secret: z.string().openapi({
      description:
        "Signing secret (`whsec_<base64>`), shown only in this answer. Verify `webhook-signature` with it (Standard Webhooks).",
    }),
  })
  .openapi("WebhookCreated");

export const webhookListSchema = listSchema(webhookSchema, "WebhookList");

export const attemptSchema = z
  .object({
    attempt: z.number().int(),
    status_code: z.number().int().nullable(),
    error: z.string().nullable(),
    duration_ms: z.number().int(),
    created_at: z.string(),
  })
  .openapi("WebhookDeliveryAttempt");

export const deliverySchema = z
  .object({
    id: z
      .string()
      .openapi({ description: "Also the `webhook-id` header, the same on every retry" }),
    webhook_id: z.string(),
    event_type: z.enum(WEBHOOK_DELIVERY_EVENT_TYPES),
    status: z.enum(WEBHOOK_DELIVERY_STATUSES),
    attempts: z.number().int().openapi({ description: "Attempts made so far" }),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    next_attempt_at: z.string().nullable(),
    delivered_at: z.string().nullable(),
    created_at: z.string(),
    payload: z.unknown().openapi({ description: "The exact JSON body posted" }),
    attempt_history: z.array(attemptSchema),
  })
  .openapi("WebhookDelivery");

export const deliveriesQuery = paginationQuery.extend({
  status: z
    .enum(WEBHOOK_DELIVERY_STATUSES)
    .optional()
    .openapi({ description: "Only deliveries in this status" }),
});

export const deliveryListSchema = listSchema(deliverySchema, "WebhookDeliveryList");

export const retryAnswerSchema = z
  .object({ id: z.string(), status: z.enum(WEBHOOK_DELIVERY_STATUSES) })
  .openapi("WebhookDeliveryRetry");

export function toWebhook(row: WebhookRow): z.infer<typeof webhookSchema> {
  return {
    id: row.id,
    url: row.url,
    events: row.events as z.infer<typeof webhookSchema>["events"],
    description: row.description,
    is_active: row.isActive,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export function toAttempt(row: AttemptRow): z.infer<typeof attemptSchema> {
  return {
    attempt: row.attempt,
    status_code: row.statusCode,
    error: row.error,
    duration_ms: row.durationMs,
    created_at: row.createdAt.toISOString(),
  };
}

export function toDelivery(
  row: DeliveryRow & { attemptLog: AttemptRow[] },
): z.infer<typeof deliverySchema> {
  return {
    id: row.id,
    webhook_id: row.webhookId,
    event_type: row.eventType as z.infer<typeof deliverySchema>["event_type"],
    status: row.status,
    attempts: row.attempts,
    last_status_code: row.lastStatusCode,
    last_error: row.lastError,
    next_attempt_at: row.status === "pending" ? iso(row.nextAttemptAt) : null,
    delivered_at: iso(row.deliveredAt),
    created_at: row.createdAt.toISOString(),
    payload: row.payload,
    attempt_history: row.attemptLog.map(toAttempt),
  };
}
