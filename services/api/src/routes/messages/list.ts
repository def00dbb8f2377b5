import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { listMessages } from "../../domain/messages/query.js";
import { normalizePhone } from "../../domain/phone/normalize.js";
import type { AppEnv } from "../../lib/context.js";
import { validationFailed } from "../../lib/errors.js";
import { API_KEY_SECURITY, pickErrors } from "../../lib/openapi.js";
import { decodeCursor, page } from "../../lib/pagination.js";
import { requireAccount } from "../../middleware/account-auth.js";
import { listMessagesQuery, messageListSchema } from "./schema.js";

const routeFor = (path: "/" | "/list") =>
  createRoute({
    method: "get",
    path,
    tags: ["Messages"],
    summary: path === "/" ? "List messages" : "List messages (alias of GET /messages)",
    description:
      "Scope `messages:read`. The account's messages in the key's mode (a test key sees test messages only), newest first, inbound included. Filters: `status` (one or several, comma-separated), `to` (the other party, any tolerated number format), `direction`, `since`/`until` (creation time, RFC 3339).",
    security: API_KEY_SECURITY,
    middleware: [requireAccount("messages:read")] as const,
    request: { query: listMessagesQuery },
    responses: {
      200: {
        description: "Messages",
        content: { "application/json": { schema: messageListSchema } },
      },
      ...pickErrors(400, 401, 403, 429),
    },
  });

export function registerListMessages(router: OpenAPIHono<AppEnv>) {
  for (const path of ["/list", "/"] as const) {
    router.openapi(routeFor(path), async (c) => {
      const query = c.req.valid("query");
      let to: string | undefined;
      if (query.to) {
        const normalized = normalizePhone(query.to);
        if (!normalized.ok) {
          throw validationFailed(
            `to ${normalized.reason}`,
            { fields: [{ path: "to", message: normalized.reason }] },
            400,
          );
        }
        to = normalized.e164;
      }
      const rows = await listMessages(c.get("deps").db, c.get("account"), {
        statuses: query.status,
        to,
        direction: query.direction,
        since: query.since ? new Date(query.since) : undefined,
        until: query.until ? new Date(query.until) : undefined,
        before: decodeCursor(query.cursor),
        limit: query.limit,
      });
      return c.json(page(rows, query.limit), 200);
    });
  }
}
