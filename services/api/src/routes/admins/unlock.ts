import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { unlockAdmin } from "../../domain/admins/manage.js";
import { auditActor } from "../../domain/audit.js";
import type { AppEnv } from "../../lib/context.js";
import { ADMIN_SECURITY, pickErrors } from "../../lib/openapi.js";
import { requireRole, WRITE_ROLES } from "../../middleware/admin-auth.js";
import { adminIdParams, adminSchema, toAdmin } from "./schema.js";

const route = createRoute({
  method: "post",
  path: "/{id}/unlock",
  tags: ["Admins"],
  summary: "Lift a login lock",
  description: "Owners and admins: ends a lock from failed logins and resets the failure count.",
  security: ADMIN_SECURITY,
  middleware: [requireRole(...WRITE_ROLES)] as const,
  request: { params: adminIdParams },
  responses: {
    200: { description: "Unlocked", content: { "application/json": { schema: adminSchema } } },
    ...pickErrors(401, 403, 404),
  },
});

export function registerUnlockAdmin(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const deps = c.get("deps");
    const row = await unlockAdmin(deps, c.req.valid("param").id, { actor: auditActor(c) });
    return c.json(toAdmin(row, deps.now()), 200);
  });
}
