import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { listAuditLogs } from "../../domain/analytics/index.js";
import type { AppEnv } from "../../lib/context.js";
import { ADMIN_SECURITY, pickErrors } from "../../lib/openapi.js";
import { decodeCursor, page } from "../../lib/pagination.js";
import { auditLogListSchema, auditLogsQuery, toAuditLog } from "./schema.js";

const route = createRoute({
  method: "get",
  path: "/audit-logs",
  tags: ["Analytics"],
  summary: "Audit trail",
  description: "Admin actions and system detections, newest first.",
  security: ADMIN_SECURITY,
  request: { query: auditLogsQuery },
  responses: {
    200: {
      description: "Audit rows",
      content: { "application/json": { schema: auditLogListSchema } },
    },
    ...pickErrors(400, 401),
  },
});

export function registerAuditLogs(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const query = c.req.valid("query");
    const rows = await listAuditLogs(c.get("deps").db, {
      actorId: query.actor_id,
      action: query.action,
      since: query.since ? new Date(query.since) : undefined,
      limit: query.limit,
      beforeId: decodeCursor(query.cursor),
    });
    const result = page(rows, query.limit);
    return c.json({ data: result.data.map(toAuditLog), next_cursor: result.next_cursor }, 200);
  });
}
