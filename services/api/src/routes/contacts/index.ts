import { createRoute, z } from "@hono/zod-openapi";
import {
  checkNumbers,
  getContactWithProfile,
  listContacts,
  normalizePhones,
  toContactWire,
} from "../../domain/contacts/contacts.js";
import {
  API_KEY_SECURITY,
  createRouter,
  listSchema,
  paginationQuery,
  pickErrors,
} from "../../lib/openapi.js";
import { decodeCursor, page } from "../../lib/pagination.js";
import { requireAccount } from "../../middleware/account-auth.js";
import { requestedSession, sessionQuery } from "../sessions/schema.js";

const checkSchema = z
  .object({
    phone: z.string(),
    on_whatsapp: z.boolean(),
    wa_id: z.string().nullable(),
    lid: z.string().nullable(),
    checked_at: z.string().nullable(),
    cached: z.boolean().openapi({ description: "Answered from the stored check" }),
  })
  .openapi("NumberCheck");

const contactSchema = z
  .object({
    id: z.string(),
    phone: z.string().nullable(),
    lid: z.string().nullable(),
    wa_id: z.string().nullable(),
    push_name: z.string().nullable(),
    on_whatsapp: z.boolean().nullable(),
    checked_at: z.string().nullable(),
    last_inbound_at: z.string().nullable(),
    last_outbound_at: z.string().nullable(),
    about: z.string().nullable().openapi({
      description:
        "The contact's about text, as last asked by `GET /contacts/{phone}` (null: hidden, none, or not asked yet)",
    }),
    profile_picture_url: z.string().nullable().openapi({
      description:
        "WhatsApp's URL of the profile picture (expires after a while; null: hidden, none, or not asked yet)",
    }),
    profile_checked_at: z.string().nullable().openapi({
      description: "When about and picture were last asked of a session",
    }),
    created_at: z.string(),
  })
  .openapi("Contact");

const CHECK_NOTE =
  "Answers stored within `CONTACT_CHECK_TTL_SECONDS` (default 7 days) come from Postgres (`cached: true`); others are asked live of the session (`?session=`, default `default`), which must be `ready` (else 409 `details.reason: session_not_ready`; no worker answering → 503 `Retry-After`). A send to a number found not on WhatsApp is then refused at once with 422 `not_on_whatsapp`.";

const checkOne = createRoute({
  method: "get",
  path: "/check",
  tags: ["Contacts"],
  summary: "Is a number on WhatsApp?",
  description: `Scope \`messages:read\`. ${CHECK_NOTE}`,
  security: API_KEY_SECURITY,
  middleware: [requireAccount("messages:read")] as const,
  request: {
    query: sessionQuery.extend({
      phone: z.string().min(1).max(40).openapi({ example: "+213661234567" }),
    }),
  },
  responses: {
    200: { description: "The check", content: { "application/json": { schema: checkSchema } } },
    ...pickErrors(400, 401, 403, 404, 409, 422, 429, 503),
  },
});

const checkMany = createRoute({
  method: "post",
  path: "/check",
  tags: ["Contacts"],
  summary: "Check up to 100 numbers",
  description: `Scope \`messages:read\`. The batch form of \`GET /contacts/check\`, in input order. ${CHECK_NOTE}`,
  security: API_KEY_SECURITY,
  middleware: [requireAccount("messages:read")] as const,
  request: {
    query: sessionQuery,
    body: {
      content: {
        "application/json": {
          schema: z
            .object({ phones: z.array(z.string().min(1).max(40)).min(1).max(100) })
            .openapi("NumberCheckBatch"),
        },
      },
      required: true,
    },
  },
  responses: {
    200: {
      description: "One check per distinct number",
      content: { "application/json": { schema: z.object({ data: z.array(checkSchema) }) } },
    },
    ...pickErrors(400, 401, 403, 404, 409, 422, 429, 503),
  },
});

const list = createRoute({
  method: "get",
  path: "/",
  tags: ["Contacts"],
  summary: "Contacts seen or checked",
  description:
    "Scope `messages:read`. Filled from traffic (phone, LID, push name, last seen inbound and outbound) and number checks, for the key's mode; newest first.",
  security: API_KEY_SECURITY,
  middleware: [requireAccount("messages:read")] as const,
  request: { query: paginationQuery },
  responses: {
    200: {
      description: "A page of contacts",
      content: { "application/json": { schema: listSchema(contactSchema, "ContactList") } },
    },
    ...pickErrors(400, 401, 403, 422, 429),
  },
});

const getOne = createRoute({
  method: "get",
  path: "/{phone}",
  tags: ["Contacts"],
  summary: "One contact",
  description:
    "Scope `messages:read`. By phone (international form, URL-encoded `+` or digits with a leading `00`) or by LID (`…@lid`); 404 when this account has not seen it. Carries the contact's `about` and `profile_picture_url` where the driver can get them: asked of the session (`?session=`, default `default`) when the stored answer is older than `CONTACT_PROFILE_TTL_SECONDS` (default 1 day), waiting at most 5 s, then stored; when the session is not connected or does not answer in time, the stored values (null when never asked) are answered instead of an error. The simulator answers fixed values (`Sim <last 4 digits> is available`, `https://simulator.wagate.invalid/profile/<digits>.jpg`; none for `…0000`).",
  security: API_KEY_SECURITY,
  middleware: [requireAccount("messages:read")] as const,
  request: {
    query: sessionQuery,
    params: z.object({
      phone: z.string().openapi({ param: { name: "phone", in: "path" }, example: "+213661234567" }),
    }),
  },
  responses: {
    200: { description: "The contact", content: { "application/json": { schema: contactSchema } } },
    ...pickErrors(400, 401, 403, 404, 429),
  },
});

/** `/api/v1/contacts/*` (issue 12): number checks and what the account knows of its contacts. */
export function contactsRouter() {
  const router = createRouter();
  router.openapi(checkOne, async (c) => {
    const query = c.req.valid("query");
    const phones = normalizePhones([query.phone], "phone");
    const [answer] = await checkNumbers(
      c.get("deps"),
      c.get("account"),
      requestedSession(query),
      phones,
    );
    return c.json(answer!, 200);
  });
  router.openapi(checkMany, async (c) => {
    const phones = normalizePhones(c.req.valid("json").phones, "phones");
    const data = await checkNumbers(
      c.get("deps"),
      c.get("account"),
      requestedSession(c.req.valid("query")),
      phones,
    );
    return c.json({ data }, 200);
  });
  router.openapi(list, async (c) => {
    const query = c.req.valid("query");
    const rows = await listContacts(c.get("deps"), c.get("account"), {
      limit: query.limit,
      before: decodeCursor(query.cursor),
    });
    const result = page(rows, query.limit);
    return c.json({ data: result.data.map(toContactWire), next_cursor: result.next_cursor }, 200);
  });
  router.openapi(getOne, async (c) => {
    const row = await getContactWithProfile(
      c.get("deps"),
      c.get("account"),
      c.req.valid("param").phone,
      requestedSession(c.req.valid("query")),
    );
    return c.json(toContactWire(row), 200);
  });
  return router;
}
