import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { toMessageWire } from "@wagate/core";
import { getMessage } from "../../domain/messages/query.js";
import type { AppEnv } from "../../lib/context.js";
import { API_KEY_SECURITY, pickErrors } from "../../lib/openapi.js";
import { requireAccount } from "../../middleware/account-auth.js";
import { messageIdParam, messageSchema } from "./schema.js";

const route = createRoute({
  method: "get",
  path: "/{id}",
  tags: ["Messages"],
  summary: "One message",
  description:
    "Scope `messages:read`. Another account's message (or one of the other key mode) is 404 `not_found`.",
  security: API_KEY_SECURITY,
  middleware: [requireAccount("messages:read")] as const,
  request: { params: messageIdParam },
  responses: {
    200: { description: "The message", content: { "application/json": { schema: messageSchema } } },
    ...pickErrors(401, 403, 404, 429),
  },
});

export function registerGetMessage(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const { row, session } = await getMessage(
      c.get("deps").db,
      c.get("account"),
      c.req.valid("param").id,
    );
    return c.json(toMessageWire(row, session), 200);
  });
}
