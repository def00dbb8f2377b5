import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { listLoginHistory } from "../../domain/analytics/index.js";
import type { AppEnv } from "../../lib/context.js";
import { ADMIN_SECURITY, pickErrors } from "../../lib/openapi.js";
import { decodeCursor, page } from "../../lib/pagination.js";
import { loginAttemptListSchema, loginHistoryQuery, toLoginAttempt } from "./schema.js";

const route = createRoute({
  method: "get",
  path: "/login-history",
  tags: ["Analytics"],
  summary: "Admin login attempts",
  description: "Every admin login attempt (successful or not), newest first.",
  security: ADMIN_SECURITY,
  request: { query: loginHistoryQuery },
  responses: {
    200: {
      description: "Login attempts",
      content: { "application/json": { schema: loginAttemptListSchema } },
    },
    ...pickErrors(400, 401),
  },
});

export function registerLoginHistory(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const query = c.req.valid("query");
    const rows = await listLoginHistory(c.get("deps").db, {
      adminId: query.admin_id,
      success: query.success === undefined ? undefined : query.success === "true",
      since: query.since ? new Date(query.since) : undefined,
      limit: query.limit,
      beforeId: decodeCursor(query.cursor),
    });
    const result = page(rows, query.limit);
    return c.json({ data: result.data.map(toLoginAttempt), next_cursor: result.next_cursor }, 200);
  });
}
