import type { MessageRow } from "@wagate/core";
import type { WorkerContext } from "../context.js";
import type { SendResult } from "../drivers/types.js";
import { loadMedia } from "./media.js";
import type { SendSession } from "./session.js";

/**
 * Hands a claimed message to the session's driver: one case per message type. A new type
 * adds its case here (and its driver method); everything around it (claim, pacing, outcome
 * recording, retries) stays as it is. Throws `SendError` (or anything, read as transient).
 */
export async function sendViaDriver(
  ctx: WorkerContext,
  session: SendSession,
  row: MessageRow,
): Promise<SendResult> {
  const driver = session.driver();
  switch (row.type) {
    case "text":
      return driver.sendText({
        to: row.recipient,
        text: row.content ?? "",
        reference: row.id,
        replyTo: row.replyTo,
      });
    default:
      return driver.sendMedia({
        to: row.recipient,
        reference: row.id,
        caption: row.content,
        media: await loadMedia(
          row.media ?? { url: null, mimeType: null, filename: null, size: null },
          { maxBytes: ctx.options.mediaMaxBytes, allowPrivate: ctx.options.allowPrivateUrls },
        ),
      });
  }
}
