import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { getWebhook } from "../../domain/webhooks/webhooks.js";
import type { AppEnv } from "../../lib/context.js";
import { API_KEY_SECURITY, pickErrors } from "../../lib/openapi.js";
import { toWebhook, webhookIdParam, webhookSchema } from "./schema.js";

const route = createRoute({
  method: "get",
  path: "/{id}",
  tags: ["Webhooks"],
  summary: "Get a webhook",
  description: "One of the account's webhooks (without its secret).",
  security: API_KEY_SECURITY,
  request: { params: webhookIdParam },
  responses: {
    200: { description: "The webhook", content: { "application/json": { schema: webhookSchema } } },
    ...pickErrors(401, 403, 404, 429),
  },
});

export function registerGetWebhook(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const { id } = c.req.valid("param");
    const row = await getWebhook(c.get("deps").db, c.get("account").userId, id);
    return c.json(toWebhook(row), 200);
  });
}
