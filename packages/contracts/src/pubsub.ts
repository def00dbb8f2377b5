import { z } from "zod";
import { GROUP_PARTICIPANT_ACTIONS } from "./enums.js";
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

/**
 * Rich messaging (issue 12): an operation the owner runs on its driver and answers on
 * `sessionReplyChannel(replyId)` with a `DriverOpReply`. `chat` is a phone (E.164) or a
 * WhatsApp id (`…@g.us`, `…@lid`); `waMessageId` names the message acted on.
 */
export const driverOpSchema = z.discriminatedUnion("op", [
  z.object({
    op: z.literal("react"),
    chat: z.string(),
    waMessageId: z.string(),
    emoji: z.string(),
  }),
  z.object({ op: z.literal("edit"), chat: z.string(), waMessageId: z.string(), text: z.string() }),
  z.object({ op: z.literal("revoke"), chat: z.string(), waMessageId: z.string() }),
  z.object({ op: z.literal("check_numbers"), phones: z.array(z.string()).min(1).max(100) }),
  z.object({ op: z.literal("read"), chat: z.string() }),
  z.object({
    op: z.literal("presence"),
    chat: z.string(),
    state: z.enum(["typing", "recording", "paused"]),
  }),
  // Groups (issue 12): `group` is a group id (`…@g.us`), phones are E.164.
  z.object({ op: z.literal("group_list") }),
  z.object({
    op: z.literal("group_create"),
    subject: z.string(),
    participants: z.array(z.string()).max(256),
  }),
  z.object({ op: z.literal("group_get"), group: z.string() }),
  z.object({
    op: z.literal("group_participants"),
    group: z.string(),
    action: z.enum(GROUP_PARTICIPANT_ACTIONS),
    phones: z.array(z.string()).min(1).max(256),
  }),
  z.object({
    op: z.literal("group_update"),
    group: z.string(),
    subject: z.string().optional(),
    description: z.string().optional(),
  }),
  z.object({ op: z.literal("group_leave"), group: z.string() }),
  // A contact's profile (issue 12): `chat` is a phone (E.164) or a `…@lid` id.
  z.object({ op: z.literal("profile"), chat: z.string() }),
]);
export type DriverOp = z.infer<typeof driverOpSchema>;
export const driverOpCommandSchema = z.object({
  sessionId: z.string().min(1),
  action: z.literal("driver_op"),
  replyId: z.string().min(1),
  request: driverOpSchema,
});
export type DriverOpCommand = z.infer<typeof driverOpCommandSchema>;
/** What a number check answers per phone. */
export interface NumberCheck {
  phone: string;
  onWhatsApp: boolean;
  waId: string | null;
  lid: string | null;
}
/** A group member as a driver reports it: phone (E.164) and LID when known. */
export interface GroupMember {
  phone: string | null;
  lid: string | null;
  isAdmin: boolean;
  isSuperAdmin: boolean;
}
/** A WhatsApp group as a driver reports it (`inviteCode` null when not asked or not admin). */
export interface GroupInfo {
  id: string;
  subject: string;
  description: string | null;
  /** The creator (E.164) when known. */
  owner: string | null;
  participants: GroupMember[];
  inviteCode: string | null;
  /** ISO time of creation when known. */
  createdAt: string | null;
}
/** A contact's "about" text and profile picture URL; null when hidden or unknown. */
export interface ContactProfile {
  about: string | null;
  profilePictureUrl: string | null;
}
/**
 * The owner's answer to a `DriverOpCommand`: `result` is `{numbers: NumberCheck[]}` for
 * `check_numbers`, `{groups}` for `group_list`, `{group}` for the other group ops except
 * `group_leave`, `{profile}` for `profile`, `{}` otherwise. `reason`: `unsupported` (the driver cannot), `not_ready`
 * (the session is not connected), `not_found` (no such group on this session), `failed`
 * (WhatsApp refused or timed out).
 */
export type DriverOpReply =
  | {
      ok: true;
      result: {
        numbers?: NumberCheck[];
        groups?: GroupInfo[];
        group?: GroupInfo;
        profile?: ContactProfile;
      };
    }
  | {
      ok: false;
      reason: "unsupported" | "not_ready" | "not_found" | "failed";
      message: string;
    };

/** Every message on `sessionCommandChannel`. */
export const sessionChannelCommandSchema = z.union([
  sessionNudgeSchema,
  pairingCodeCommandSchema,
  pacingCommandSchema,
  driverOpCommandSchema,
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
