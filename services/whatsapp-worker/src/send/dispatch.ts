import type { Executor, messages } from "@wagate/db";
import { SendError, type SendResult, type WhatsAppDriver } from "../drivers/types.js";
import { noteOutbound } from "../rich/contacts.js";
import { loadMedia, type MediaLimits } from "./media.js";

type MessageRow = typeof messages.$inferSelect;

const unsupported = (what: string) =>
  new SendError("send_failed", `this session's driver cannot send ${what}`, true);

const missing = (what: string) =>
  new SendError("media_refused", `the message has no ${what}`, true);

/**
 * Sends one outbound row through the driver by its type (issue 12): text (with mentions),
 * media (voice note, sticker or document by `type`), location, contact cards, poll. The
 * row's `payload` holds the type's content as the API validated it.
 */
export async function dispatchSend(
  driver: WhatsAppDriver,
  row: MessageRow,
  limits: MediaLimits,
  /** When given, the recipient's contact row is updated after the send (best effort). */
  contactsDb?: { db: Executor; now: () => Date; warn: (error: unknown) => void },
): Promise<SendResult> {
  const result = await sendByType(driver, row, limits);
  // Buffered and written in bulk: the send path keeps its statement budget.
  if (contactsDb) noteOutbound(contactsDb.db, row, contactsDb.now(), contactsDb.warn);
  return result;
}

async function sendByType(
  driver: WhatsAppDriver,
  row: MessageRow,
  limits: MediaLimits,
): Promise<SendResult> {
  const base = { to: row.recipient, reference: row.id, replyTo: row.replyTo };
  const payload = row.payload ?? {};
  switch (row.type) {
    case "text":
      return driver.sendText({
        ...base,
        text: row.content ?? "",
        ...(payload.mentions?.length ? { mentions: payload.mentions } : {}),
      });
    case "location": {
      if (!payload.location) throw missing("location");
      if (!driver.sendLocation) throw unsupported("locations");
      return driver.sendLocation({ ...base, ...payload.location });
    }
    case "contact": {
      if (!payload.contacts?.length) throw missing("contacts");
      if (!driver.sendContact) throw unsupported("contacts");
      return driver.sendContact({ ...base, contacts: payload.contacts });
    }
    case "poll": {
      if (!payload.poll) throw missing("poll");
      if (!driver.sendPoll) throw unsupported("polls");
      return driver.sendPoll({ ...base, ...payload.poll });
    }
    default: {
      const media = await loadMedia(
        row.media ?? { url: null, mimeType: null, filename: null, size: null },
        limits,
      );
      const sendAs =
        row.type === "voice" || row.type === "sticker"
          ? row.type
          : row.type === "document" && !media.mimeType.startsWith("application/")
            ? "document"
            : "default";
      return driver.sendMedia({
        ...base,
        caption: row.content,
        media,
        ...(sendAs === "default" ? {} : { sendAs }),
      });
    }
  }
}
