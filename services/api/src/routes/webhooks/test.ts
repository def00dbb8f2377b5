import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { QUEUES } from "@wagate/contracts";
import { sendTestEvent } from "../../domain/webhooks/test-event.js";
import type { AppEnv } from "../../lib/context.js";
import { API_KEY_SECURITY, pickErrors } from "../../lib/openapi.js";
import { queueFor } from "../../lib/queues.js";
import { webhookIdParam } from "./schema.js";

const testAnswerSchema = z
  .object({
    delivery_id: z
      .string()
      .openapi({ description: "The delivery to follow in GET /webhooks/{id}/deliveries" }),
  })
  .openapi("WebhookTest");

const route = createRoute({
  method: "post",
  path: "/{id}/test",
  tags: ["Webhooks"],
  summary: "Send a test event",
  description:
    'Posts one signed `webhook.test` event (`{type: "webhook.test", timestamp, data: {webhook_id, message}}`) to this webhook through the normal delivery path, whatever events it subscribes to; one attempt (retry it like any delivery). 409 when the webhook is disabled.',
  security: API_KEY_SECURITY,
  request: { params: webhookIdParam },
  responses: {
    202: {
      description: "Queued for delivery",
      content: { "application/json": { schema: testAnswerSchema } },
    },
    ...pickErrors(401, 403, 404, 409, 429, 503),
  },
});

export function registerTestWebhook(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const deps = c.get("deps");
    const deliveryId = await sendTestEvent(deps.db, queueFor(deps, QUEUES.webhooks), {
      userId: c.get("account").userId,
      webhookId: c.req.valid("param").id,
      now: deps.now(),
    });
    return c.json({ delivery_id: deliveryId }, 202);
  });
}
