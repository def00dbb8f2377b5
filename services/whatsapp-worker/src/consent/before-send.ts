import { MESSAGE_END_CODES } from "@wagate/contracts";
import { type ClaimedMessage, isConsentReply } from "@wagate/core";
import type { SendRefusal } from "../send/pre-send.js";

/**
 * The send path's last consent check (called from `preSendCheck`): nothing goes to a number
 * on the account's opt-out list. The opt-out itself already failed the account's queued
 * messages to it; this is the net for one that raced it (the message fails with
 * `recipient_opted_out`, its unit refunded). A confirmation wagate sends after a keyword is
 * exempt. The lookup is part of the claim (`recipientOptedOut`).
 */
export function optOutRefusal(claimed: ClaimedMessage): SendRefusal | null {
  if (isConsentReply(claimed.row) || !claimed.recipientOptedOut) return null;
  return {
    to: "failed",
    code: MESSAGE_END_CODES.recipientOptedOut,
    message: "the recipient opted out before this message was sent",
  };
}
