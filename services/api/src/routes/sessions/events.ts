import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { sessionEventsChannel } from "@wagate/contracts";
import { toSessionWire } from "@wagate/core";
import { findSession, requireSession } from "../../domain/sessions/find.js";
import { readCurrentQr } from "../../domain/sessions/qr.js";
import type { AppEnv } from "../../lib/context.js";
import { API_KEY_SECURITY, pickErrors } from "../../lib/openapi.js";
import { relaySse } from "../../lib/sse.js";
import { requireAccount } from "../../middleware/account-auth.js";
import { requestedSession, sessionQuery } from "./schema.js";

const route = createRoute({
  method: "get",
  path: "/events",
  tags: ["Sessions"],
  summary: "Live session status and QR changes",
  description:
    "Any valid key. A `text/event-stream`: first the current state (`event: status` with the session object, then `event: qr` with `{qr, expires_at}` when waiting for a scan), then each change as the worker publishes it (`status`, `qr`), and a `: heartbeat` comment every 15 s.",
  security: API_KEY_SECURITY,
  middleware: [requireAccount()] as const,
  request: { query: sessionQuery },
  responses: {
    200: {
      description: "Server-sent events",
      content: { "text/event-stream": { schema: z.string() } },
    },
    ...pickErrors(400, 401, 404, 429),
  },
});

/** A worker message `{type, session_id, ...}` as an SSE event named by its type. */
export function sessionEventFromChannel(raw: string): { event: string; data: string } | null {
  try {
    const { type, session_id: _internal, ...rest } = JSON.parse(raw) as Record<string, unknown>;
    return { event: typeof type === "string" ? type : "message", data: JSON.stringify(rest) };
  } catch {
    return null;
  }
}

export function registerSessionEvents(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const deps = c.get("deps");
    const account = c.get("account");
    const name = requestedSession(c.req.valid("query"));
    const session = await requireSession(deps.db, account, name);
    return relaySse(c, {
      channel: sessionEventsChannel(deps.redisPrefix, session.id),
      map: (raw) => {
        const event = sessionEventFromChannel(raw);
        if (!event)
          deps.logger.warn({ sessionId: session.id }, "unparseable session event dropped");
        return event ? [event] : [];
      },
      initial: async (stream) => {
        const current = (await findSession(deps.db, account, name)) ?? session;
        await stream.writeSSE({ event: "status", data: JSON.stringify(toSessionWire(current)) });
        if (current.status === "qr") {
          const qr = await readCurrentQr(deps, current.id);
          if (qr) await stream.writeSSE({ event: "qr", data: JSON.stringify(qr) });
        }
      },
    });
  });
}
