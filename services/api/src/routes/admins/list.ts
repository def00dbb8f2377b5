import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { listAdmins } from "../../domain/admins/manage.js";
import type { AppEnv } from "../../lib/context.js";
import { ADMIN_SECURITY, pickErrors } from "../../lib/openapi.js";
import { decodeCursor, page } from "../../lib/pagination.js";
import { adminListSchema, listAdminsQuery, toAdmin } from "./schema.js";

const route = createRoute({
  method: "get",
  path: "/",
  tags: ["Admins"],
  summary: "List admins",
  description: "Newest first; filter by `role`. Every role may read.",
  security: ADMIN_SECURITY,
  request: { query: listAdminsQuery },
  responses: {
    200: { description: "Admins", content: { "application/json": { schema: adminListSchema } } },
    ...pickErrors(400, 401),
  },
});

export function registerListAdmins(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const query = c.req.valid("query");
    const deps = c.get("deps");
    const rows = await listAdmins(deps.db, {
      limit: query.limit,
      cursor: decodeCursor(query.cursor),
      role: query.role,
    });
    const result = page(rows, query.limit);
    const now = deps.now();
    return c.json(
      { data: result.data.map((row) => toAdmin(row, now)), next_cursor: result.next_cursor },
      200,
    );
  });
}
