import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import {
  type AdminMessageFilters,
  getAdminMessage,
  listAllMessages,
} from "../../domain/admin/messages.js";
import { normalizePhone } from "../../domain/phone/normalize.js";
import type { AppEnv } from "../../lib/context.js";
import { validationFailed } from "../../lib/errors.js";
import { ADMIN_SECURITY, pickErrors } from "../../lib/openapi.js";
import { decodeCursor, page } from "../../lib/pagination.js";
import {
  adminMessageDetailSchema,
  adminMessageListSchema,
  adminMessagesQuery,
  messageIdParams,
} from "./schema.js";

const listRoute = createRoute({
  method: "get",
  path: "/messages",
  tags: ["Admin views"],
  summary: "Every account's messages",
  description:
    "Any admin role. Newest first, both key modes and directions; each message carries its `user_id`. Filters: `user_id`, `status` (comma-separated), `to` (an international number matches exactly; digits alone match numbers containing them), `direction`, `since`/`until` (creation time).",
  security: ADMIN_SECURITY,
  request: { query: adminMessagesQuery },
  responses: {
    200: {
      description: "Messages",
      content: { "application/json": { schema: adminMessageListSchema } },
    },
    ...pickErrors(400, 401),
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/messages/{id}",
  tags: ["Admin views"],
  summary: "One message with its timeline and webhook deliveries",
  description:
    "Any admin role. The message with `user_id`, `timeline` (each status reached and when, oldest first) and `webhook_deliveries` (the deliveries that announced it).",
  security: ADMIN_SECURITY,
  request: { params: messageIdParams },
  responses: {
    200: {
      description: "The message",
      content: { "application/json": { schema: adminMessageDetailSchema } },
    },
    ...pickErrors(401, 404),
  },
});

/** `to` as typed by an admin: a full number matches exactly, bare digits match a substring. */
function recipientFilter(to: string | undefined): AdminMessageFilters["recipient"] {
  if (!to) return undefined;
  const trimmed = to.trim();
  if (/^\d{3,15}$/.test(trimmed)) return { contains: trimmed };
  const normalized = normalizePhone(trimmed);
  if (!normalized.ok) {
    throw validationFailed(
      `to ${normalized.reason}`,
      { fields: [{ path: "to", message: normalized.reason }] },
      400,
    );
  }
  return { equals: normalized.e164 };
}

export function registerAdminMessages(router: OpenAPIHono<AppEnv>) {
  router.openapi(listRoute, async (c) => {
    const query = c.req.valid("query");
    const rows = await listAllMessages(c.get("deps").db, {
      userId: query.user_id,
      statuses: query.status,
      recipient: recipientFilter(query.to),
      direction: query.direction,
      since: query.since ? new Date(query.since) : undefined,
      until: query.until ? new Date(query.until) : undefined,
      before: decodeCursor(query.cursor),
      limit: query.limit,
    });
    return c.json(page(rows, query.limit), 200);
  });
  router.openapi(getRoute, async (c) => {
    const message = await getAdminMessage(c.get("deps").db, c.req.valid("param").id);
    return c.json(message, 200);
  });
}
