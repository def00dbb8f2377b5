import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { auditActor } from "../../domain/audit.js";
import { updateUser } from "../../domain/users/manage.js";
import type { AppEnv } from "../../lib/context.js";
import { ADMIN_SECURITY, pickErrors } from "../../lib/openapi.js";
import { requireRole, WRITE_ROLES } from "../../middleware/admin-auth.js";
import { toUser, userIdParams, userSchema } from "./schema.js";

const activationRoute = (verb: "activate" | "deactivate") =>
  createRoute({
    method: "post",
    path: `/{id}/${verb}`,
    tags: ["Accounts"],
    summary: verb === "activate" ? "Activate an account" : "Deactivate an account",
    description:
      verb === "activate"
        ? "Owners and admins. The account's (unrevoked, unexpired) keys work again."
        : "Owners and admins. The account's keys answer 401 from now on, until it is activated.",
    security: ADMIN_SECURITY,
    middleware: [requireRole(...WRITE_ROLES)] as const,
    request: { params: userIdParams },
    responses: {
      200: { description: "The account", content: { "application/json": { schema: userSchema } } },
      ...pickErrors(401, 403, 404),
    },
  });

/** `POST /users/{id}/activate` and `/deactivate`. */
export function registerUserActivation(router: OpenAPIHono<AppEnv>) {
  for (const verb of ["activate", "deactivate"] as const) {
    router.openapi(activationRoute(verb), async (c) => {
      const row = await updateUser(
        c.get("deps"),
        c.req.valid("param").id,
        { is_active: verb === "activate" },
        auditActor(c),
        `user.${verb}`,
      );
      return c.json(toUser(row), 200);
    });
  }
}
