import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { auditActor, recordAdminAudit } from "../../domain/audit.js";
import { createPhonePrefix } from "../../domain/phone/prefixes.js";
import type { AppEnv } from "../../lib/context.js";
import { ADMIN_SECURITY, pickErrors } from "../../lib/openapi.js";
import { requireRole, WRITE_ROLES } from "../../middleware/admin-auth.js";
import { createPhonePrefixBody, phonePrefixSchema, toPhonePrefix } from "./schema.js";

const route = createRoute({
  method: "post",
  path: "/",
  tags: ["Phone prefixes"],
  summary: "Add a phone prefix rule",
  description:
    "Owner/admin only. A prefix already present is 409 `conflict`. Applies to sends within seconds.",
  security: ADMIN_SECURITY,
  middleware: [requireRole(...WRITE_ROLES)] as const,
  request: {
    body: { content: { "application/json": { schema: createPhonePrefixBody } }, required: true },
  },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: phonePrefixSchema } } },
    ...pickErrors(400, 401, 403, 409, 422),
  },
});

export function registerCreatePhonePrefix(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const deps = c.get("deps");
    const row = await createPhonePrefix(deps.db, body);
    const wire = toPhonePrefix(row);
    await recordAdminAudit(deps.db, auditActor(c), {
      action: "phone_prefix.create",
      targetType: "phone_prefix",
      targetId: row.id,
      after: wire,
    });
    return c.json(wire, 201);
  });
}
