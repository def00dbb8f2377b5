import { createRoute, z } from "@hono/zod-openapi";
import { markChatRead, setChatPresence } from "../../domain/messages/chats.js";
import { API_KEY_SECURITY, createRouter, pickErrors } from "../../lib/openapi.js";
import { requireAccount } from "../../middleware/account-auth.js";
import { requestedSession, sessionQuery } from "../sessions/schema.js";

const chatParam = z.object({
  chat: z.string().openapi({
    param: { name: "chat", in: "path" },
    example: "+213661234567",
    description: "A phone (international form, `+` URL-encoded) or a group id `…@g.us`",
  }),
});

const NOTE =
  "Scope `messages:send`. The chat must be one this account has messages with in the key's mode (else 404 `not_found`). Done live by the session's worker (`?session=`, default `default`): the session must be `ready` (else 409 `details.reason: session_not_ready`); no worker answering → 503 `Retry-After`.";

const readRoute = createRoute({
  method: "post",
  path: "/{chat}/read",
  tags: ["Chats"],
  summary: "Mark a chat as read",
  description: `Sends "seen" for the chat's messages (blue ticks on the other side). ${NOTE}`,
  security: API_KEY_SECURITY,
  middleware: [requireAccount("messages:send")] as const,
  request: { params: chatParam, query: sessionQuery },
  responses: {
    200: {
      description: "Marked read",
      content: {
        "application/json": { schema: z.object({ chat: z.string(), read: z.boolean() }) },
      },
    },
    ...pickErrors(400, 401, 403, 404, 409, 422, 429, 503),
  },
});

const presenceRoute = createRoute({
  method: "post",
  path: "/{chat}/presence",
  tags: ["Chats"],
  summary: "Show typing or recording",
  description: `\`typing\` or \`recording\` shows for a few seconds on the other side (repeat to keep it); \`paused\` clears it. ${NOTE}`,
  security: API_KEY_SECURITY,
  middleware: [requireAccount("messages:send")] as const,
  request: {
    params: chatParam,
    query: sessionQuery,
    body: {
      content: {
        "application/json": {
          schema: z
            .object({ state: z.enum(["typing", "recording", "paused"]) })
            .openapi("ChatPresence"),
        },
      },
      required: true,
    },
  },
  responses: {
    200: {
      description: "Presence shown",
      content: {
        "application/json": {
          schema: z.object({
            chat: z.string(),
            state: z.enum(["typing", "recording", "paused"]),
          }),
        },
      },
    },
    ...pickErrors(400, 401, 403, 404, 409, 422, 429, 503),
  },
});

/** `/api/v1/chats/*` (issue 12): read receipts and presence, through the owning worker. */
export function chatsRouter() {
  const router = createRouter();
  router.openapi(readRoute, async (c) => {
    const result = await markChatRead(
      c.get("deps"),
      c.get("account"),
      requestedSession(c.req.valid("query")),
      c.req.valid("param").chat,
    );
    return c.json(result, 200);
  });
  router.openapi(presenceRoute, async (c) => {
    const result = await setChatPresence(
      c.get("deps"),
      c.get("account"),
      requestedSession(c.req.valid("query")),
      c.req.valid("param").chat,
      c.req.valid("json").state,
    );
    return c.json(result, 200);
  });
  return router;
}
