import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { auditActor } from "../../domain/audit.js";
import { changePassword } from "../../domain/auth/change-password.js";
import type { AppEnv } from "../../lib/context.js";
import { ADMIN_SECURITY, pickErrors } from "../../lib/openapi.js";
import { requireAdmin } from "../../middleware/admin-auth.js";
import { changePasswordBody } from "./schema.js";

const route = createRoute({
  method: "post",
  path: "/change-password",
  tags: ["Admin auth"],
  summary: "Change your own password",
  description:
    "Checks `current_password` (422 when wrong). The new password needs at least 10 characters. All of the admin's refresh tokens are revoked and access tokens issued before the change are refused: every session, this one included, logs in again. Allowed for every role, viewers included.",
  security: ADMIN_SECURITY,
  middleware: [requireAdmin()] as const,
  request: {
    body: { content: { "application/json": { schema: changePasswordBody } }, required: true },
  },
  responses: {
    204: { description: "Changed" },
    ...pickErrors(400, 401, 422),
  },
});

export function registerChangePassword(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const body = c.req.valid("json");
    await changePassword(c.get("deps"), {
      adminId: c.get("admin").id,
      currentPassword: body.current_password,
      newPassword: body.new_password,
      actor: auditActor(c),
    });
    return c.body(null, 204);
  });
}
