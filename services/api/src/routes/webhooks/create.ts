import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { invalidateWebhookSubscriptions } from "@wagate/core";
import { createWebhook } from "../../domain/webhooks/webhooks.js";
import type { AppEnv } from "../../lib/context.js";
import { API_KEY_SECURITY, pickErrors } from "../../lib/openapi.js";
import { createdWebhookSchema, createWebhookBody, toWebhook } from "./schema.js";

const route = createRoute({
  method: "post",
  path: "/",
  tags: ["Webhooks"],
  summary: "Register a webhook",
  description:
    "Registers a URL for events. The answer carries the signing `secret` once; deliveries follow Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`).",
  security: API_KEY_SECURITY,
  request: {
    body: { content: { "application/json": { schema: createWebhookBody } }, required: true },
  },
  responses: {
    201: {
      description: "Created, with the secret",
      content: { "application/json": { schema: createdWebhookSchema } },
    },
    ...pickErrors(400, 401, 403, 409, 422, 429),
  },
});

export function registerCreateWebhook(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const deps = c.get("deps");
    const row = await createWebhook(deps.db, {
      userId: c.get("account").userId,
      url: body.url,
      events: body.events,
      description: body.description ?? null,
      allowPrivate: deps.env.WEBHOOK_ALLOW_PRIVATE,
      now: deps.now(),
    });
    await invalidateWebhookSubscriptions(deps.redis, deps.redisPrefix, row.userId, deps.logger);
    return c.json({ ...toWebhook(row), secret: row.secret }, 201);
  });
}
