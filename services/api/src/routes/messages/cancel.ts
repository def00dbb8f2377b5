import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { cancelMessage } from "../../domain/messages/cancel.js";
import type { AppEnv } from "../../lib/context.js";
import { API_KEY_SECURITY, pickErrors } from "../../lib/openapi.js";
import { requireAccount } from "../../middleware/account-auth.js";
import { messageIdParam, messageSchema } from "./schema.js";

const route = createRoute({
  method: "delete",
  path: "/{id}",
  tags: ["Messages"],
  summary: "Cancel a queued or scheduled message",
  description:
    "Scope `messages:send`. While the message is `queued` or `scheduled`: 200 with `status: cancelled`, its quota unit given back and a `message.status` webhook. Once the worker has taken it (`sending` or later) → 409 `conflict`.",
  security: API_KEY_SECURITY,
  middleware: [requireAccount("messages:send")] as const,
  request: { params: messageIdParam },
  responses: {
    200: { description: "Cancelled", content: { "application/json": { schema: messageSchema } } },
    ...pickErrors(401, 403, 404, 409, 429),
  },
});

export function registerCancelMessage(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const wire = await cancelMessage(c.get("deps"), c.get("account"), c.req.valid("param").id);
    return c.json(wire, 200);
  });
}
