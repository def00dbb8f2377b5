import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { getUser, todayUsage } from "../../domain/users/manage.js";
import type { AppEnv } from "../../lib/context.js";
import { ADMIN_SECURITY, pickErrors } from "../../lib/openapi.js";
import { toUser, userIdParams, userWithUsageSchema } from "./schema.js";

const route = createRoute({
  method: "get",
  path: "/{id}",
  tags: ["Accounts"],
  summary: "Get an account with today's usage (live and test modes)",
  security: ADMIN_SECURITY,
  request: { params: userIdParams },
  responses: {
    200: {
      description: "The account",
      content: { "application/json": { schema: userWithUsageSchema } },
    },
    ...pickErrors(401, 404),
  },
});

export function registerGetUser(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const deps = c.get("deps");
    const row = await getUser(deps.db, c.req.valid("param").id);
    const usage = await todayUsage(deps, row);
    return c.json(
      {
        ...toUser(row),
        messages_today: usage.live.messagesToday,
        quota_remaining: usage.live.quotaRemaining,
        usage_today: {
          live: { messages: usage.live.messagesToday, quota_remaining: usage.live.quotaRemaining },
          test: { messages: usage.test.messagesToday, quota_remaining: usage.test.quotaRemaining },
        },
      },
      200,
    );
  });
}
