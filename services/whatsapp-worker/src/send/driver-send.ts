import type { MessageRow } from "@wagate/core";
import type { WorkerContext } from "../context.js";
import type { SendResult } from "../drivers/types.js";
import { dispatchSend } from "./dispatch.js";
import type { SendSession } from "./session.js";

/**
 * Hands a claimed message to the session's driver: one case per message type, in
 * `dispatchSend` (`send/dispatch.ts`: text with mentions, media as voice/sticker/document,
 * location, contacts, poll). Everything around it (claim, pacing, outcome recording,
 * retries) stays as it is. Throws `SendError` (or anything, read as transient).
 */
export async function sendViaDriver(
  ctx: WorkerContext,
  session: SendSession,
  row: MessageRow,
): Promise<SendResult> {
  return dispatchSend(
    session.driver(),
    row,
    { maxBytes: ctx.options.mediaMaxBytes, allowPrivate: ctx.options.allowPrivateUrls },
    {
      db: ctx.db,
      now: ctx.now,
      warn: (err) => ctx.logger.warn({ err, messageId: row.id }, "contact not updated"),
    },
  );
}
