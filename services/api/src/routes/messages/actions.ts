import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { editMessage, reactToMessage, revokeMessage } from "../../domain/messages/actions.js";
import type { AppEnv } from "../../lib/context.js";
import { API_KEY_SECURITY, pickErrors } from "../../lib/openapi.js";
import { requireAccount } from "../../middleware/account-auth.js";
import { messageIdParam, messageSchema } from "./schema.js";

const OWNER_NOTE =
  "The session's worker does it live: the session must be `ready` (else 409 `details.reason: session_not_ready`); no worker answering within 15 s → 503 with `Retry-After`. Another account's message (or one of the other key mode) is 404 `not_found`; a message not yet on WhatsApp → 409 `not_sent`, one deleted for everyone → 409 `revoked`; WhatsApp refusing → 409 `whatsapp_refused`.";

const reactionBody = z
  .object({
    emoji: z.string().max(32).openapi({
      example: "👍",
      description: "One emoji; an empty string removes this session's reaction",
    }),
  })
  .openapi("Reaction");
const editBody = z.object({ text: z.string().min(1).max(4096) }).openapi("EditMessage");

const ok = {
  200: {
    description: "The message after the change",
    content: { "application/json": { schema: messageSchema } },
  },
  ...pickErrors(400, 401, 403, 404, 409, 422, 429, 503),
};

const reactRoute = createRoute({
  method: "post",
  path: "/{id}/reaction",
  tags: ["Messages"],
  summary: "React to a message",
  description: `Scope \`messages:send\`. Puts this session's reaction on a message it sent or received (replacing its earlier one), or removes it with \`emoji: ""\`; the message's \`reactions\` show it and a \`message.reaction\` webhook (\`by_me: true\`) is sent. ${OWNER_NOTE}`,
  security: API_KEY_SECURITY,
  middleware: [requireAccount("messages:send")] as const,
  request: {
    params: messageIdParam,
    body: { content: { "application/json": { schema: reactionBody } }, required: true },
  },
  responses: ok,
});

const editRoute = createRoute({
  method: "patch",
  path: "/{id}",
  tags: ["Messages"],
  summary: "Edit a sent text",
  description: `Scope \`messages:send\`. Within 15 minutes of sending (WhatsApp's window; later → 409 \`edit_window_passed\`), a text this account sent. \`text\` keeps the original; each edit is appended to \`edits\`; a \`message.edited\` webhook is sent. ${OWNER_NOTE}`,
  security: API_KEY_SECURITY,
  middleware: [requireAccount("messages:send")] as const,
  request: {
    params: messageIdParam,
    body: { content: { "application/json": { schema: editBody } }, required: true },
  },
  responses: ok,
});

const revokeRoute = createRoute({
  method: "post",
  path: "/{id}/revoke",
  tags: ["Messages"],
  summary: "Delete a sent message for everyone",
  description: `Scope \`messages:send\`. Within about 2 days of sending (later → 409 \`revoke_window_passed\`). The message stays here with its content and \`revoked_at\`; a \`message.revoked\` webhook is sent. ${OWNER_NOTE}`,
  security: API_KEY_SECURITY,
  middleware: [requireAccount("messages:send")] as const,
  request: { params: messageIdParam },
  responses: ok,
});

export function registerMessageActions(router: OpenAPIHono<AppEnv>) {
  router.openapi(reactRoute, async (c) => {
    const wire = await reactToMessage(
      c.get("deps"),
      c.get("account"),
      c.req.valid("param").id,
      c.req.valid("json").emoji,
    );
    return c.json(wire, 200);
  });
  router.openapi(editRoute, async (c) => {
    const wire = await editMessage(
      c.get("deps"),
      c.get("account"),
      c.req.valid("param").id,
      c.req.valid("json").text,
    );
    return c.json(wire, 200);
  });
  router.openapi(revokeRoute, async (c) => {
    const wire = await revokeMessage(c.get("deps"), c.get("account"), c.req.valid("param").id);
    return c.json(wire, 200);
  });
}
