import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { toSessionWire } from "@wagate/core";
import { initSession } from "../../domain/sessions/control.js";
import type { AppEnv } from "../../lib/context.js";
import { API_KEY_SECURITY, pickErrors } from "../../lib/openapi.js";
import { requireAccount } from "../../middleware/account-auth.js";
import { requestedSession, sessionCommandBody, sessionQuery, sessionSchema } from "./schema.js";

const route = createRoute({
  method: "post",
  path: "/init",
  tags: ["Sessions"],
  summary: "Start (pair or reconnect) a session",
  description:
    "Creates the session for this key's mode if it does not exist (its driver follows the mode: `live` → `webjs`, `test` → `simulator`) and asks a worker to run it. Scope `sessions:manage`. The session is `starting` until the worker shows a QR (`qr`, see GET /sessions/qr) or reconnects with stored auth (`ready`). Creating a session past the account's `max_sessions` (counted over both modes) is 409 `conflict`. The name comes from the body `session`, else `?session=`, else `default`.",
  security: API_KEY_SECURITY,
  middleware: [requireAccount("sessions:manage")] as const,
  request: {
    query: sessionQuery,
    body: { content: { "application/json": { schema: sessionCommandBody } }, required: false },
  },
  responses: {
    202: {
      description: "Accepted; the worker takes it from here",
      content: { "application/json": { schema: sessionSchema } },
    },
    ...pickErrors(400, 401, 403, 409, 422, 429, 503),
  },
});

export function registerInitSession(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const body = c.req.valid("json") as { session?: string } | undefined;
    const name = requestedSession(c.req.valid("query"), body);
    const row = await initSession(c.get("deps"), c.get("account"), name);
    return c.json(toSessionWire(row), 202);
  });
}
