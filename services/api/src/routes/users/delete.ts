import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { auditActor } from "../../domain/audit.js";
import { deleteUser } from "../../domain/users/manage.js";
import type { AppEnv } from "../../lib/context.js";
import { ADMIN_SECURITY, pickErrors } from "../../lib/openapi.js";
import { requireRole, WRITE_ROLES } from "../../middleware/admin-auth.js";
import { userIdParams } from "./schema.js";

const route = createRoute({
  method: "delete",
  path: "/{id}",
  tags: ["Accounts"],
  summary: "Delete an account",
  description:
    "Owners and admins. Soft delete: the account disappears from the API, its keys are revoked and answer 401 at once, and its email may be reused.",
  security: ADMIN_SECURITY,
  middleware: [requireRole(...WRITE_ROLES)] as const,
  request: { params: userIdParams },
  responses: {
    204: { description: "Deleted" },
    ...pickErrors(401, 403, 404),
  },
});

export function registerDeleteUser(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    await deleteUser(c.get("deps"), c.req.valid("param").id, auditActor(c));
    return c.body(null, 204);
  });
}
