import { z } from "@hono/zod-openapi";
import {
  MEDIA_KINDS,
  MESSAGE_DIRECTIONS,
  MESSAGE_STATUSES,
  messageWireSchema,
} from "@wagate/contracts";
import { DEFAULT_SESSION_NAME, SESSION_NAME_PATTERN } from "../../domain/sessions/keys.js";
import { listSchema, paginationQuery } from "../../lib/openapi.js";

// Rebuilt with the OpenAPI-aware `z`: contract schemas are made before it extends zod.
export const messageSchema = z.object(messageWireSchema.shape).openapi("Message");
export const messageListSchema = listSchema(messageSchema, "MessageList");

export const to = z.string().min(1).max(40).openapi({
  example: "+213661234567",
  description:
    "A phone in international form (spaces and dashes tolerated), or a group id `…@g.us` (the phone prefix policy applies to phones only)",
});
export const session = z
  .string()
  .regex(SESSION_NAME_PATTERN, "not a valid session name")
  .optional()
  .openapi({
    example: DEFAULT_SESSION_NAME,
    description: `Session to send through; \`${DEFAULT_SESSION_NAME}\` when omitted`,
  });
export const sendAt = z.iso.datetime({ offset: true }).optional().openapi({
  example: "2030-01-01T09:00:00Z",
  description: "RFC 3339; in the future → `scheduled` until then (at most 30 days ahead)",
});

export const replyTo = z
  .string()
  .min(1)
  .max(200)
  .optional()
  .openapi({ description: "WhatsApp id of the message to quote" });

export const sendTextBody = z
  .object({
    to,
    text: z.string().min(1).max(4096),
    session,
    send_at: sendAt,
    reply_to: replyTo,
    mentions: z.array(z.string().min(1).max(40)).max(50).optional().openapi({
      description:
        "Phones mentioned in the text (international form); write `@<digits>` in the text where each shows",
    }),
  })
  .openapi("SendText");

export const mediaUrl = z
  .object({
    url: z.string().url().max(2048).openapi({ example: "https://example.com/invoice.pdf" }),
    mime_type: z.string().min(3).max(255).optional(),
    filename: z.string().min(1).max(255).optional(),
  })
  .strict();
export const mediaInline = z
  .object({
    base64: z
      .string()
      .min(1)
      .openapi({ description: "Base64 of the file (at most 16 MiB decoded)" }),
    mime_type: z.string().min(3).max(255).openapi({ example: "image/png" }),
    filename: z.string().min(1).max(255).optional(),
  })
  .strict();

export const sendMediaBody = z
  .object({
    to,
    media: z
      .union([mediaUrl, mediaInline])
      .openapi({ description: "`{url}` or `{base64, mime_type, filename?}`" }),
    caption: z.string().min(1).max(1024).optional(),
    as: z.enum(MEDIA_KINDS).optional().openapi({
      description:
        "How to send the file; default from the MIME type or extension. `voice` sends audio as a voice note, `sticker` an image as a sticker, `document` any file as a document",
    }),
    session,
    send_at: sendAt,
    reply_to: replyTo,
  })
  .openapi("SendMedia");

export const idempotencyHeaders = z.object({
  "idempotency-key": z.string().optional().openapi({
    description:
      "Same key + same body within 24 h answers with the first message (same id, `Idempotent-Replayed: true`) and sends once; same key + another body → 409",
  }),
});

const statusList = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (!v) return undefined;
    const values = v
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    for (const value of values) {
      if (!(MESSAGE_STATUSES as readonly string[]).includes(value)) {
        ctx.addIssue({ code: "custom", message: `unknown status ${value}` });
        return z.NEVER;
      }
    }
    return values as Array<(typeof MESSAGE_STATUSES)[number]>;
  })
  .openapi({
    type: "string",
    description: "One status or several, comma-separated",
    example: "queued,sent",
  });

export const listMessagesQuery = paginationQuery.extend({
  status: statusList,
  to: z
    .string()
    .max(40)
    .optional()
    .openapi({ description: "The other party (recipient, or sender of inbound)" }),
  direction: z.enum(MESSAGE_DIRECTIONS).optional(),
  since: z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ description: "Created at or after (RFC 3339)" }),
  until: z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ description: "Created before (RFC 3339)" }),
});

export const messageIdParam = z.object({
  id: z
    .string()
    .openapi({ param: { name: "id", in: "path" }, example: "msg_01J9Z8Q4X3M2N1P0R9S8T7V6W5" }),
});
