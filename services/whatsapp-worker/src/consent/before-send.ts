import { MESSAGE_END_CODES } from "@wagate/contracts";
import { endUnsent, isConsentReply, type MessageRow } from "@wagate/core";

import { sql } from "drizzle-orm";
import type { WorkerContext } from "../context.js";

/**
 * The send processor's last check before it claims a queued message: nothing goes to a
 * number on the account's opt-out list (the message fails with `recipient_opted_out`, its
 * unit refunded; the opt-out usually ended it already, this is the net), and nothing of a
 * paused broadcast goes (the job ends, the row stays `queued`; resuming gives it a new job).
 * One round trip. Returns the job outcome when the message is held, else null.
 */
export async function holdBeforeSend(
  ctx: WorkerContext,
  row: MessageRow,
  announce: (ended: MessageRow) => Promise<unknown>,
): Promise<string | null> {
  if (row.status === "sending" || isConsentReply(row)) return null;
  const result = await ctx.db.execute<{ opted_out: boolean; broadcast_status: string | null }>(
    sql`select exists (select 1 from opt_outs where user_id = ${row.userId} and phone = ${row.recipient}) as opted_out,
      (select status from broadcasts where id = ${row.broadcastId}) as broadcast_status`,
  );
  const found = (
    result as unknown as Array<{ opted_out: boolean; broadcast_status: string | null }>
  )[0];
  if (found?.opted_out) {
    await endUnsent(ctx, row, {
      to: "failed",
      from: ["queued", "scheduled"],
      error: {
        code: MESSAGE_END_CODES.recipientOptedOut,
        message: "the recipient opted out before this message was sent",
      },
      now: ctx.now(),
      announce,
    });
    return `failed:${MESSAGE_END_CODES.recipientOptedOut}`;
  }
  if (found?.broadcast_status === "paused") return "held:broadcast_paused";
  return null;
}
