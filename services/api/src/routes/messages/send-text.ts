import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { normalizeMentions } from "../../domain/messages/rich.js";
import type { AppEnv } from "../../lib/context.js";
import { API_KEY_SECURITY, pickErrors } from "../../lib/openapi.js";
import { requireSender } from "../../middleware/account-auth.js";
import { requestedSession, sessionQuery } from "../sessions/schema.js";
import { idempotencyHeaders, messageSchema, sendTextBody } from "./schema.js";
import { answerSend } from "./send.js";

export const SEND_DESCRIPTION =
  "Scope `messages:send`. Accepted messages are stored, counted against the daily quota (`RateLimit-*` headers) and queued on the session; the session need not be `ready` — the message waits in its queue until it is. `to` must be a valid international number allowed by the phone prefix policy (422 `validation_failed` naming `to`); the session (body `session`, else `?session=`, else `default`) must exist in the key's mode (else 404 `not_found`). No quota left → 429 `quota_exceeded` with `Retry-After`. If the queue is unreachable → 503 `service_unavailable` and nothing is sent (the unit is given back).";

const route = createRoute({
  method: "post",
  path: "/send-text",
  tags: ["Messages"],
  summary: "Send a text message",
  description: SEND_DESCRIPTION,
  security: API_KEY_SECURITY,
  middleware: [requireSender()] as const,
  request: {
    query: sessionQuery,
    headers: idempotencyHeaders,
    body: { content: { "application/json": { schema: sendTextBody } }, required: true },
  },
  responses: {
    202: {
      description: "Accepted (or replayed)",
      content: { "application/json": { schema: messageSchema } },
    },
    ...pickErrors(400, 401, 403, 404, 409, 422, 429, 503),
  },
});

export function registerSendText(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const mentions = normalizeMentions(body.mentions);
    const wire = await answerSend(c, {
      to: body.to,
      session: requestedSession(c.req.valid("query"), body),
      sendAt: body.send_at ? new Date(body.send_at) : undefined,
      replyTo: body.reply_to,
      type: "text",
      content: body.text,
      media: null,
      payload: mentions ? { mentions } : null,
    });
    return c.json(wire, 202);
  });
}
