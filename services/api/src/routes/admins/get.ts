import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { getAdmin } from "../../domain/admins/manage.js";
import type { AppEnv } from "../../lib/context.js";
import { ADMIN_SECURITY, pickErrors } from "../../lib/openapi.js";
import { adminIdParams, adminSchema, toAdmin } from "./schema.js";

const route = createRoute({
  method: "get",
  path: "/{id}",
  tags: ["Admins"],
  summary: "Get an admin",
  security: ADMIN_SECURITY,
  request: { params: adminIdParams },
  responses: {
    200: { description: "The admin", content: { "application/json": { schema: adminSchema } } },
    ...pickErrors(401, 404),
  },
});

export function registerGetAdmin(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const deps = c.get("deps");
    const row = await getAdmin(deps.db, c.req.valid("param").id);
    return c.json(toAdmin(row, deps.now()), 200);
  });
}
