import { type MessageMedia, messages } from "@wagate/db";
import { and, eq } from "drizzle-orm";
import type { WorkerContext } from "../context.js";
import { type InboundMessage, MediaTooLargeError, type WhatsAppDriver } from "../drivers/types.js";
import { sleep } from "../events/retry.js";

/**
 * The `media` column of a new inbound row (issue 12, inbound media): what the driver said
 * about it, `pending` (the worker downloads it after the row is recorded) with the URL the
 * API serves it at, or `too_large` straight away when WhatsApp announced a size above the
 * cap (`INBOUND_MEDIA_MAX_BYTES`).
 */
export function inboundMediaColumn(
  ctx: WorkerContext,
  messageId: string,
  message: InboundMessage,
): MessageMedia | null {
  const media = message.media;
  if (!media) return null;
  const tooLarge = media.size !== null && media.size > ctx.options.inboundMediaMaxBytes;
  return {
    url: tooLarge ? null : `/api/v1/messages/${messageId}/media`,
    mimeType: media.mimeType,
    filename: media.filename,
    size: media.size,
    status: tooLarge ? "too_large" : "pending",
  };
}

/** Downloads run one at a time per session, so a burst of photos holds one file in memory. */
const chains = new Map<string, Promise<void>>();

/**
 * After an inbound media row is recorded: downloads the bytes from the driver (capped),
 * stores them in the media store under the message id, and marks the row's media `stored`
 * (or `too_large` / `failed`, keeping the metadata and dropping the URL). Runs beside the
 * session's event inbox, never holding it up. A download or store that throws is tried
 * again, `inboundMediaAttempts` times in all with doubling delays from
 * `inboundMediaRetryMs`, then marked `failed` (with `attempts`); a driver answering null
 * (the message or its media is gone) is `failed` at once.
 */
export function downloadInboundMedia(
  ctx: WorkerContext,
  driver: WhatsAppDriver,
  sessionId: string,
  message: InboundMessage,
): Promise<void> {
  const previous = chains.get(sessionId) ?? Promise.resolve();
  const next = previous.then(() => download(ctx, driver, sessionId, message));
  const settled = next.catch(() => {});
  chains.set(sessionId, settled);
  void settled.then(() => {
    if (chains.get(sessionId) === settled) chains.delete(sessionId);
  });
  return next;
}

async function download(
  ctx: WorkerContext,
  driver: WhatsAppDriver,
  sessionId: string,
  message: InboundMessage,
): Promise<void> {
  const where = and(
    eq(messages.sessionId, sessionId),
    eq(messages.waMessageId, message.waMessageId),
  );
  const [row] = await ctx.db
    .select({ id: messages.id, media: messages.media })
    .from(messages)
    .where(where)
    .limit(1);
  const pending = row?.media;
  if (!row || pending?.status !== "pending") return;
  const mark = async (media: MessageMedia) => {
    await ctx.db.update(messages).set({ media }).where(eq(messages.id, row.id));
  };
  const cap = ctx.options.inboundMediaMaxBytes;
  const attempts = Math.max(1, ctx.options.inboundMediaAttempts);
  for (let attempt = 1; ; attempt++) {
    try {
      const got = driver.downloadMedia
        ? await driver.downloadMedia(message.waMessageId, cap)
        : null;
      if (!got) {
        await mark({ ...pending, url: null, status: "failed", attempts: attempt });
        return;
      }
      if (got.data.length > cap) throw new MediaTooLargeError(got.data.length);
      const filename = pending.filename ?? got.filename;
      await ctx.mediaStore.put(row.id, got.data, { mimeType: got.mimeType, filename });
      await mark({
        ...pending,
        mimeType: got.mimeType,
        filename,
        size: got.data.length,
        status: "stored",
        attempts: attempt,
      });
      return;
    } catch (error) {
      if (error instanceof MediaTooLargeError) {
        await mark({ ...pending, url: null, size: error.size, status: "too_large" });
        return;
      }
      if (attempt < attempts) {
        ctx.logger.debug(
          { err: error, sessionId, messageId: row.id, attempt },
          "inbound media download failed; retrying",
        );
        await sleep(ctx.options.inboundMediaRetryMs * 2 ** (attempt - 1));
        continue;
      }
      ctx.logger.warn(
        { err: error, sessionId, messageId: row.id, attempts: attempt },
        "inbound media not downloaded; kept as failed",
      );
      await mark({ ...pending, url: null, status: "failed", attempts: attempt }).catch(() => {});
      return;
    }
  }
}
