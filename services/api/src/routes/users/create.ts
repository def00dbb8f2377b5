import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { auditActor } from "../../domain/audit.js";
import { createUser } from "../../domain/users/manage.js";
import type { AppEnv } from "../../lib/context.js";
import { ADMIN_SECURITY, pickErrors } from "../../lib/openapi.js";
import { requireRole, WRITE_ROLES } from "../../middleware/admin-auth.js";
import { createUserBody, toUser, userSchema } from "./schema.js";

const route = createRoute({
  method: "post",
  path: "/",
  tags: ["Accounts"],
  summary: "Create an account",
  description: "Owners and admins. A second live account with the same email → 409 `conflict`.",
  security: ADMIN_SECURITY,
  middleware: [requireRole(...WRITE_ROLES)] as const,
  request: {
    body: { content: { "application/json": { schema: createUserBody } }, required: true },
  },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: userSchema } } },
    ...pickErrors(400, 401, 403, 409, 422),
  },
});

export function registerCreateUser(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const row = await createUser(c.get("deps").db, c.req.valid("json"), auditActor(c));
    return c.json(toUser(row), 201);
  });
}
