import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { listUsageStats } from "../../domain/analytics/index.js";
import type { AppEnv } from "../../lib/context.js";
import { ApiError } from "../../lib/errors.js";
import { ADMIN_SECURITY, pickErrors } from "../../lib/openapi.js";
import { toUsageStat, usageStatListSchema, usageStatsQuery } from "./schema.js";

const route = createRoute({
  method: "get",
  path: "/usage-stats",
  tags: ["Analytics"],
  summary: "Daily usage per account",
  description:
    "One row per account and UTC day, newest day first. `messages_sent` counts outbound messages that reached `sent` or later, `messages_failed` those that ended `failed`, `api_requests` the account's API requests.",
  security: ADMIN_SECURITY,
  request: { query: usageStatsQuery },
  responses: {
    200: {
      description: "Usage rows",
      content: { "application/json": { schema: usageStatListSchema } },
    },
    ...pickErrors(400, 401),
  },
});

// Rows are ordered by (date desc, id desc); the cursor carries both.
const encodeCursor = (row: { date: string; id: string }) =>
  Buffer.from(`${row.date}|${row.id}`, "utf8").toString("base64url");

function decodeCursor(cursor: string | undefined) {
  if (!cursor) return undefined;
  const match = /^(\d{4}-\d{2}-\d{2})\|([a-z]{3}_[0-9A-Z]{26})$/.exec(
    Buffer.from(cursor, "base64url").toString("utf8"),
  );
  if (!match) {
    throw new ApiError("validation_failed", "invalid cursor", {
      details: { fields: [{ path: "cursor", message: "invalid cursor" }] },
      status: 400,
    });
  }
  return { date: match[1]!, id: match[2]! };
}

export function registerUsageStats(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const query = c.req.valid("query");
    if (query.from && query.to && query.from > query.to) {
      throw new ApiError("validation_failed", "`from` is after `to`", { status: 400 });
    }
    const rows = await listUsageStats(c.get("deps").db, {
      userId: query.user_id,
      from: query.from,
      to: query.to,
      limit: query.limit,
      after: decodeCursor(query.cursor),
    });
    const hasMore = rows.length > query.limit;
    const data = hasMore ? rows.slice(0, query.limit) : rows;
    return c.json(
      {
        data: data.map(toUsageStat),
        next_cursor: hasMore ? encodeCursor(data[data.length - 1]!) : null,
      },
      200,
    );
  });
}
