import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { toSessionWire } from "@wagate/core";
import { disconnectSession } from "../../domain/sessions/control.js";
import type { AppEnv } from "../../lib/context.js";
import { API_KEY_SECURITY, pickErrors } from "../../lib/openapi.js";
import { requireAccount } from "../../middleware/account-auth.js";
import { requestedSession, sessionCommandBody, sessionQuery, sessionSchema } from "./schema.js";

const route = createRoute({
  method: "post",
  path: "/disconnect",
  tags: ["Sessions"],
  summary: "Log a session out",
  description:
    "Scope `sessions:manage`. The worker logs the device out and deletes the stored auth; a later init pairs again with a new QR. The answer shows the session after the call: it waits up to 5 s for the worker to report it `stopped` (without a running worker, the status is unchanged until one takes the command). Messages still queued for the session wait until it is ready again (cancel them with DELETE /messages/{id}).",
  security: API_KEY_SECURITY,
  middleware: [requireAccount("sessions:manage")] as const,
  request: {
    query: sessionQuery,
    body: { content: { "application/json": { schema: sessionCommandBody } }, required: false },
  },
  responses: {
    202: { description: "Accepted", content: { "application/json": { schema: sessionSchema } } },
    ...pickErrors(400, 401, 403, 404, 422, 429, 503),
  },
});

export function registerDisconnectSession(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const body = c.req.valid("json") as { session?: string } | undefined;
    const name = requestedSession(c.req.valid("query"), body);
    const row = await disconnectSession(c.get("deps"), c.get("account"), name);
    return c.json(toSessionWire(row), 202);
  });
}
