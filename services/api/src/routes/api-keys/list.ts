import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { listApiKeys } from "../../domain/api-keys/manage.js";
import type { AppEnv } from "../../lib/context.js";
import { ADMIN_SECURITY, pickErrors } from "../../lib/openapi.js";
import { decodeCursor, page } from "../../lib/pagination.js";
import { apiKeyListSchema, listApiKeysQuery, toApiKey } from "./schema.js";

const route = createRoute({
  method: "get",
  path: "/",
  tags: ["API keys"],
  summary: "List API keys",
  description:
    "Newest first, revoked and expired keys included (`is_active: false`). Filter `user_id`.",
  security: ADMIN_SECURITY,
  request: { query: listApiKeysQuery },
  responses: {
    200: { description: "Keys", content: { "application/json": { schema: apiKeyListSchema } } },
    ...pickErrors(400, 401),
  },
});

export function registerListApiKeys(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const query = c.req.valid("query");
    const deps = c.get("deps");
    const rows = await listApiKeys(deps.db, {
      limit: query.limit,
      cursor: decodeCursor(query.cursor),
      userId: query.user_id,
    });
    const result = page(rows, query.limit);
    const now = deps.now();
    return c.json(
      { data: result.data.map((row) => toApiKey(row, now)), next_cursor: result.next_cursor },
      200,
    );
  });
}
