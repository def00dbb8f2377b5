import type { MediaKind, MessageType } from "@wagate/contracts";
import { InvalidFieldError } from "../errors.js";
import { normalizePhone } from "../phone/normalize.js";
import type { PreparedMedia } from "./media.js";

/** A WhatsApp group id (`<digits>@g.us`, older groups `<creator>-<time>@g.us`). */
export const GROUP_JID_PATTERN = /^[0-9]{5,30}(-[0-9]{5,20})?@g\.us$/;
export const isGroupJid = (to: string) => GROUP_JID_PATTERN.test(to);

const field = (path: string, message: string) => new InvalidFieldError(path, message);

/** Largest inline file per kind, bytes (WhatsApp's limits; documents share the 16 MiB cap). */
export const MEDIA_KIND_MAX_BYTES: Record<MediaKind, number> = {
  image: 5 * 1024 * 1024,
  sticker: 1024 * 1024,
  video: 16 * 1024 * 1024,
  audio: 16 * 1024 * 1024,
  voice: 16 * 1024 * 1024,
  document: 16 * 1024 * 1024,
};

/** The MIME families each `as` accepts (`document` takes any accepted type). */
const KIND_FAMILY: Record<MediaKind, (mime: string) => boolean> = {
  image: (m) => m.startsWith("image/"),
  sticker: (m) => m.startsWith("image/"),
  video: (m) => m.startsWith("video/"),
  audio: (m) => m.startsWith("audio/"),
  voice: (m) => m.startsWith("audio/"),
  document: () => true,
};

/**
 * The message type of a media send: the explicit `as`, checked against the MIME type
 * (when known) and the per-kind size limit (inline files), else the type from the MIME type
 * or extension. `voice` becomes a voice note (push-to-talk); `sticker` needs an image.
 */
export function mediaTypeFor(prepared: PreparedMedia, as: MediaKind | undefined): MessageType {
  const mime = prepared.media.mimeType;
  const kind: MediaKind | undefined =
    as ?? (prepared.type === "other" ? undefined : (prepared.type as MediaKind));
  if (!as) {
    const size = prepared.media.size;
    if (kind && size !== null && size > MEDIA_KIND_MAX_BYTES[kind]) {
      throw field(
        "media",
        `is ${size} bytes; the limit for ${kind} is ${MEDIA_KIND_MAX_BYTES[kind]}`,
      );
    }
    return prepared.type;
  }
  if (mime && !KIND_FAMILY[as](mime)) {
    throw field("as", `${as} cannot be sent from ${mime}`);
  }
  if (!mime && as !== "document" && prepared.type !== as) {
    // A URL without a declared type: the extension must agree (voice ⇐ audio, sticker ⇐ image).
    const family = as === "voice" ? "audio" : as === "sticker" ? "image" : as;
    if (prepared.type !== family) {
      throw field("as", `${as} needs media.mime_type (or a matching file extension)`);
    }
  }
  const size = prepared.media.size;
  if (size !== null && size > MEDIA_KIND_MAX_BYTES[as]) {
    throw field("media", `is ${size} bytes; the limit for ${as} is ${MEDIA_KIND_MAX_BYTES[as]}`);
  }
  return as;
}

/** Mentioned phones in E.164 (each must be a valid number), deduplicated, in order. */
export function normalizeMentions(mentions: string[] | undefined): string[] | undefined {
  if (!mentions?.length) return undefined;
  const out: string[] = [];
  mentions.forEach((value, i) => {
    const normalized = normalizePhone(value);
    if (!normalized.ok) throw field(`mentions.${i}`, normalized.reason);
    if (!out.includes(normalized.e164)) out.push(normalized.e164);
  });
  return out;
}

/** Phones on a shared contact card, each in E.164. */
export function normalizeCardPhones(phones: string[], path: string): string[] {
  return phones.map((value, i) => {
    const normalized = normalizePhone(value);
    if (!normalized.ok) throw field(`${path}.${i}`, normalized.reason);
    return normalized.e164;
  });
}

/** Poll options must be distinct (WhatsApp refuses duplicates). */
export function checkPollOptions(options: string[]): string[] {
  const trimmed = options.map((o) => o.trim());
  trimmed.forEach((o, i) => {
    if (!o) throw field(`options.${i}`, "is empty");
    if (trimmed.indexOf(o) !== i) throw field(`options.${i}`, "repeats an earlier option");
  });
  return trimmed;
}
