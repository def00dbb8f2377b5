import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { revokeApiKey } from "../../domain/api-keys/manage.js";
import { auditActor } from "../../domain/audit.js";
import type { AppEnv } from "../../lib/context.js";
import { ADMIN_SECURITY, pickErrors } from "../../lib/openapi.js";
import { requireRole, WRITE_ROLES } from "../../middleware/admin-auth.js";
import { apiKeyIdParams } from "./schema.js";

const route = createRoute({
  method: "delete",
  path: "/{id}",
  tags: ["API keys"],
  summary: "Revoke an API key",
  description:
    "Owners and admins. Sets `revoked_at`; the key answers 401 from then on, on every replica. Revoking a revoked key is a no-op (204).",
  security: ADMIN_SECURITY,
  middleware: [requireRole(...WRITE_ROLES)] as const,
  request: { params: apiKeyIdParams },
  responses: {
    204: { description: "Revoked" },
    ...pickErrors(401, 403, 404),
  },
});

export function registerRevokeApiKey(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    await revokeApiKey(c.get("deps"), c.req.valid("param").id, auditActor(c));
    return c.body(null, 204);
  });
}
