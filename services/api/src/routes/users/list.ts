import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { listUsers } from "../../domain/users/manage.js";
import type { AppEnv } from "../../lib/context.js";
import { ADMIN_SECURITY, pickErrors } from "../../lib/openapi.js";
import { decodeCursor, page } from "../../lib/pagination.js";
import { listUsersQuery, toUser, userListSchema } from "./schema.js";

const route = createRoute({
  method: "get",
  path: "/",
  tags: ["Accounts"],
  summary: "List accounts",
  description: "Newest first. Filters: `search` (name/email/phone), `is_active`, `phone`.",
  security: ADMIN_SECURITY,
  request: { query: listUsersQuery },
  responses: {
    200: { description: "Accounts", content: { "application/json": { schema: userListSchema } } },
    ...pickErrors(400, 401),
  },
});

export function registerListUsers(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const query = c.req.valid("query");
    const rows = await listUsers(c.get("deps").db, {
      limit: query.limit,
      cursor: decodeCursor(query.cursor),
      search: query.search,
      isActive: query.is_active === undefined ? undefined : query.is_active === "true",
      phone: query.phone,
    });
    const result = page(rows, query.limit);
    return c.json({ data: result.data.map(toUser), next_cursor: result.next_cursor }, 200);
  });
}
