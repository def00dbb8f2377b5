import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { getAdmin } from "../../domain/admins/manage.js";
import type { AppEnv } from "../../lib/context.js";
import { unauthorized } from "../../lib/errors.js";
import { ADMIN_SECURITY, pickErrors } from "../../lib/openapi.js";
import { iso } from "../../lib/time.js";
import { requireAdmin } from "../../middleware/admin-auth.js";
import { meSchema } from "./schema.js";

const route = createRoute({
  method: "get",
  path: "/me",
  tags: ["Admin auth"],
  summary: "The logged-in admin",
  security: ADMIN_SECURITY,
  middleware: [requireAdmin()] as const,
  responses: {
    200: { description: "The admin", content: { "application/json": { schema: meSchema } } },
    ...pickErrors(401),
  },
});

export function registerMe(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    // A token can outlive its admin only if Redis lost the token version: still 401.
    const admin = await getAdmin(c.get("deps").db, c.get("admin").id).catch(() => {
      throw unauthorized("this admin no longer exists");
    });
    return c.json(
      {
        id: admin.id,
        email: admin.email,
        role: admin.role,
        phone: admin.phone,
        is_active: admin.isActive,
        last_login_at: iso(admin.lastLoginAt),
        password_changed_at: iso(admin.passwordChangedAt),
        created_at: admin.createdAt.toISOString(),
      },
      200,
    );
  });
}
