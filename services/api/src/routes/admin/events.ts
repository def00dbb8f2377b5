import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { liveEventsChannel } from "@wagate/contracts";
import type { AppEnv } from "../../lib/context.js";
import { ADMIN_SECURITY, pickErrors } from "../../lib/openapi.js";
import { relaySse } from "../../lib/sse.js";
import { adminEventsQuery } from "./schema.js";

const route = createRoute({
  method: "get",
  path: "/events",
  tags: ["Admin views"],
  summary: "Live events of every account",
  description:
    "Any admin role. A `text/event-stream` of events as they happen: `session.status`, `message.status`, `message.received` (the webhook payloads, emitted whether or not a webhook listens) and `webhook.delivery` (each delivery attempt's outcome). Each is `event: <type>` with data `{type, timestamp, user_id, data}`. Filters `user_id` and `type` (comma-separated). Starts with `event: ready` (`{}`) once subscribed; `: heartbeat` every 15 s. Nothing is replayed: only events after the stream opens.",
  security: ADMIN_SECURITY,
  request: { query: adminEventsQuery },
  responses: {
    200: {
      description: "Server-sent events",
      content: { "text/event-stream": { schema: z.string() } },
    },
    ...pickErrors(400, 401),
  },
});

export function registerAdminEvents(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const deps = c.get("deps");
    const query = c.req.valid("query");
    const types = query.type ? new Set(query.type) : null;
    return relaySse(c, {
      channel: liveEventsChannel(deps.redisPrefix),
      initial: async (stream) => {
        await stream.writeSSE({ event: "ready", data: "{}" });
      },
      map: (raw) => {
        let event: { type?: unknown; user_id?: unknown };
        try {
          event = JSON.parse(raw) as typeof event;
        } catch {
          return [];
        }
        if (typeof event.type !== "string") return [];
        if (types && !types.has(event.type)) return [];
        if (query.user_id && event.user_id !== query.user_id) return [];
        return [{ event: event.type, data: raw }];
      },
    });
  });
}
