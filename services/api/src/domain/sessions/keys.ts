/**
 * Where the worker publishes a session's live state for the API (docs/internals.md
 * "Messages and the send pipeline"): the current QR as JSON `{qr, expires_at}` under a key,
 * and status/QR changes as JSON messages on a pub/sub channel.
 */
export const sessionQrKey = (prefix: string, sessionId: string) =>
  `${prefix}:session:${sessionId}:qr`;
export const sessionEventsChannel = (prefix: string, sessionId: string) =>
  `${prefix}:session-events:${sessionId}`;

/** The session used when a request names none. */
export const DEFAULT_SESSION_NAME = "default";
/** Session names: short, URL- and log-safe. */
export const SESSION_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * Commands that must reach a session's owning worker (`{sessionId, action, ...}`), and the
 * channel where the owner answers one that carries a `replyId`
 * (services/whatsapp-worker/src/sessions/manager.ts reads and writes them).
 */
export const sessionCommandChannel = (prefix: string) => `${prefix}:session-cmd`;
export const sessionReplyChannel = (prefix: string, replyId: string) =>
  `${prefix}:session-reply:${replyId}`;
