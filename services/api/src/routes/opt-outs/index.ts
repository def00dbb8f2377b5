import { createRoute } from "@hono/zod-openapi";
import { createOptOut, deleteOptOut, listOptOuts } from "../../domain/consent/opt-outs.js";
import { normalizePhone } from "../../domain/phone/normalize.js";
import { validationFailed } from "../../lib/errors.js";
import { API_KEY_SECURITY, createRouter, pickErrors } from "../../lib/openapi.js";
import { decodeCursor, page } from "../../lib/pagination.js";
import { requireAccount } from "../../middleware/account-auth.js";
import {
  createOptOutBody,
  deleteOptOutQuery,
  listOptOutsQuery,
  optOutListSchema,
  optOutSchema,
} from "./schema.js";

function e164(phone: string, status: 400 | 422): string {
  const normalized = normalizePhone(phone);
  if (!normalized.ok) {
    throw validationFailed(
      `phone ${normalized.reason}`,
      { fields: [{ path: "phone", message: normalized.reason }] },
      status,
    );
  }
  return normalized.e164;
}

const listRoute = createRoute({
  method: "get",
  path: "/",
  tags: ["Consent"],
  summary: "List the opt-out list",
  description:
    "Scope `messages:read`. Numbers that receive nothing from this account (both key modes), newest first; `phone` filters one number.",
  security: API_KEY_SECURITY,
  middleware: [requireAccount("messages:read")] as const,
  request: { query: listOptOutsQuery },
  responses: {
    200: { description: "Opt-outs", content: { "application/json": { schema: optOutListSchema } } },
    ...pickErrors(400, 401, 403, 429),
  },
});

const createRouteDef = createRoute({
  method: "post",
  path: "/",
  tags: ["Consent"],
  summary: "Opt a number out",
  description:
    "Scope `messages:send`. Puts the number on the account's opt-out list (201; 200 when it already was): every later send to it is refused with 422 `recipient_opted_out` (no quota used), and the account's queued or scheduled messages to it fail with that code, their units given back. Emits `contact.opted_out`.",
  security: API_KEY_SECURITY,
  middleware: [requireAccount("messages:send")] as const,
  request: {
    body: { content: { "application/json": { schema: createOptOutBody } }, required: true },
  },
  responses: {
    200: {
      description: "Already opted out",
      content: { "application/json": { schema: optOutSchema } },
    },
    201: { description: "Opted out", content: { "application/json": { schema: optOutSchema } } },
    ...pickErrors(400, 401, 403, 422, 429),
  },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/",
  tags: ["Consent"],
  summary: "Opt a number back in",
  description:
    "Scope `messages:send`. Takes `?phone=` off the opt-out list (204; 404 when it was not there) and emits `contact.opted_in`.",
  security: API_KEY_SECURITY,
  middleware: [requireAccount("messages:send")] as const,
  request: { query: deleteOptOutQuery },
  responses: {
    204: { description: "Opted back in" },
    ...pickErrors(400, 401, 403, 404, 429),
  },
});

/** `/api/v1/opt-outs`: the account's opt-out list. */
export function optOutsRouter() {
  const router = createRouter();
  router.openapi(listRoute, async (c) => {
    const query = c.req.valid("query");
    const rows = await listOptOuts(c.get("deps"), c.get("account").userId, {
      phone: query.phone ? e164(query.phone, 400) : undefined,
      before: decodeCursor(query.cursor),
      limit: query.limit,
    });
    return c.json(page(rows, query.limit), 200);
  });
  router.openapi(createRouteDef, async (c) => {
    const body = c.req.valid("json");
    const { row, created } = await createOptOut(c.get("deps"), c.get("account").userId, {
      phone: e164(body.phone, 422),
      reason: body.reason ?? null,
      source: "api",
    });
    const wire = {
      id: row.id,
      phone: row.phone,
      lid: null,
      source: row.source,
      reason: row.reason,
      session: null,
      created_at: row.createdAt.toISOString(),
    };
    return created ? c.json(wire, 201) : c.json(wire, 200);
  });
  router.openapi(deleteRoute, async (c) => {
    const { phone } = c.req.valid("query");
    await deleteOptOut(c.get("deps"), c.get("account").userId, e164(phone, 400), "api");
    return c.body(null, 204);
  });
  return router;
}
