import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { createAdmin } from "../../domain/admins/manage.js";
import { auditActor } from "../../domain/audit.js";
import { passwordCostOf } from "../../domain/auth/passwords.js";
import type { AppEnv } from "../../lib/context.js";
import { ADMIN_SECURITY, pickErrors } from "../../lib/openapi.js";
import { requireRole, WRITE_ROLES } from "../../middleware/admin-auth.js";
import { adminSchema, createAdminBody, toAdmin } from "./schema.js";

const route = createRoute({
  method: "post",
  path: "/",
  tags: ["Admins"],
  summary: "Create an admin",
  description:
    "Owners and admins only; only an owner may create an owner. The password needs at least 10 characters and is stored as an argon2id hash. Duplicate email → 409.",
  security: ADMIN_SECURITY,
  middleware: [requireRole(...WRITE_ROLES)] as const,
  request: {
    body: { content: { "application/json": { schema: createAdminBody } }, required: true },
  },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: adminSchema } } },
    ...pickErrors(400, 401, 403, 409, 422),
  },
});

export function registerCreateAdmin(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const deps = c.get("deps");
    const row = await createAdmin(
      deps.db,
      { email: body.email, password: body.password, role: body.role, phone: body.phone ?? null },
      { principal: c.get("admin"), actor: auditActor(c) },
      passwordCostOf(deps.env),
    );
    return c.json(toAdmin(row, deps.now()), 201);
  });
}
