import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { queuesOverview } from "../../domain/admin/queues.js";
import type { AppEnv } from "../../lib/context.js";
import { ADMIN_SECURITY, pickErrors } from "../../lib/openapi.js";
import { queuesOverviewSchema } from "./schema.js";

const route = createRoute({
  method: "get",
  path: "/queues",
  tags: ["Admin views"],
  summary: "Queue depth",
  description:
    "Any admin role. Job counts (BullMQ) of every session's send queue, added up in `send` and listed per queue when not empty, and of the webhooks queue, each with the age of its oldest waiting job.",
  security: ADMIN_SECURITY,
  responses: {
    200: {
      description: "Queue depth",
      content: { "application/json": { schema: queuesOverviewSchema } },
    },
    ...pickErrors(401, 503),
  },
});

export function registerAdminQueues(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    c.header("Cache-Control", "no-store");
    return c.json(await queuesOverview(c.get("deps")), 200);
  });
}
