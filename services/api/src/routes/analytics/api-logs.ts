import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { API_LOGS_DEFAULT_WINDOW_MS, listApiLogs } from "../../domain/analytics/index.js";
import type { AppEnv } from "../../lib/context.js";
import { ApiError } from "../../lib/errors.js";
import { ADMIN_SECURITY, pickErrors } from "../../lib/openapi.js";
import { decodeCursor, page } from "../../lib/pagination.js";
import { apiLogListSchema, apiLogsQuery, toApiLog } from "./schema.js";

const route = createRoute({
  method: "get",
  path: "/api-logs",
  tags: ["Analytics"],
  summary: "API request log",
  description:
    "Account API requests, newest first. Always time-bounded: without `since` the window is the 24 hours before `until` (or now), so only the matching day partitions are read.",
  security: ADMIN_SECURITY,
  request: { query: apiLogsQuery },
  responses: {
    200: { description: "Log rows", content: { "application/json": { schema: apiLogListSchema } } },
    ...pickErrors(400, 401),
  },
});

export function registerApiLogs(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const query = c.req.valid("query");
    const deps = c.get("deps");
    const until = query.until ? new Date(query.until) : undefined;
    const since = query.since
      ? new Date(query.since)
      : new Date((until ?? deps.now()).getTime() - API_LOGS_DEFAULT_WINDOW_MS);
    if (until && since >= until) {
      throw new ApiError("validation_failed", "`since` must be before `until`", { status: 400 });
    }
    const rows = await listApiLogs(deps.db, {
      userId: query.user_id,
      method: query.method,
      statusCode: query.status_code,
      route: query.route,
      since,
      until,
      limit: query.limit,
      beforeId: decodeCursor(query.cursor),
    });
    const result = page(rows, query.limit);
    return c.json({ data: result.data.map(toApiLog), next_cursor: result.next_cursor }, 200);
  });
}
