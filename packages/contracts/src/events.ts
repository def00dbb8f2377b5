import { z } from "zod";
import {
  BROADCAST_STATUSES,
  DRIVERS,
  KEY_MODES,
  LIVE_EVENT_TYPES,
  MESSAGE_DIRECTIONS,
  MESSAGE_STATUSES,
  MESSAGE_TYPES,
  OPT_OUT_SOURCES,
  SESSION_STATUSES,
  WEBHOOK_DELIVERY_STATUSES,
  WEBHOOK_EVENTS,
} from "./enums.js";

/** A location message's content (send-location, and on the message). */
export const locationWireSchema = z.object({
  latitude: z.number(),
  longitude: z.number(),
  name: z.string().nullable(),
  address: z.string().nullable(),
});
/** One shared contact card (send-contact, rendered as a vCard). */
export const contactCardWireSchema = z.object({
  name: z.string(),
  phones: z.array(z.string()),
  email: z.string().nullable(),
  organization: z.string().nullable(),
});
/** One voter's current choice on a poll (the latest vote replaces earlier ones). */
export const pollVoteWireSchema = z.object({
  voter: z.string().nullable(),
  voter_lid: z.string().nullable(),
  options: z.array(z.string()),
  at: z.string(),
});
export const pollWireSchema = z.object({
  question: z.string(),
  options: z.array(z.string()),
  multiple_answers: z.boolean(),
  votes: z.array(pollVoteWireSchema),
});
/** A reaction on a message; `by_me` = sent through this session. */
export const reactionWireSchema = z.object({
  emoji: z.string(),
  from: z.string().nullable(),
  from_lid: z.string().nullable(),
  by_me: z.boolean(),
  at: z.string(),
});
export const editWireSchema = z.object({ text: z.string(), at: z.string() });

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
      /**
       * Inbound media only: `pending` (being downloaded; `url` answers 404 `pending` until
       * then), `stored` (served at `url`), `too_large` or `failed` (not stored, `url` null).
       */
      status: z.enum(["pending", "stored", "too_large", "failed"]).optional(),
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
  /** Only in webhooks: an inbound message fetched after its session reconnected. */
  backfilled: z.boolean().optional(),
  /** WhatsApp LIDs of `to` / `from` (the other party's, once known; `@lid` ids). */
  to_lid: z.string().nullable(),
  from_lid: z.string().nullable(),
  location: locationWireSchema.nullable(),
  contacts: z.array(contactCardWireSchema).nullable(),
  poll: pollWireSchema.nullable(),
  /** Phones (or group member ids) mentioned in a text. */
  mentions: z.array(z.string()).nullable(),
  reactions: z.array(reactionWireSchema),
  /** Each edit of the text, oldest first; `text` keeps the original. */
  edits: z.array(editWireSchema),
  revoked_at: z.string().nullable(),
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
  /** Only in `session.status` webhooks: why the session is failed or disconnected. */
  last_error: z.string().nullable().optional(),
});
export type SessionWire = z.infer<typeof sessionWireSchema>;

/** An opt-out list entry, in the API and in `contact.opted_out` / `contact.opted_in` webhooks. */
export const optOutWireSchema = z.object({
  phone: z.string(),
  /** WhatsApp's LID of the person, when known (null for now: wagate keys consent by phone). */
  lid: z.string().nullable(),
  source: z.enum(OPT_OUT_SOURCES),
  reason: z.string().nullable(),
  /** The session the keyword arrived on (`keyword` source only). */
  session: z.string().nullable(),
  created_at: z.string(),
});
export type OptOutWire = z.infer<typeof optOutWireSchema>;

/** Messages of a broadcast by status. */
export const broadcastCountsSchema = z.object({
  scheduled: z.number().int(),
  queued: z.number().int(),
  sending: z.number().int(),
  sent: z.number().int(),
  delivered: z.number().int(),
  read: z.number().int(),
  failed: z.number().int(),
  cancelled: z.number().int(),
});
export type BroadcastCounts = z.infer<typeof broadcastCountsSchema>;

/** A broadcast, in the API and in `broadcast.progress` / `broadcast.completed` webhooks. */
export const broadcastWireSchema = z.object({
  id: z.string(),
  name: z.string(),
  session: z.string().nullable(),
  mode: z.enum(KEY_MODES),
  status: z.enum(BROADCAST_STATUSES),
  type: z.enum(MESSAGE_TYPES),
  /** Rows given, messages accepted (one per recipient), rows refused. */
  recipients: z.object({
    total: z.number().int(),
    accepted: z.number().int(),
    refused: z.number().int(),
  }),
  counts: broadcastCountsSchema,
  /** Share of accepted messages that are finished (sent or later, failed, cancelled), 0..1. */
  progress: z.number(),
  /** When the last message should go, from the pace; null when finished or unknown. */
  estimated_finish_at: z.string().nullable(),
  /** Most sends per minute asked for this broadcast (the session's pacing still applies). */
  rate: z.number().int().nullable(),
  send_at: z.string().nullable(),
  created_at: z.string(),
  paused_at: z.string().nullable(),
  completed_at: z.string().nullable(),
  cancelled_at: z.string().nullable(),
});
export type BroadcastWire = z.infer<typeof broadcastWireSchema>;

/**
 * `message.reaction` data: who reacted (phone and LID when known; `by_me` for reactions sent
 * through the API), on which message (`message_id` null when the message is not stored
 * here), `emoji` empty when a reaction was removed.
 */
export const reactionEventSchema = z.object({
  message_id: z.string().nullable(),
  wa_message_id: z.string(),
  session: z.string().nullable(),
  emoji: z.string(),
  removed: z.boolean(),
  from: z.string().nullable(),
  from_lid: z.string().nullable(),
  by_me: z.boolean(),
  at: z.string(),
});
export type ReactionEvent = z.infer<typeof reactionEventSchema>;

/** `poll.vote` data: the voter's current choice (empty `options`: the vote was withdrawn). */
export const pollVoteEventSchema = z.object({
  message_id: z.string().nullable(),
  wa_message_id: z.string(),
  session: z.string().nullable(),
  voter: z.string().nullable(),
  voter_lid: z.string().nullable(),
  options: z.array(z.string()),
  at: z.string(),
});
export type PollVoteEvent = z.infer<typeof pollVoteEventSchema>;

/** `call.received` data: who called (phone and LID when known) and what wagate did. */
export const callEventSchema = z.object({
  call_id: z.string(),
  session: z.string().nullable(),
  from: z.string().nullable(),
  from_lid: z.string().nullable(),
  is_video: z.boolean(),
  is_group: z.boolean(),
  at: z.string(),
  /** Rejected automatically (the account's call policy). */
  rejected: z.boolean(),
  /** The text answered to the caller (a message sent like any other), if any. */
  reply_message_id: z.string().nullable(),
});
export type CallEvent = z.infer<typeof callEventSchema>;

/** A person in a group event: phone (E.164) and LID, either null when unknown. */
export const groupPersonSchema = z.object({
  phone: z.string().nullable(),
  lid: z.string().nullable(),
});

/**
 * `group.participants` data: people added (`add`, also joins by invite), removed (`remove`,
 * also leaves), made admin (`promote`) or no longer admin (`demote`) in a group of the
 * session; `by` who did it when known (null: WhatsApp did not say, or they left themselves).
 */
export const groupParticipantsEventSchema = z.object({
  session: z.string().nullable(),
  group_id: z.string(),
  action: z.enum(["add", "remove", "promote", "demote"]),
  participants: z.array(groupPersonSchema),
  by: groupPersonSchema.nullable(),
  at: z.string(),
});
export type GroupParticipantsEvent = z.infer<typeof groupParticipantsEventSchema>;

/**
 * `group.update` data: a group's `subject`, `description`, `picture` or `settings`
 * (announce/restrict) changed; `value` the new subject or description (null otherwise).
 */
export const groupUpdateEventSchema = z.object({
  session: z.string().nullable(),
  group_id: z.string(),
  field: z.enum(["subject", "description", "picture", "settings"]),
  value: z.string().nullable(),
  by: groupPersonSchema.nullable(),
  at: z.string(),
});
export type GroupUpdateEvent = z.infer<typeof groupUpdateEventSchema>;

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
  z.object({ type: z.literal("contact.opted_out"), timestamp: z.string(), data: optOutWireSchema }),
  z.object({ type: z.literal("contact.opted_in"), timestamp: z.string(), data: optOutWireSchema }),
  z.object({
    type: z.literal("broadcast.progress"),
    timestamp: z.string(),
    data: broadcastWireSchema,
  }),
  z.object({
    type: z.literal("broadcast.completed"),
    timestamp: z.string(),
    data: broadcastWireSchema,
  }),
  z.object({
    type: z.literal("message.reaction"),
    timestamp: z.string(),
    data: reactionEventSchema,
  }),
  z.object({ type: z.literal("message.edited"), timestamp: z.string(), data: messageWireSchema }),
  z.object({ type: z.literal("message.revoked"), timestamp: z.string(), data: messageWireSchema }),
  z.object({
    type: z.literal("poll.vote"),
    timestamp: z.string(),
    data: pollVoteEventSchema,
  }),
  z.object({ type: z.literal("call.received"), timestamp: z.string(), data: callEventSchema }),
  z.object({
    type: z.literal("group.participants"),
    timestamp: z.string(),
    data: groupParticipantsEventSchema,
  }),
  z.object({
    type: z.literal("group.update"),
    timestamp: z.string(),
    data: groupUpdateEventSchema,
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
