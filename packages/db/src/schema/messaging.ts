import {
  BROADCAST_STATUSES,
  DRIVERS,
  KEY_MODES,
  MESSAGE_DIRECTIONS,
  MESSAGE_STATUSES,
  MESSAGE_TYPES,
  SESSION_DESIRED_STATES,
  SESSION_STATUSES,
  WEBHOOK_DELIVERY_STATUSES,
} from "@wagate/contracts";
import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  customType,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { oneOf, timestamps, tstz } from "./_columns.js";
import { apiKeys, users } from "./accounts.js";

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => "bytea" });

export const whatsappSessions = pgTable(
  "whatsapp_sessions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** A session belongs to one key mode; live and test sessions of the same name are distinct. */
    mode: text("mode", { enum: KEY_MODES }).notNull(),
    driver: text("driver", { enum: DRIVERS }).notNull(),
    status: text("status", { enum: SESSION_STATUSES }).notNull().default("stopped"),
    /**
     * What the account asked for, the only truth of session control: a worker keeps a
     * `running` session open, closes a `stopped` one, and logs a `logged_out` one out (then
     * sets it `stopped`). See SESSION_DESIRED_STATES.
     */
    desiredState: text("desired_state", { enum: SESSION_DESIRED_STATES })
      .notNull()
      .default("stopped"),
    /**
     * Bumped by every command (init, disconnect): the owner knows whether it has seen the
     * latest one, and a worker settles a logout only if no newer command came since.
     */
    desiredGeneration: bigint("desired_generation", { mode: "number" }).notNull().default(0),
    phoneNumber: text("phone_number"),
    connectedAt: tstz("connected_at"),
    lastActiveAt: tstz("last_active_at"),
    lastError: text("last_error"),
    /** Lease mirror for operators; the lease itself lives in Redis with its fencing token. */
    ownerWorkerId: text("owner_worker_id"),
    leaseToken: bigint("lease_token", { mode: "number" }),
    leaseExpiresAt: tstz("lease_expires_at"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("whatsapp_sessions_user_mode_name_uq").on(t.userId, t.mode, t.name),
    index("whatsapp_sessions_desired_idx").on(t.desiredState, t.status),
    check("whatsapp_sessions_mode_ck", oneOf("mode", KEY_MODES)),
    check("whatsapp_sessions_driver_ck", oneOf("driver", DRIVERS)),
    check("whatsapp_sessions_status_ck", oneOf("status", SESSION_STATUSES)),
    check("whatsapp_sessions_desired_ck", oneOf("desired_state", SESSION_DESIRED_STATES)),
    check(
      "whatsapp_sessions_driver_mode_ck",
      sql`(mode = 'live' and driver = 'webjs') or (mode = 'test' and driver = 'simulator')`,
    ),
  ],
);

/** whatsapp-web.js RemoteAuth blobs: a session reopens on any worker without a new QR scan. */
export const whatsappSessionAuth = pgTable("whatsapp_session_auth", {
  sessionId: text("session_id")
    .primaryKey()
    .references(() => whatsappSessions.id, { onDelete: "cascade" }),
  data: bytea("data").notNull(),
  sizeBytes: integer("size_bytes").notNull(),
  ...timestamps,
});

/**
 * A bulk send: one message per accepted recipient (`messages.broadcast_id`), written in the
 * same transaction as this row. Refused rows are kept here (at most 10 000, with the count).
 */
export const broadcasts = pgTable(
  "broadcasts",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    sessionId: text("session_id").references(() => whatsappSessions.id, { onDelete: "set null" }),
    apiKeyId: text("api_key_id").references(() => apiKeys.id, { onDelete: "set null" }),
    mode: text("mode", { enum: KEY_MODES }).notNull(),
    name: text("name").notNull(),
    status: text("status", { enum: BROADCAST_STATUSES }).notNull(),
    type: text("type", { enum: MESSAGE_TYPES }).notNull(),
    /** The text or caption template, `{{variable}}` placeholders unrendered. */
    template: text("template"),
    media: jsonb("media").$type<MessageMedia>(),
    /** Most sends per minute for this broadcast (the session's pacing still applies). */
    ratePerMinute: integer("rate_per_minute"),
    totalRows: integer("total_rows").notNull(),
    accepted: integer("accepted").notNull(),
    refusedCount: integer("refused_count").notNull(),
    refused: jsonb("refused").$type<Array<{ row: number; to: string | null; reason: string }>>(),
    scheduledAt: tstz("scheduled_at"),
    /** Counts by status at the last `broadcast.progress` event, and when it was sent. */
    lastProgress: jsonb("last_progress").$type<Record<string, number>>(),
    lastProgressAt: tstz("last_progress_at"),
    pausedAt: tstz("paused_at"),
    completedAt: tstz("completed_at"),
    cancelledAt: tstz("cancelled_at"),
    /** `Idempotency-Key` of the creating request, and the hash of its body (another body = 409). */
    idempotencyKey: text("idempotency_key"),
    requestHash: text("request_hash"),
    /**
     * A cancel whose `message.status` events are still to be emitted (by a worker, page by
     * page, off the request path); `announcedThrough` is the last message id announced.
     */
    announcePending: boolean("announce_pending").notNull().default(false),
    announcedThrough: text("announced_through"),
    ...timestamps,
  },
  (t) => [
    index("broadcasts_user_idx").on(t.userId, t.id),
    uniqueIndex("broadcasts_user_idempotency_uq")
      .on(t.userId, t.idempotencyKey)
      .where(sql`idempotency_key is not null`),
    index("broadcasts_announce_idx").on(t.sessionId).where(sql`announce_pending`),
    /** The worker's progress ticker scans the live broadcasts of the sessions it owns. */
    index("broadcasts_active_idx").on(t.sessionId).where(sql`status in ('running', 'paused')`),
    check("broadcasts_mode_ck", oneOf("mode", KEY_MODES)),
    check("broadcasts_status_ck", oneOf("status", BROADCAST_STATUSES)),
    check("broadcasts_type_ck", oneOf("type", MESSAGE_TYPES)),
  ],
);

export type MessageMedia = {
  url: string | null;
  mimeType: string | null;
  filename: string | null;
  size: number | null;
  /** Inline base64 payload for `{base64}` sends; cleared by retention pruning. */
  base64?: string | null;
  /**
   * Inbound media only: where its download stands (`pending` until the worker stored it,
   * `too_large` above `INBOUND_MEDIA_MAX_BYTES`, `failed` when it could not be downloaded).
   */
  status?: "pending" | "stored" | "too_large" | "failed";
  /** Inbound media only: download attempts made (set once it is `stored` or `failed`). */
  attempts?: number;
};

/**
 * Type-specific content of a rich message (issue 12): a location, vCards, a poll, mentions.
 * `votes` of a poll are keyed by voter (phone, else LID): the latest vote replaces earlier ones.
 */
export type MessagePayload = {
  location?: { latitude: number; longitude: number; name: string | null; address: string | null };
  contacts?: Array<{
    name: string;
    phones: string[];
    email: string | null;
    organization: string | null;
  }>;
  poll?: { question: string; options: string[]; multipleAnswers: boolean };
  mentions?: string[];
};
export type MessageReaction = {
  emoji: string;
  from: string | null;
  fromLid: string | null;
  byMe: boolean;
  at: string;
};
export type MessageEdit = { text: string; at: string };
export type PollVote = {
  voter: string | null;
  voterLid: string | null;
  options: string[];
  at: string;
};

export const messages = pgTable(
  "messages",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    sessionId: text("session_id").references(() => whatsappSessions.id, { onDelete: "set null" }),
    apiKeyId: text("api_key_id").references(() => apiKeys.id, { onDelete: "set null" }),
    mode: text("mode", { enum: KEY_MODES }).notNull(),
    direction: text("direction", { enum: MESSAGE_DIRECTIONS }).notNull(),
    /** The other party in E.164: the recipient of an outbound message, the sender of an inbound one. */
    recipient: text("recipient").notNull(),
    type: text("type", { enum: MESSAGE_TYPES }).notNull(),
    /** Text body, or the caption of a media message. */
    content: text("content"),
    /**
     * The content is a secret (a password-reset code): the API and webhooks never show it,
     * and the worker clears it once WhatsApp has the message or it has failed for good.
     */
    sensitive: boolean("sensitive").notNull().default(false),
    media: jsonb("media").$type<MessageMedia>(),
    replyTo: text("reply_to"),
    status: text("status", { enum: MESSAGE_STATUSES }).notNull(),
    waMessageId: text("wa_message_id"),
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
    idempotencyKey: text("idempotency_key"),
    /** Hash of the request body sent with the idempotency key: same key, other body = 409. */
    requestHash: text("request_hash"),
    /** UTC day and counter whose quota unit this message holds, so a refund returns it there. */
    quotaDay: date("quota_day", { mode: "string" }),
    quotaRefundedAt: tstz("quota_refunded_at"),
    attempts: integer("attempts").notNull().default(0),
    /** Fencing token of the worker that started the send; a stale owner cannot overwrite. */
    sendToken: bigint("send_token", { mode: "number" }),
    scheduledAt: tstz("scheduled_at"),
    queuedAt: tstz("queued_at"),
    sendingAt: tstz("sending_at"),
    sentAt: tstz("sent_at"),
    deliveredAt: tstz("delivered_at"),
    readAt: tstz("read_at"),
    failedAt: tstz("failed_at"),
    cancelledAt: tstz("cancelled_at"),
    receivedAt: tstz("received_at"),
    /** The broadcast this message is one recipient of. */
    broadcastId: text("broadcast_id").references(() => broadcasts.id, { onDelete: "set null" }),
    /** The other party's WhatsApp LID (`…@lid`) once known. */
    recipientLid: text("recipient_lid"),
    payload: jsonb("payload").$type<MessagePayload>(),
    /** Current reactions, one per reactor (the latest replaces; an empty emoji removes). */
    reactions: jsonb("reactions").$type<MessageReaction[]>(),
    /** Edits of the text, oldest first; `content` keeps the original. */
    edits: jsonb("edits").$type<MessageEdit[]>(),
    /** Poll votes keyed by voter (phone, else LID). */
    votes: jsonb("votes").$type<Record<string, PollVote>>(),
    revokedAt: tstz("revoked_at"),
    ...timestamps,
  },
  (t) => [
    index("messages_broadcast_idx")
      .on(t.broadcastId, t.status)
      .where(sql`broadcast_id is not null`),
    index("messages_user_id_idx").on(t.userId, t.id),
    index("messages_user_status_idx").on(t.userId, t.status, t.id),
    index("messages_user_recipient_idx").on(t.userId, t.recipient, t.id),
    uniqueIndex("messages_user_idempotency_uq")
      .on(t.userId, t.idempotencyKey)
      .where(sql`idempotency_key is not null`),
    index("messages_session_wa_idx").on(t.sessionId, t.waMessageId),
    /** The reconciler scans only unfinished messages. */
    index("messages_pending_idx")
      .on(t.status, t.updatedAt)
      .where(sql`status in ('scheduled', 'queued', 'sending')`),
    index("messages_created_idx").on(t.createdAt),
    /** Usage aggregation counts a day's sends and failures by when they happened. */
    index("messages_sent_at_idx")
      .on(t.sentAt)
      .where(sql`direction = 'outbound' and sent_at is not null`),
    index("messages_failed_at_idx").on(t.failedAt).where(sql`status = 'failed'`),
    check("messages_mode_ck", oneOf("mode", KEY_MODES)),
    check("messages_direction_ck", oneOf("direction", MESSAGE_DIRECTIONS)),
    check("messages_type_ck", oneOf("type", MESSAGE_TYPES)),
    check("messages_status_ck", oneOf("status", MESSAGE_STATUSES)),
  ],
);

export const webhooks = pgTable(
  "webhooks",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    events: text("events").array().notNull(),
    description: text("description"),
    /** `whsec_…`; kept to sign deliveries, shown to the account only when created. */
    secret: text("secret").notNull(),
    isActive: boolean("is_active").notNull().default(true),
    ...timestamps,
  },
  (t) => [index("webhooks_user_idx").on(t.userId, t.id)],
);

export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    /** Also the `webhook-id` header: the same on every retry. */
    id: text("id").primaryKey(),
    webhookId: text("webhook_id")
      .notNull()
      .references(() => webhooks.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    eventType: text("event_type").notNull(),
    payload: jsonb("payload").notNull(),
    status: text("status", { enum: WEBHOOK_DELIVERY_STATUSES }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    lastAttemptAt: tstz("last_attempt_at"),
    nextAttemptAt: tstz("next_attempt_at"),
    deliveredAt: tstz("delivered_at"),
    ...timestamps,
  },
  (t) => [
    index("webhook_deliveries_webhook_idx").on(t.webhookId, t.id),
    index("webhook_deliveries_created_idx").on(t.createdAt),
    index("webhook_deliveries_pending_idx")
      .on(t.status, t.nextAttemptAt)
      .where(sql`status = 'pending'`),
    check("webhook_deliveries_status_ck", oneOf("status", WEBHOOK_DELIVERY_STATUSES)),
  ],
);

/** One row per HTTP attempt of a delivery: status code, error and timing. */
export const webhookDeliveryAttempts = pgTable(
  "webhook_delivery_attempts",
  {
    id: text("id").primaryKey(),
    deliveryId: text("delivery_id")
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: "cascade" }),
    attempt: integer("attempt").notNull(),
    statusCode: integer("status_code"),
    error: text("error"),
    durationMs: integer("duration_ms").notNull(),
    ...timestamps,
  },
  (t) => [index("webhook_delivery_attempts_delivery_idx").on(t.deliveryId, t.attempt)],
);

/**
 * What an account knows about WhatsApp users (issue 12): filled from traffic (phone, LID,
 * push name, last seen in/out) and from number checks (`on_whatsapp`, `checked_at`, the
 * cache `GET /contacts/check` reads within `CONTACT_CHECK_TTL_SECONDS`). One row per
 * account and phone; a LID-only sender has `phone` null until the LID is resolved.
 */
export const contacts = pgTable(
  "contacts",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    mode: text("mode", { enum: KEY_MODES }).notNull(),
    phone: text("phone"),
    lid: text("lid"),
    waId: text("wa_id"),
    pushName: text("push_name"),
    onWhatsapp: boolean("on_whatsapp"),
    checkedAt: tstz("checked_at"),
    lastInboundAt: tstz("last_inbound_at"),
    lastOutboundAt: tstz("last_outbound_at"),
    /** The profile last asked of a session (`GET /contacts/{phone}`), kept for a while. */
    about: text("about"),
    profilePictureUrl: text("profile_picture_url"),
    profileCheckedAt: tstz("profile_checked_at"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("contacts_user_mode_phone_uq")
      .on(t.userId, t.mode, t.phone)
      .where(sql`phone is not null`),
    uniqueIndex("contacts_user_mode_lid_uq")
      .on(t.userId, t.mode, t.lid)
      .where(sql`phone is null and lid is not null`),
    index("contacts_user_idx").on(t.userId, t.mode, t.id),
    index("contacts_lid_idx").on(t.userId, t.lid),
    check("contacts_mode_ck", oneOf("mode", KEY_MODES)),
  ],
);
