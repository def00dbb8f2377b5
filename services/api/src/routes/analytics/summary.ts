import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { getSummary } from "../../domain/analytics/index.js";
import type { AppEnv } from "../../lib/context.js";
import { ADMIN_SECURITY, pickErrors } from "../../lib/openapi.js";
import { summarySchema, toSummary } from "./schema.js";

const route = createRoute({
  method: "get",
  path: "/summary",
  tags: ["Analytics"],
  summary: "Dashboard totals",
  description:
    "Admins (active, locked), active accounts, today's messages by status, sessions by status and today's top accounts. Each figure is read from an index or an aggregate, never a full scan.",
  security: ADMIN_SECURITY,
  responses: {
    200: { description: "Totals", content: { "application/json": { schema: summarySchema } } },
    ...pickErrors(401),
  },
});

export function registerSummary(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const deps = c.get("deps");
    return c.json(toSummary(await getSummary(deps.db, deps.now())), 200);
  });
}
