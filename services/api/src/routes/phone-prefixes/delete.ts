import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { auditActor, recordAdminAudit } from "../../domain/audit.js";
import { deletePhonePrefix } from "../../domain/phone/prefixes.js";
import type { AppEnv } from "../../lib/context.js";
import { ADMIN_SECURITY, pickErrors } from "../../lib/openapi.js";
import { requireRole, WRITE_ROLES } from "../../middleware/admin-auth.js";
import { toPhonePrefix } from "./schema.js";

const route = createRoute({
  method: "delete",
  path: "/{id}",
  tags: ["Phone prefixes"],
  summary: "Remove a phone prefix rule",
  security: ADMIN_SECURITY,
  middleware: [requireRole(...WRITE_ROLES)] as const,
  request: { params: z.object({ id: z.string().openapi({ param: { name: "id", in: "path" } }) }) },
  responses: {
    204: { description: "Removed" },
    ...pickErrors(400, 401, 403, 404),
  },
});

export function registerDeletePhonePrefix(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const deps = c.get("deps");
    const row = await deletePhonePrefix(deps.db, c.req.valid("param").id);
    await recordAdminAudit(deps.db, auditActor(c), {
      action: "phone_prefix.delete",
      targetType: "phone_prefix",
      targetId: row.id,
      before: toPhonePrefix(row),
    });
    return c.body(null, 204);
  });
}
