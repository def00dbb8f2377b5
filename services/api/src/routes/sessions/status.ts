import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { toSessionWire } from "@wagate/core";
import { requireSession } from "../../domain/sessions/find.js";
import type { AppEnv } from "../../lib/context.js";
import { API_KEY_SECURITY, pickErrors } from "../../lib/openapi.js";
import { requireAccount } from "../../middleware/account-auth.js";
import { requestedSession, sessionQuery, sessionSchema } from "./schema.js";

const route = createRoute({
  method: "get",
  path: "/status",
  tags: ["Sessions"],
  summary: "A session's status",
  description:
    "Any valid key. 404 `not_found` until the session was created by POST /sessions/init.",
  security: API_KEY_SECURITY,
  middleware: [requireAccount()] as const,
  request: { query: sessionQuery },
  responses: {
    200: { description: "The session", content: { "application/json": { schema: sessionSchema } } },
    ...pickErrors(400, 401, 404, 429),
  },
});

export function registerSessionStatus(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const name = requestedSession(c.req.valid("query"));
    const row = await requireSession(c.get("deps").db, c.get("account"), name);
    return c.json(toSessionWire(row), 200);
  });
}
