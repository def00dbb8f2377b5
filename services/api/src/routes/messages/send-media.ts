import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { prepareMedia } from "../../domain/messages/media.js";
import { mediaTypeFor } from "../../domain/messages/rich.js";
import type { AppEnv } from "../../lib/context.js";
import { API_KEY_SECURITY, pickErrors } from "../../lib/openapi.js";
import { requireSender } from "../../middleware/account-auth.js";
import { requestedSession, sessionQuery } from "../sessions/schema.js";
import { idempotencyHeaders, messageSchema, sendMediaBody } from "./schema.js";
import { answerSend } from "./send.js";
import { SEND_DESCRIPTION } from "./send-text.js";

const route = createRoute({
  method: "post",
  path: "/send-media",
  tags: ["Messages"],
  summary: "Send an image, video, audio or document",
  description: `${SEND_DESCRIPTION} Media: \`{url}\` (http/https; a host resolving to a private, loopback or link-local address is refused unless WEBHOOK_ALLOW_PRIVATE; the worker downloads it when sending) or \`{base64, mime_type, filename?}\` (at most 16 MiB decoded, within the request body limit). Accepted types: JPEG, PNG, WebP, GIF, MP4, 3GPP, MPEG/OGG/AAC/MP4/AMR audio, PDF, Office documents, ZIP, plain text, CSV. \`as\` (image, video, audio, voice, document, sticker) overrides the kind: \`voice\` sends audio as a voice note, \`sticker\` an image as a sticker; a MIME type that does not fit the kind is 422 naming \`as\`. Inline size limits per kind: image 5 MiB, sticker 1 MiB, others 16 MiB.`,
  security: API_KEY_SECURITY,
  middleware: [requireSender()] as const,
  request: {
    query: sessionQuery,
    headers: idempotencyHeaders,
    body: { content: { "application/json": { schema: sendMediaBody } }, required: true },
  },
  responses: {
    202: {
      description: "Accepted (or replayed)",
      content: { "application/json": { schema: messageSchema } },
    },
    ...pickErrors(400, 401, 403, 404, 409, 422, 429, 503),
  },
});

export function registerSendMedia(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const prepared = await prepareMedia(body.media, {
      allowPrivate: c.get("deps").env.WEBHOOK_ALLOW_PRIVATE,
    });
    const wire = await answerSend(c, {
      to: body.to,
      session: requestedSession(c.req.valid("query"), body),
      sendAt: body.send_at ? new Date(body.send_at) : undefined,
      replyTo: body.reply_to,
      type: mediaTypeFor(prepared, body.as),
      content: body.caption ?? null,
      media: prepared.media,
    });
    return c.json(wire, 202);
  });
}
