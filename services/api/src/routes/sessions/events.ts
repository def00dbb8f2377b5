import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { toSessionWire } from "@wagate/core";
import { streamSSE } from "hono/streaming";
import { subscribeChannel } from "../../domain/sessions/events.js";
import { findSession, requireSession } from "../../domain/sessions/find.js";
import { sessionEventsChannel } from "../../domain/sessions/keys.js";
import { readCurrentQr } from "../../domain/sessions/qr.js";
import type { AppEnv } from "../../lib/context.js";
import { API_KEY_SECURITY, pickErrors } from "../../lib/openapi.js";
import { requireAccount } from "../../middleware/account-auth.js";
import { requestedSession, sessionQuery } from "./schema.js";

/** A comment line this often keeps proxies from closing an idle stream. */
export const SSE_HEARTBEAT_MS = 15_000;

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

export function registerSessionEvents(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const deps = c.get("deps");
    const account = c.get("account");
    const name = requestedSession(c.req.valid("query"));
    const session = await requireSession(deps.db, account, name);
    c.header("Cache-Control", "no-store");
    c.header("X-Accel-Buffering", "no");
    return streamSSE(c, async (stream) => {
      let closed = false;
      const wakers = new Set<() => void>();
      const sleep = (ms: number) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(done, ms);
          function done() {
            clearTimeout(timer);
            wakers.delete(done);
            resolve();
          }
          wakers.add(done);
        });
      stream.onAbort(() => {
        closed = true;
        for (const wake of [...wakers]) wake();
      });
      // Changes that arrive while the current state is being written wait behind it.
      let releaseInitial: () => void = () => {};
      let chain: Promise<unknown> = new Promise<void>((resolve) => {
        releaseInitial = resolve;
      });
      const write = (event: string, data: string) => {
        chain = chain
          .then(() => (closed ? undefined : stream.writeSSE({ event, data })))
          .catch(() => {});
      };
      const unsubscribe = await subscribeChannel(
        deps,
        sessionEventsChannel(deps.redisPrefix, session.id),
        (raw) => {
          try {
            const {
              type,
              session_id: _internal,
              ...rest
            } = JSON.parse(raw) as Record<string, unknown>;
            write(typeof type === "string" ? type : "message", JSON.stringify(rest));
          } catch {
            deps.logger.warn({ sessionId: session.id }, "unparseable session event dropped");
          }
        },
      );
      try {
        const current = (await findSession(deps.db, account, name)) ?? session;
        await stream.writeSSE({ event: "status", data: JSON.stringify(toSessionWire(current)) });
        if (current.status === "qr") {
          const qr = await readCurrentQr(deps, current.id);
          if (qr) await stream.writeSSE({ event: "qr", data: JSON.stringify(qr) });
        }
        releaseInitial();
        while (!closed && !stream.aborted) {
          await sleep(SSE_HEARTBEAT_MS);
          if (!closed) chain = chain.then(() => stream.write(": heartbeat\n\n")).catch(() => {});
        }
      } finally {
        closed = true;
        await unsubscribe();
      }
    });
  });
}
