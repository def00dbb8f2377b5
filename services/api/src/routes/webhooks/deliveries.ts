import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { listDeliveries } from "../../domain/webhooks/deliveries.js";
import type { AppEnv } from "../../lib/context.js";
import { API_KEY_SECURITY, pickErrors } from "../../lib/openapi.js";
import { decodeCursor, page } from "../../lib/pagination.js";
import { deliveriesQuery, deliveryListSchema, toDelivery, webhookIdParam } from "./schema.js";

const route = createRoute({
  method: "get",
  path: "/{id}/deliveries",
  tags: ["Webhooks"],
  summary: "List a webhook's deliveries",
  description:
    "Deliveries newest first, each with its status, counters and every HTTP attempt (status code, error, duration, time).",
  security: API_KEY_SECURITY,
  request: { params: webhookIdParam, query: deliveriesQuery },
  responses: {
    200: {
      description: "Deliveries",
      content: { "application/json": { schema: deliveryListSchema } },
    },
    ...pickErrors(400, 401, 403, 404, 429),
  },
});

export function registerListDeliveries(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const { id } = c.req.valid("param");
    const query = c.req.valid("query");
    const rows = await listDeliveries(c.get("deps").db, {
      userId: c.get("account").userId,
      webhookId: id,
      status: query.status,
      limit: query.limit,
      beforeId: decodeCursor(query.cursor),
    });
    const result = page(rows, query.limit);
    return c.json({ data: result.data.map(toDelivery), next_cursor: result.next_cursor }, 200);
  });
}
