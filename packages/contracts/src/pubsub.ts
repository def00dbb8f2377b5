import { z } from "zod";
import type { SessionWire } from "./events.js";
import { type SessionControlJob, sessionControlJobSchema } from "./queues.js";

/**
 * Messages on the Redis pub/sub channels of `redis-keys.ts`. A session command forwarded to
 * the owner (`sessionCommandChannel`) has the shape of a `session-control` job.
 */
export const sessionCommandSchema = sessionControlJobSchema;
export type SessionCommand = SessionControlJob;

/** Asks the owner for a pairing code; it answers on `sessionReplyChannel(replyId)`. */
export const pairingCodeCommandSchema = z.object({
  sessionId: z.string().min(1),
  action: z.literal("pairing_code"),
  phone: z.string().min(1),
  replyId: z.string().min(1),
});
export type PairingCodeCommand = z.infer<typeof pairingCodeCommandSchema>;

/** The account's pacing changed: every owner re-reads it for that account's sessions. */
export const pacingCommandSchema = z.object({
  action: z.literal("pacing"),
  userId: z.string().min(1),
});
export type PacingCommand = z.infer<typeof pacingCommandSchema>;

/** Every message on `sessionCommandChannel`. */
export const sessionChannelCommandSchema = z.union([
  sessionCommandSchema,
  pairingCodeCommandSchema,
  pacingCommandSchema,
]);
export type SessionChannelCommand = z.infer<typeof sessionChannelCommandSchema>;

/** The owner's answer to a `PairingCodeCommand`. */
export type PairingCodeReply =
  | { ok: true; code: string }
  | { ok: false; reason: string; message: string };

/** A message on `sessionEventsChannel`: a status change, or a new QR to scan. */
export type SessionEventMessage =
  | ({ type: "status"; session_id: string; last_error: string | null } & SessionWire)
  | { type: "qr"; session_id: string; qr: string; expires_at: string };
