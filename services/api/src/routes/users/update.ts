import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { auditActor } from "../../domain/audit.js";
import { updateUser } from "../../domain/users/manage.js";
import type { AppEnv } from "../../lib/context.js";
import { ADMIN_SECURITY, pickErrors } from "../../lib/openapi.js";
import { requireRole, WRITE_ROLES } from "../../middleware/admin-auth.js";
import { toUser, updateUserBody, userIdParams, userSchema } from "./schema.js";

const route = createRoute({
  method: "patch",
  path: "/{id}",
  tags: ["Accounts"],
  summary: "Update an account",
  description:
    "Owners and admins. Any editable field; limit and activation changes apply to the account's keys at once.",
  security: ADMIN_SECURITY,
  middleware: [requireRole(...WRITE_ROLES)] as const,
  request: {
    params: userIdParams,
    body: { content: { "application/json": { schema: updateUserBody } }, required: true },
  },
  responses: {
    200: { description: "Updated", content: { "application/json": { schema: userSchema } } },
    ...pickErrors(400, 401, 403, 404, 409, 422),
  },
});

export function registerUpdateUser(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const row = await updateUser(
      c.get("deps"),
      c.req.valid("param").id,
      c.req.valid("json"),
      auditActor(c),
    );
    return c.json(toUser(row), 200);
  });
}
