import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { listAllSessions } from "../../domain/admin/sessions.js";
import type { AppEnv } from "../../lib/context.js";
import { ADMIN_SECURITY, pickErrors } from "../../lib/openapi.js";
import { decodeCursor, page } from "../../lib/pagination.js";
import { adminSessionListSchema, adminSessionsQuery, toAdminSession } from "./schema.js";

const route = createRoute({
  method: "get",
  path: "/sessions",
  tags: ["Admin views"],
  summary: "Every account's sessions",
  description:
    "Any admin role. Newest first, both key modes, with the owning worker and last activity. Filters `user_id`, `status`.",
  security: ADMIN_SECURITY,
  request: { query: adminSessionsQuery },
  responses: {
    200: {
      description: "Sessions",
      content: { "application/json": { schema: adminSessionListSchema } },
    },
    ...pickErrors(400, 401),
  },
});

export function registerAdminSessions(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const query = c.req.valid("query");
    const rows = await listAllSessions(c.get("deps").db, {
      userId: query.user_id,
      status: query.status,
      before: decodeCursor(query.cursor),
      limit: query.limit,
    });
    return c.json(
      page(
        rows.map((r) => toAdminSession(r.session, r.userName)),
        query.limit,
      ),
      200,
    );
  });
}
