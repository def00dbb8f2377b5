import { z } from "zod";
import type { SessionWire } from "./events.js";

/** Messages on the Redis pub/sub channels of `redis-keys.ts`. */

/**
 * The nudge after a session command (init, disconnect): the session row's `desired_state`
 * changed, act on it now. It carries no command: the row is the only truth. The owner
 * converges at once; with no owner, any worker may claim a `running` session or carry out a
 * `logged_out` one. A nudge that never arrives only delays this to the owner's next
 * heartbeat or the next claim scan.
 */
export const sessionNudgeSchema = z.object({
  sessionId: z.string().startsWith("ses_"),
  action: z.literal("sync"),
});
export type SessionNudge = z.infer<typeof sessionNudgeSchema>;

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
  sessionNudgeSchema,
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
