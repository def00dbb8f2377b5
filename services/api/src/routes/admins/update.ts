import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { updateAdmin } from "../../domain/admins/manage.js";
import { auditActor } from "../../domain/audit.js";
import type { AppEnv } from "../../lib/context.js";
import { ADMIN_SECURITY, pickErrors } from "../../lib/openapi.js";
import { requireRole, WRITE_ROLES } from "../../middleware/admin-auth.js";
import { adminIdParams, adminSchema, toAdmin, updateAdminBody } from "./schema.js";

const route = createRoute({
  method: "patch",
  path: "/{id}",
  tags: ["Admins"],
  summary: "Update an admin",
  description:
    "Owners and admins only; only an owner may modify an owner or grant `owner`. The last active owner cannot be demoted or deactivated (409). A new password, a role change or a deactivation ends the admin's sessions.",
  security: ADMIN_SECURITY,
  middleware: [requireRole(...WRITE_ROLES)] as const,
  request: {
    params: adminIdParams,
    body: { content: { "application/json": { schema: updateAdminBody } }, required: true },
  },
  responses: {
    200: { description: "Updated", content: { "application/json": { schema: adminSchema } } },
    ...pickErrors(400, 401, 403, 404, 409, 422),
  },
});

export function registerUpdateAdmin(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const deps = c.get("deps");
    const row = await updateAdmin(deps, c.req.valid("param").id, c.req.valid("json"), {
      principal: c.get("admin"),
      actor: auditActor(c),
    });
    return c.json(toAdmin(row, deps.now()), 200);
  });
}
