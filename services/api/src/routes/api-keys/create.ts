import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { createApiKey } from "../../domain/api-keys/manage.js";
import { auditActor } from "../../domain/audit.js";
import type { AppEnv } from "../../lib/context.js";
import { ADMIN_SECURITY, pickErrors } from "../../lib/openapi.js";
import { requireRole, WRITE_ROLES } from "../../middleware/admin-auth.js";
import { createApiKeyBody, createdApiKeySchema, toApiKey } from "./schema.js";

const route = createRoute({
  method: "post",
  path: "/",
  tags: ["API keys"],
  summary: "Create an API key",
  description:
    "Owners and admins. The answer carries the raw `key` once; only its keyed hash is stored. An unknown account or a past `expires_at` → 422 `validation_failed`.",
  security: ADMIN_SECURITY,
  middleware: [requireRole(...WRITE_ROLES)] as const,
  request: {
    body: { content: { "application/json": { schema: createApiKeyBody } }, required: true },
  },
  responses: {
    201: {
      description: "Created, with the raw key",
      content: { "application/json": { schema: createdApiKeySchema } },
    },
    ...pickErrors(400, 401, 403, 422),
  },
});

export function registerCreateApiKey(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const deps = c.get("deps");
    const { row, rawKey } = await createApiKey(
      deps,
      {
        userId: body.user_id,
        name: body.name,
        mode: body.mode,
        expiresAt: body.expires_at ? new Date(body.expires_at) : null,
        scopes: body.scopes,
      },
      auditActor(c),
    );
    c.header("Cache-Control", "no-store");
    return c.json({ ...toApiKey(row, deps.now()), key: rawKey }, 201);
  });
}
