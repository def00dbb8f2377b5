import type { SessionWire } from "./events.js";
import { type SessionControlJob, sessionControlJobSchema } from "./queues.js";

/**
 * Messages on the Redis pub/sub channels of `redis-keys.ts`. A session command forwarded to
 * the owner (`sessionCommandChannel`) has the shape of a `session-control` job.
 */
export const sessionCommandSchema = sessionControlJobSchema;
export type SessionCommand = SessionControlJob;

/** A message on `sessionEventsChannel`: a status change, or a new QR to scan. */
export type SessionEventMessage =
  | ({ type: "status"; session_id: string; last_error: string | null } & SessionWire)
  | { type: "qr"; session_id: string; qr: string; expires_at: string };
