import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { invalidateWebhookSubscriptions } from "@wagate/core";
import { deleteWebhook } from "../../domain/webhooks/webhooks.js";
import type { AppEnv } from "../../lib/context.js";
import { API_KEY_SECURITY, pickErrors } from "../../lib/openapi.js";
import { webhookIdParam } from "./schema.js";

const route = createRoute({
  method: "delete",
  path: "/{id}",
  tags: ["Webhooks"],
  summary: "Delete a webhook",
  description: "Deletes the webhook and its delivery history; pending deliveries are dropped.",
  security: API_KEY_SECURITY,
  request: { params: webhookIdParam },
  responses: {
    204: { description: "Deleted" },
    ...pickErrors(401, 403, 404, 429),
  },
});

export function registerDeleteWebhook(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const { id } = c.req.valid("param");
    const deps = c.get("deps");
    const { userId } = c.get("account");
    await deleteWebhook(deps.db, userId, id);
    await invalidateWebhookSubscriptions(deps.redis, deps.redisPrefix, userId, deps.logger);
    return c.body(null, 204);
  });
}
