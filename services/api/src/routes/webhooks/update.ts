import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { invalidateWebhookSubscriptions } from "@wagate/core";
import { updateWebhook } from "../../domain/webhooks/webhooks.js";
import type { AppEnv } from "../../lib/context.js";
import { API_KEY_SECURITY, pickErrors } from "../../lib/openapi.js";
import { toWebhook, updateWebhookBody, webhookIdParam, webhookSchema } from "./schema.js";

const route = createRoute({
  method: "patch",
  path: "/{id}",
  tags: ["Webhooks"],
  summary: "Update a webhook",
  description:
    "Changes the URL (vetted like on create), events, description, or `is_active`. The secret stays the same.",
  security: API_KEY_SECURITY,
  request: {
    params: webhookIdParam,
    body: { content: { "application/json": { schema: updateWebhookBody } }, required: true },
  },
  responses: {
    200: { description: "The webhook", content: { "application/json": { schema: webhookSchema } } },
    ...pickErrors(400, 401, 403, 404, 422, 429),
  },
});

export function registerUpdateWebhook(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const deps = c.get("deps");
    const row = await updateWebhook(deps.db, {
      userId: c.get("account").userId,
      id,
      url: body.url,
      events: body.events,
      description: body.description,
      isActive: body.is_active,
      allowPrivate: deps.env.WEBHOOK_ALLOW_PRIVATE,
      now: deps.now(),
    });
    await invalidateWebhookSubscriptions(deps.redis, deps.redisPrefix, row.userId, deps.logger);
    return c.json(toWebhook(row), 200);
  });
}
