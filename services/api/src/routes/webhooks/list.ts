import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { listWebhooks } from "../../domain/webhooks/webhooks.js";
import type { AppEnv } from "../../lib/context.js";
import { API_KEY_SECURITY, paginationQuery, pickErrors } from "../../lib/openapi.js";
import { decodeCursor, page } from "../../lib/pagination.js";
import { toWebhook, webhookListSchema } from "./schema.js";

const route = createRoute({
  method: "get",
  path: "/",
  tags: ["Webhooks"],
  summary: "List webhooks",
  description: "The account's webhooks, newest first. Secrets are never shown here.",
  security: API_KEY_SECURITY,
  request: { query: paginationQuery },
  responses: {
    200: {
      description: "Webhooks",
      content: { "application/json": { schema: webhookListSchema } },
    },
    ...pickErrors(400, 401, 403, 429),
  },
});

export function registerListWebhooks(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const query = c.req.valid("query");
    const rows = await listWebhooks(c.get("deps").db, {
      userId: c.get("account").userId,
      limit: query.limit,
      beforeId: decodeCursor(query.cursor),
    });
    const result = page(rows, query.limit);
    return c.json({ data: result.data.map(toWebhook), next_cursor: result.next_cursor }, 200);
  });
}
