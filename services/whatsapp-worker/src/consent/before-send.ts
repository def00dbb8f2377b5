import { MESSAGE_END_CODES } from "@wagate/contracts";
import { isConsentReply, isOptedOut, type MessageRow } from "@wagate/core";
import type { WorkerContext } from "../context.js";
import type { SendRefusal } from "../send/pre-send.js";

/**
 * The send path's last consent check (called from `preSendCheck`): nothing goes to a number
 * on the account's opt-out list. The opt-out itself already failed the account's queued
 * messages to it; this is the net for one that raced it (the message fails with
 * `recipient_opted_out`, its unit refunded). A confirmation wagate sends after a keyword is
 * exempt. One indexed lookup.
 */
export async function optOutRefusal(
  ctx: WorkerContext,
  row: MessageRow,
): Promise<SendRefusal | null> {
  if (isConsentReply(row)) return null;
  if (!(await isOptedOut(ctx.db, row.userId, row.recipient))) return null;
  return {
    to: "failed",
    code: MESSAGE_END_CODES.recipientOptedOut,
    message: "the recipient opted out before this message was sent",
  };
}
