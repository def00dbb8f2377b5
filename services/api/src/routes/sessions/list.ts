import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { toSessionWire } from "@wagate/core";
import { listSessions } from "../../domain/sessions/find.js";
import type { AppEnv } from "../../lib/context.js";
import { API_KEY_SECURITY, pickErrors } from "../../lib/openapi.js";
import { requireAccount } from "../../middleware/account-auth.js";
import { sessionListSchema } from "./schema.js";

const route = createRoute({
  method: "get",
  path: "/",
  tags: ["Sessions"],
  summary: "All sessions of the account",
  description:
    "Any valid key. Every session of the account in both modes (each says its `mode` and `driver`), oldest first; at most `max_sessions`, so one page (`next_cursor` is always null).",
  security: API_KEY_SECURITY,
  middleware: [requireAccount()] as const,
  responses: {
    200: {
      description: "Sessions",
      content: { "application/json": { schema: sessionListSchema } },
    },
    ...pickErrors(401, 429),
  },
});

export function registerListSessions(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const rows = await listSessions(c.get("deps").db, c.get("account").userId);
    return c.json({ data: rows.map(toSessionWire), next_cursor: null }, 200);
  });
}
