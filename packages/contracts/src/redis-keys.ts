/**
 * Every Redis key and pub/sub channel more than one process reads or writes, and the format
 * of the session lease value. `prefix` is the deployment's `REDIS_PREFIX`.
 */

/** A session's current QR, JSON `{qr, expires_at}` (worker writes, API reads). */
export const sessionQrKey = (prefix: string, sessionId: string) =>
  `${prefix}:session:${sessionId}:qr`;

/** Pub/sub channel of a session's status and QR changes (worker publishes, API streams). */
export const sessionEventsChannel = (prefix: string, sessionId: string) =>
  `${prefix}:session-events:${sessionId}`;

/**
 * Pub/sub channel of the messages for session owners (`sessionChannelCommandSchema`): the
 * nudge after a session command, pairing-code requests, pacing reloads.
 */
export const sessionCommandChannel = (prefix: string) => `${prefix}:session-cmd`;

/** Where the owner answers a command that carries a `replyId` (JSON, published once). */
export const sessionReplyChannel = (prefix: string, replyId: string) =>
  `${prefix}:session-reply:${replyId}`;

/** Driver events parked by a session's owner while Postgres is away (a Redis list). */
export const parkedEventsKey = (prefix: string, sessionId: string) =>
  `${prefix}:session:${sessionId}:parked-events`;

/** A session's lease, valued `leaseValue(workerId, token)` (see `parseLeaseValue`). */
export const sessionLeaseKey = (prefix: string, sessionId: string) =>
  `${prefix}:lease:session:${sessionId}`;

/**
 * The live session workers: a sorted set of worker ids scored with the time (ms, Redis clock)
 * their membership lapses; each worker renews its own entry every heartbeat.
 */
export const workersKey = (prefix: string) => `${prefix}:workers`;

/** The fencing counter of a session's lease (INCR): every new owner gets a larger token. */
export const sessionFenceKey = (prefix: string, sessionId: string) =>
  `${prefix}:lease:fence:${sessionId}`;

/** Separator of the lease value `<workerId>|<token>` (also spelled in the worker's Lua). */
export const LEASE_VALUE_SEPARATOR = "|";

export const leaseValue = (workerId: string, token: number) =>
  `${workerId}${LEASE_VALUE_SEPARATOR}${token}`;

/** The owner and fencing token of a lease value, or null when it is not one. */
export function parseLeaseValue(value: string): { workerId: string; token: number } | null {
  const at = value.lastIndexOf(LEASE_VALUE_SEPARATOR);
  if (at <= 0) return null;
  const token = Number(value.slice(at + 1));
  if (!Number.isInteger(token)) return null;
  return { workerId: value.slice(0, at), token };
}

/**
 * The API replicas' cache invalidations (API keys, session ids; `kind` in the message). The
 * name is kept from when only API keys used it, so replicas of both versions hear each other.
 */
export const apiCacheInvalidationChannel = (prefix: string) => `${prefix}:api-key-invalidate`;

/**
 * Pub/sub channel that drops cached webhook subscriptions (`{userId}`), published by the API
 * when an account's webhooks are created, changed or deleted and by the delivery worker when
 * a `410 Gone` disables one; every worker's subscription cache listens.
 */
export const webhookInvalidationChannel = (prefix: string) => `${prefix}:webhooks-invalidate`;
