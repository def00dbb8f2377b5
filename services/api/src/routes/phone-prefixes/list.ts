import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { listPhonePrefixes } from "../../domain/phone/prefixes.js";
import type { AppEnv } from "../../lib/context.js";
import { ADMIN_SECURITY, paginationQuery, pickErrors } from "../../lib/openapi.js";
import { decodeCursor, page } from "../../lib/pagination.js";
import { phonePrefixListSchema, toPhonePrefix } from "./schema.js";

const route = createRoute({
  method: "get",
  path: "/",
  tags: ["Phone prefixes"],
  summary: "List the phone prefix policy",
  description:
    "Recipient policy rows, newest first. With no rows every valid number is allowed; with allow rows only matching numbers are; a matching deny row always refuses (whatever allow rows also match).",
  security: ADMIN_SECURITY,
  request: {
    query: paginationQuery.extend({
      allowed: z
        .enum(["true", "false"])
        .optional()
        .openapi({ description: "Only allow or only deny rows" }),
    }),
  },
  responses: {
    200: {
      description: "Policy rows",
      content: { "application/json": { schema: phonePrefixListSchema } },
    },
    ...pickErrors(400, 401, 403),
  },
});

export function registerListPhonePrefixes(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const query = c.req.valid("query");
    const rows = await listPhonePrefixes(c.get("deps").db, {
      limit: query.limit,
      before: decodeCursor(query.cursor),
      allowed: query.allowed === undefined ? undefined : query.allowed === "true",
    });
    const result = page(rows, query.limit);
    return c.json({ data: result.data.map(toPhonePrefix), next_cursor: result.next_cursor }, 200);
  });
}
