import { z } from "zod";
import {
  DRIVERS,
  KEY_MODES,
  LIVE_EVENT_TYPES,
  MESSAGE_DIRECTIONS,
  MESSAGE_STATUSES,
  MESSAGE_TYPES,
  SESSION_STATUSES,
  WEBHOOK_DELIVERY_STATUSES,
  WEBHOOK_EVENTS,
} from "./enums.js";

/** The message object as clients see it, in the API and in webhook payloads. */
export const messageWireSchema = z.object({
  id: z.string(),
  direction: z.enum(MESSAGE_DIRECTIONS),
  mode: z.enum(KEY_MODES),
  session: z.string().nullable(),
  to: z.string().nullable(),
  from: z.string().nullable(),
  type: z.enum(MESSAGE_TYPES),
  text: z.string().nullable(),
  media: z
    .object({
      url: z.string().nullable(),
      mime_type: z.string().nullable(),
      filename: z.string().nullable(),
      size: z.number().int().nullable(),
    })
    .nullable(),
  reply_to: z.string().nullable(),
  status: z.enum(MESSAGE_STATUSES),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  wa_message_id: z.string().nullable(),
  send_at: z.string().nullable(),
  created_at: z.string(),
  sent_at: z.string().nullable(),
  delivered_at: z.string().nullable(),
  read_at: z.string().nullable(),
  failed_at: z.string().nullable(),
  cancelled_at: z.string().nullable(),
});
export type MessageWire = z.infer<typeof messageWireSchema>;

export const sessionWireSchema = z.object({
  name: z.string(),
  status: z.enum(SESSION_STATUSES),
  driver: z.enum(DRIVERS),
  mode: z.enum(KEY_MODES),
  phone_number: z.string().nullable(),
  connected_at: z.string().nullable(),
  last_active_at: z.string().nullable(),
});
export type SessionWire = z.infer<typeof sessionWireSchema>;

/** Webhook payload, `{type, timestamp, data}` (Standard Webhooks). */
export const webhookPayloadSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("message.status"),
    timestamp: z.string(),
    data: messageWireSchema,
  }),
  z.object({
    type: z.literal("message.received"),
    timestamp: z.string(),
    data: messageWireSchema,
  }),
  z.object({
    type: z.literal("session.status"),
    timestamp: z.string(),
    data: sessionWireSchema,
  }),
  z.object({
    type: z.literal("webhook.test"),
    timestamp: z.string(),
    data: z.object({ webhook_id: z.string(), message: z.string() }),
  }),
]);
export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;
export const webhookEventSchema = z.enum(WEBHOOK_EVENTS);

/** `data` of a `webhook.delivery` live event: one delivery attempt's outcome. */
export const webhookDeliveryLiveSchema = z.object({
  delivery_id: z.string(),
  webhook_id: z.string(),
  event_type: z.string(),
  status: z.enum(WEBHOOK_DELIVERY_STATUSES),
  attempts: z.number().int(),
  status_code: z.number().int().nullable(),
  error: z.string().nullable(),
});
export type WebhookDeliveryLive = z.infer<typeof webhookDeliveryLiveSchema>;

/**
 * One message on the live event feed (`${prefix}:events`, see `liveEventsChannel`):
 * `data` is the webhook payload's data for webhook events, `webhookDeliveryLiveSchema` for
 * `webhook.delivery`.
 */
export const liveEventSchema = z.object({
  type: z.enum(LIVE_EVENT_TYPES),
  timestamp: z.string(),
  user_id: z.string(),
  data: z.record(z.string(), z.unknown()),
});
export type LiveEvent = z.infer<typeof liveEventSchema>;

/** The pub/sub channel of the live event feed (every event of every account). */
export const liveEventsChannel = (prefix: string) => `${prefix}:events`;
