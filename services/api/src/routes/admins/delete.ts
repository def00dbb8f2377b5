import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { deleteAdmin } from "../../domain/admins/manage.js";
import { auditActor } from "../../domain/audit.js";
import type { AppEnv } from "../../lib/context.js";
import { ADMIN_SECURITY, pickErrors } from "../../lib/openapi.js";
import { requireRole, WRITE_ROLES } from "../../middleware/admin-auth.js";
import { adminIdParams } from "./schema.js";

const route = createRoute({
  method: "delete",
  path: "/{id}",
  tags: ["Admins"],
  summary: "Delete an admin",
  description:
    "Soft delete: the admin can no longer log in and its sessions end at once. Only an owner may delete an owner; the last active owner cannot be deleted (409).",
  security: ADMIN_SECURITY,
  middleware: [requireRole(...WRITE_ROLES)] as const,
  request: { params: adminIdParams },
  responses: {
    204: { description: "Deleted" },
    ...pickErrors(401, 403, 404, 409),
  },
});

export function registerDeleteAdmin(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    await deleteAdmin(c.get("deps"), c.req.valid("param").id, {
      principal: c.get("admin"),
      actor: auditActor(c),
    });
    return c.body(null, 204);
  });
}
