import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { getApiKey } from "../../domain/api-keys/manage.js";
import type { AppEnv } from "../../lib/context.js";
import { ADMIN_SECURITY, pickErrors } from "../../lib/openapi.js";
import { apiKeyIdParams, apiKeySchema, toApiKey } from "./schema.js";

const route = createRoute({
  method: "get",
  path: "/{id}",
  tags: ["API keys"],
  summary: "Get an API key",
  description: "Never contains the raw key or its hash.",
  security: ADMIN_SECURITY,
  request: { params: apiKeyIdParams },
  responses: {
    200: { description: "The key", content: { "application/json": { schema: apiKeySchema } } },
    ...pickErrors(401, 404),
  },
});

export function registerGetApiKey(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const deps = c.get("deps");
    const row = await getApiKey(deps.db, c.req.valid("param").id);
    return c.json(toApiKey(row, deps.now()), 200);
  });
}
