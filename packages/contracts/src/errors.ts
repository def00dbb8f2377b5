import { z } from "zod";

/** Stable error codes clients code against (API.md "Conventions"). */
export const ERROR_CODES = [
  "validation_failed",
  "unauthorized",
  "forbidden",
  "not_found",
  "conflict",
  "account_locked",
  "quota_exceeded",
  "rate_limited",
  "payload_too_large",
  "unsupported_media_type",
  "service_unavailable",
  "internal",
  "recipient_opted_out",
  /** The recipient is known (contact check cache) not to be on WhatsApp: refused at once. */
  "not_on_whatsapp",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The one map from code to HTTP status. `validation_failed` may also be sent as 422. */
export const ERROR_STATUS: Record<
  ErrorCode,
  400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 423 | 429 | 500 | 503
> = {
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  account_locked: 423,
  quota_exceeded: 429,
  rate_limited: 429,
  payload_too_large: 413,
  unsupported_media_type: 415,
  service_unavailable: 503,
  internal: 500,
  recipient_opted_out: 422,
  not_on_whatsapp: 422,
};

export const errorEnvelopeSchema = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    request_id: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;

/**
 * Permanent send failures: the worker fails the message at once with one of these codes
 * instead of retrying. Transient failures are retried with backoff.
 */
export const SEND_ERROR_CODES = [
  "not_on_whatsapp",
  "invalid_recipient",
  "recipient_not_allowed",
  "media_fetch_failed",
  "media_too_large",
  "media_type_not_allowed",
  "media_refused",
  "session_not_ready",
  "session_logged_out",
  "rate_limited",
  "send_timeout",
  "send_failed",
  "attempts_exhausted",
] as const;
export type SendErrorCode = (typeof SEND_ERROR_CODES)[number];

/**
 * Codes of messages ended by wagate itself rather than by a send attempt: the API could not
 * queue the send (`enqueue_failed`), or the message's session was deleted first
 * (`session_deleted`, set by the scheduler's reconcile), or its recipient opted out before it
 * was sent (`recipient_opted_out`).
 */
export const MESSAGE_END_CODES = {
  enqueueFailed: "enqueue_failed",
  sessionDeleted: "session_deleted",
  /** The recipient opted out (STOP, or the opt-out list) before the message was sent. */
  recipientOptedOut: "recipient_opted_out",
} as const;
