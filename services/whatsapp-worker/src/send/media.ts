import { SafeFetchError, safeFetch } from "@wagate/core";
import type { MessageMedia } from "@wagate/db";
import { SendError } from "../drivers/types.js";

/** MIME types WhatsApp accepts as media (images, video, audio, documents, stickers). */
const ALLOWED_TYPES = [
  "image/jpeg",
  "image/png",
  "image/webp",
  "image/gif",
  "video/mp4",
  "video/3gpp",
  "audio/mpeg",
  "audio/ogg",
  "audio/aac",
  "audio/mp4",
  "audio/amr",
  "application/pdf",
  "application/msword",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  "application/vnd.ms-excel",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  "application/vnd.ms-powerpoint",
  "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  "application/zip",
  "text/plain",
  "text/csv",
];

const baseType = (mime: string) => mime.split(";")[0]!.trim().toLowerCase();

export interface LoadedMedia {
  data: Buffer;
  mimeType: string;
  filename: string | null;
}

export interface MediaLimits {
  maxBytes: number;
  allowPrivate: boolean;
  timeoutMs?: number;
}

/**
 * The bytes of a message's media: the inline base64, or the URL fetched through the SSRF
 * guard (size and time capped, type checked). Refusals are permanent `SendError`s with a
 * stable code; a network failure fetching the URL is transient.
 */
export async function loadMedia(media: MessageMedia, limits: MediaLimits): Promise<LoadedMedia> {
  let data: Buffer;
  let mimeType = media.mimeType ? baseType(media.mimeType) : null;
  if (media.base64) {
    data = Buffer.from(media.base64, "base64");
  } else if (media.url) {
    try {
      const response = await safeFetch(media.url, {
        allowPrivate: limits.allowPrivate,
        maxBytes: limits.maxBytes,
        timeoutMs: limits.timeoutMs ?? 30_000,
        maxRedirects: 3,
        allowedContentTypes: ALLOWED_TYPES,
      });
      if (response.status < 200 || response.status >= 300) {
        const permanent = response.status >= 400 && response.status < 500;
        throw new SendError(
          "media_fetch_failed",
          `media URL answered ${response.status}`,
          permanent,
        );
      }
      data = response.body;
      mimeType = response.contentType ?? mimeType;
    } catch (error) {
      if (error instanceof SendError) throw error;
      if (error instanceof SafeFetchError) {
        if (error.code === "too_large") throw new SendError("media_too_large", error.message, true);
        if (error.code === "content_type_not_allowed")
          throw new SendError("media_type_not_allowed", error.message, true);
        const permanent = error.code === "url_invalid" || error.code === "address_not_allowed";
        throw new SendError("media_fetch_failed", error.message, permanent);
      }
      throw new SendError("media_fetch_failed", "media could not be fetched", false);
    }
  } else {
    throw new SendError("media_refused", "the message has no media", true);
  }
  if (data.length === 0) throw new SendError("media_refused", "the media is empty", true);
  if (data.length > limits.maxBytes) {
    throw new SendError("media_too_large", `media is larger than ${limits.maxBytes} bytes`, true);
  }
  if (!mimeType || !ALLOWED_TYPES.includes(mimeType)) {
    throw new SendError(
      "media_type_not_allowed",
      `media type ${mimeType ?? "unknown"} is not allowed`,
      true,
    );
  }
  return { data, mimeType, filename: media.filename ?? null };
}
