import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { accountOverview } from "../../domain/account/overview.js";
import type { AppEnv } from "../../lib/context.js";
import { API_KEY_SECURITY, pickErrors } from "../../lib/openapi.js";
import { requireAccount } from "../../middleware/account-auth.js";
import { accountSchema, toAccount } from "./schema.js";

const route = createRoute({
  method: "get",
  path: "/",
  tags: ["Account"],
  summary: "The calling account and today's usage",
  description:
    "Any valid key. The account the key belongs to, the key's mode, its limits and today's usage of the daily quota in that mode.",
  security: API_KEY_SECURITY,
  middleware: [requireAccount()] as const,
  responses: {
    200: { description: "The account", content: { "application/json": { schema: accountSchema } } },
    ...pickErrors(401, 429),
  },
});

export function registerGetAccount(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    c.header("Cache-Control", "no-store");
    return c.json(toAccount(await accountOverview(c.get("deps"), c.get("account"))), 200);
  });
}
