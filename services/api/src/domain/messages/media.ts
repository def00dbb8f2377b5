import type { MessageType } from "@wagate/contracts";
import { assertPublicUrl, SafeFetchError } from "@wagate/core";
import type { MessageMedia } from "@wagate/db";
import { InvalidFieldError } from "../errors.js";
import { withPrivateHint } from "../webhooks/webhooks.js";

/** Largest decoded inline (`base64`) media, bytes: WhatsApp's limit for most media types. */
export const MAX_INLINE_MEDIA_BYTES = 16 * 1024 * 1024;

/** MIME types accepted for media sends, and the message type each becomes. */
export const MEDIA_TYPES: Record<string, MessageType> = {
  "image/jpeg": "image",
  "image/png": "image",
  "image/webp": "image",
  "image/gif": "image",
  "video/mp4": "video",
  "video/3gpp": "video",
  "audio/mpeg": "audio",
  "audio/ogg": "audio",
  "audio/aac": "audio",
  "audio/mp4": "audio",
  "audio/amr": "audio",
  "application/pdf": "document",
  "application/msword": "document",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "document",
  "application/vnd.ms-excel": "document",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "document",
  "application/vnd.ms-powerpoint": "document",
  "application/vnd.openxmlformats-officedocument.presentationml.presentation": "document",
  "application/zip": "document",
  "text/plain": "document",
  "text/csv": "document",
};

const EXTENSION_TYPES: Record<string, MessageType> = {
  jpg: "image",
  jpeg: "image",
  png: "image",
  webp: "image",
  gif: "image",
  mp4: "video",
  "3gp": "video",
  mp3: "audio",
  ogg: "audio",
  opus: "audio",
  aac: "audio",
  m4a: "audio",
  amr: "audio",
};

export type MediaInput =
  | { url: string; mime_type?: string | undefined; filename?: string | undefined }
  | { base64: string; mime_type: string; filename?: string | undefined };

export interface PreparedMedia {
  type: MessageType;
  media: MessageMedia;
}

const field = (path: string, message: string) => new InvalidFieldError(path, message);

const mimeOf = (value: string) => value.split(";")[0]!.trim().toLowerCase();

function typeForMime(mime: string, path: string): MessageType {
  const type = MEDIA_TYPES[mime];
  if (!type) throw field(path, `${mime} is not an accepted media type`);
  return type;
}

/** Decoded size of a base64 string without decoding it (padding-aware). */
function base64Size(data: string): number {
  const padding = data.endsWith("==") ? 2 : data.endsWith("=") ? 1 : 0;
  return Math.floor((data.length * 3) / 4) - padding;
}

/**
 * Checks a media send at accept time. Inline media: valid base64, decoded size within
 * `MAX_INLINE_MEDIA_BYTES`, MIME type in `MEDIA_TYPES`. URL media: http(s) only, and its host
 * must resolve to public addresses unless `allowPrivate` (the worker fetches it later with
 * `safeFetch`, which checks again and enforces size and type). All failures are 422.
 */
export async function prepareMedia(
  input: MediaInput,
  options: { allowPrivate: boolean },
): Promise<PreparedMedia> {
  const filename = input.filename?.trim() ? input.filename.trim().slice(0, 255) : null;
  if ("base64" in input) {
    const data = input.base64.replace(/^data:[^,]*;base64,/, "").replace(/\s+/g, "");
    if (data.length === 0 || data.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(data)) {
      throw field("media.base64", "is not valid base64");
    }
    const size = base64Size(data);
    if (size > MAX_INLINE_MEDIA_BYTES) {
      throw field(
        "media.base64",
        `decodes to ${size} bytes; the limit is ${MAX_INLINE_MEDIA_BYTES}`,
      );
    }
    const mimeType = mimeOf(input.mime_type);
    const type = typeForMime(mimeType, "media.mime_type");
    return { type, media: { url: null, mimeType, filename, size, base64: data } };
  }
  try {
    await assertPublicUrl(input.url, { allowPrivate: options.allowPrivate });
  } catch (error) {
    if (error instanceof SafeFetchError) {
      throw field("media.url", `is refused: ${withPrivateHint(error)}`);
    }
    throw error;
  }
  const mimeType = input.mime_type ? mimeOf(input.mime_type) : null;
  let type: MessageType = "document";
  if (mimeType) {
    type = typeForMime(mimeType, "media.mime_type");
  } else {
    const name = filename ?? new URL(input.url).pathname;
    const extension = name.slice(name.lastIndexOf(".") + 1).toLowerCase();
    type = EXTENSION_TYPES[extension] ?? "document";
  }
  return { type, media: { url: input.url, mimeType, filename, size: null } };
}
