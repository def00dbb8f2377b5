import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { QUEUES } from "@wagate/contracts";
import { retryDelivery } from "../../domain/webhooks/deliveries.js";
import type { AppEnv } from "../../lib/context.js";
import { API_KEY_SECURITY, pickErrors } from "../../lib/openapi.js";
import { queueFor } from "../../lib/queues.js";
import { deliveryIdParam, retryAnswerSchema } from "./schema.js";

const route = createRoute({
  method: "post",
  path: "/{id}/deliveries/{delivery_id}/retry",
  tags: ["Webhooks"],
  summary: "Redeliver",
  description:
    "Delivers again now with the same `webhook-id`. A pending delivery runs its next attempt at once; a failed or succeeded one gets one new attempt.",
  security: API_KEY_SECURITY,
  request: { params: deliveryIdParam },
  responses: {
    202: {
      description: "Queued for delivery",
      content: { "application/json": { schema: retryAnswerSchema } },
    },
    ...pickErrors(401, 403, 404, 409, 429, 503),
  },
});

export function registerRetryDelivery(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const params = c.req.valid("param");
    const deps = c.get("deps");
    const delivery = await retryDelivery(deps.db, queueFor(deps, QUEUES.webhooks), {
      userId: c.get("account").userId,
      webhookId: params.id,
      deliveryId: params.delivery_id,
      now: deps.now(),
    });
    return c.json({ id: delivery.id, status: delivery.status }, 202);
  });
}
