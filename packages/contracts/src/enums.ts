/**
 * Closed vocabularies shared by the database (check constraints), the wire schemas and the
 * services. Adding a value here is a schema change: generate a migration.
 */
export const ADMIN_ROLES = ["owner", "admin", "viewer"] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

export const KEY_MODES = ["live", "test"] as const;
export type KeyMode = (typeof KEY_MODES)[number];

export const API_KEY_SCOPES = [
  "messages:send",
  "messages:read",
  "sessions:manage",
  "webhooks:manage",
] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export const DRIVERS = ["webjs", "simulator"] as const;
export type Driver = (typeof DRIVERS)[number];

/** The driver a key mode uses: live keys never reach the simulator. */
export const driverForMode = (mode: KeyMode): Driver => (mode === "live" ? "webjs" : "simulator");

export const SESSION_STATUSES = [
  "stopped",
  "starting",
  "qr",
  "ready",
  "disconnected",
  "failed",
] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/**
 * What the account asked of a session (`whatsapp_sessions.desired_state`, the one source of
 * truth for session control): `running` — a worker keeps it open; `stopped` — closed, its
 * stored auth kept; `logged_out` — a logout not yet carried out (the device is logged out
 * and the stored auth forgotten, then a worker sets `stopped`).
 */
export const SESSION_DESIRED_STATES = ["running", "stopped", "logged_out"] as const;
export type SessionDesiredState = (typeof SESSION_DESIRED_STATES)[number];

export const MESSAGE_DIRECTIONS = ["outbound", "inbound"] as const;
export type MessageDirection = (typeof MESSAGE_DIRECTIONS)[number];

export const MESSAGE_TYPES = [
  "text",
  "image",
  "video",
  "audio",
  "document",
  "sticker",
  "other",
  /** Rich messaging (issue 12): a voice note (audio sent as push-to-talk), a location, vCards, a poll. */
  "voice",
  "location",
  "contact",
  "poll",
] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** How a media file is sent (`as` of send-media): the message type it becomes. */
export const MEDIA_KINDS = ["image", "video", "audio", "voice", "document", "sticker"] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

export const MESSAGE_STATUSES = [
  "scheduled",
  "queued",
  "sending",
  "sent",
  "delivered",
  "read",
  "failed",
  "cancelled",
  "received",
] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/**
 * Forward-only order of outbound statuses. A transition is allowed only to a higher rank;
 * `failed` and `cancelled` are terminal and outrank everything before `sent`.
 */
export const MESSAGE_STATUS_RANK: Record<MessageStatus, number> = {
  scheduled: 0,
  queued: 1,
  sending: 2,
  sent: 3,
  delivered: 4,
  read: 5,
  failed: 6,
  cancelled: 6,
  received: 0,
};

export const WEBHOOK_EVENTS = [
  "message.status",
  "message.received",
  "session.status",
  "contact.opted_out",
  "contact.opted_in",
  "broadcast.progress",
  "broadcast.completed",
  /** Rich messaging (issue 12). */
  "message.reaction",
  "message.edited",
  "message.revoked",
  "poll.vote",
  "call.received",
  "group.participants",
  "group.update",
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/**
 * Sent only on request (POST /webhooks/{id}/test) to one webhook, whatever its `events`;
 * not subscribable, so it is not in `WEBHOOK_EVENTS`.
 */
export const WEBHOOK_TEST_EVENT = "webhook.test";
/** Every `event_type` a delivery row can hold. */
export const WEBHOOK_DELIVERY_EVENT_TYPES = [...WEBHOOK_EVENTS, WEBHOOK_TEST_EVENT] as const;
export type WebhookDeliveryEventType = (typeof WEBHOOK_DELIVERY_EVENT_TYPES)[number];

/**
 * Types on the live event feed (`liveEventsChannel`) read by the admin event monitor: the
 * webhook events as they are emitted, and `webhook.delivery` for each delivery attempt.
 */
export const LIVE_EVENT_TYPES = [...WEBHOOK_EVENTS, "webhook.delivery"] as const;
export type LiveEventType = (typeof LIVE_EVENT_TYPES)[number];

export const WEBHOOK_DELIVERY_STATUSES = ["pending", "succeeded", "failed"] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

export const PASSWORD_RESET_STATUSES = [
  "pending",
  "verified",
  "used",
  "expired",
  "blocked",
] as const;
export type PasswordResetStatus = (typeof PASSWORD_RESET_STATUSES)[number];

export const AUDIT_ACTOR_TYPES = ["admin", "account", "system"] as const;
export type AuditActorType = (typeof AUDIT_ACTOR_TYPES)[number];

/** Where an opt-out came from: the API, an inbound keyword (STOP), or an admin. */
export const OPT_OUT_SOURCES = ["api", "keyword", "admin"] as const;
export type OptOutSource = (typeof OPT_OUT_SOURCES)[number];

/**
 * A broadcast is `running` (its messages queued or scheduled on the session), `paused` (its
 * unsent messages wait without jobs), `completed` (nothing left unsent) or `cancelled`.
 */
export const BROADCAST_STATUSES = ["running", "paused", "completed", "cancelled"] as const;
export type BroadcastStatus = (typeof BROADCAST_STATUSES)[number];

/** What can happen to a group's participants (issue 12): API actions and `group.participants`. */
export const GROUP_PARTICIPANT_ACTIONS = ["add", "remove", "promote", "demote"] as const;
export type GroupParticipantAction = (typeof GROUP_PARTICIPANT_ACTIONS)[number];
