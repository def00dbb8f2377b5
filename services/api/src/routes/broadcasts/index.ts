import { createRoute } from "@hono/zod-openapi";
import { toMessageWire } from "@wagate/core";
import {
  acceptBroadcast,
  type BroadcastRecipientInput,
  MAX_BROADCAST_RECIPIENTS,
} from "../../domain/broadcasts/accept.js";
import {
  cancelBroadcast,
  getBroadcast,
  listBroadcastMessages,
  listBroadcasts,
  pauseBroadcast,
  requireBroadcast,
  resumeBroadcast,
  sessionWireOf,
} from "../../domain/broadcasts/control.js";
import { CsvError, parseRecipientsCsv } from "../../domain/broadcasts/csv.js";
import { requestFingerprint } from "../../domain/messages/idempotency.js";
import { prepareMedia } from "../../domain/messages/media.js";
import { normalizePhone } from "../../domain/phone/normalize.js";
import { validationFailed } from "../../lib/errors.js";
import { API_KEY_SECURITY, createRouter, pickErrors } from "../../lib/openapi.js";
import { decodeCursor, page } from "../../lib/pagination.js";
import { requireAccount } from "../../middleware/account-auth.js";
import { messageListSchema } from "../messages/schema.js";
import { idempotencyKeyOf } from "../messages/send.js";
import {
  broadcastDetailSchema,
  broadcastIdempotencyHeaders,
  broadcastIdParam,
  broadcastListSchema,
  broadcastMessagesQuery,
  createBroadcastBody,
  listBroadcastsQuery,
} from "./schema.js";

const TAGS = ["Broadcasts"];

const createDef = createRoute({
  method: "post",
  path: "/",
  tags: TAGS,
  summary: "Send one message to many recipients",
  description:
    "Scope `messages:send`. With an `Idempotency-Key`, the same key and body within 24 h answer with the first broadcast (`Idempotent-Replayed: true`; nothing is created and no quota reserved again) and another body → 409 `conflict`. Every row is screened (valid international number, phone prefix policy, duplicates, the opt-out list, every `{{variable}}` of the text present); refused rows are listed with their reason and the rest are accepted: one message per recipient, written in one transaction, with the daily quota reserved for all of them at once (429 `quota_exceeded` with `details.missing` when it does not cover them; nothing is accepted). Messages are sent through the session's pacing, after any single send waiting on it, at most `rate` a minute when given. 422 when no row can be sent.",
  security: API_KEY_SECURITY,
  middleware: [requireAccount("messages:send")] as const,
  request: {
    headers: broadcastIdempotencyHeaders,
    body: { content: { "application/json": { schema: createBroadcastBody } }, required: true },
  },
  responses: {
    202: {
      description: "Accepted, with the refused rows",
      content: { "application/json": { schema: broadcastDetailSchema } },
    },
    ...pickErrors(400, 401, 403, 404, 409, 413, 422, 429),
  },
});

const listDef = createRoute({
  method: "get",
  path: "/",
  tags: TAGS,
  summary: "List broadcasts",
  description:
    "Scope `messages:read`. The account's broadcasts in the key's mode, newest first, with counts by status.",
  security: API_KEY_SECURITY,
  middleware: [requireAccount("messages:read")] as const,
  request: { query: listBroadcastsQuery },
  responses: {
    200: {
      description: "Broadcasts",
      content: { "application/json": { schema: broadcastListSchema } },
    },
    ...pickErrors(400, 401, 403, 429),
  },
});

const getDef = createRoute({
  method: "get",
  path: "/{id}",
  tags: TAGS,
  summary: "Get a broadcast",
  description:
    "Scope `messages:read`. Counts by status, progress (share finished), estimated finish time from the pace so far, and the refused rows.",
  security: API_KEY_SECURITY,
  middleware: [requireAccount("messages:read")] as const,
  request: { params: broadcastIdParam },
  responses: {
    200: {
      description: "The broadcast",
      content: { "application/json": { schema: broadcastDetailSchema } },
    },
    ...pickErrors(401, 403, 404, 429),
  },
});

const messagesDef = createRoute({
  method: "get",
  path: "/{id}/messages",
  tags: TAGS,
  summary: "List a broadcast's messages",
  description: "Scope `messages:read`. Newest first; filters `status` (comma-separated) and `to`.",
  security: API_KEY_SECURITY,
  middleware: [requireAccount("messages:read")] as const,
  request: { params: broadcastIdParam, query: broadcastMessagesQuery },
  responses: {
    200: {
      description: "Messages",
      content: { "application/json": { schema: messageListSchema } },
    },
    ...pickErrors(400, 401, 403, 404, 429),
  },
});

const actionDef = (action: "pause" | "resume" | "cancel", description: string) =>
  createRoute({
    method: "post",
    path: `/{id}/${action}`,
    tags: TAGS,
    summary: `${action[0]!.toUpperCase()}${action.slice(1)} a broadcast`,
    description: `Scope \`messages:send\`. ${description}`,
    security: API_KEY_SECURITY,
    middleware: [requireAccount("messages:send")] as const,
    request: { params: broadcastIdParam },
    responses: {
      200: {
        description: "The broadcast",
        content: { "application/json": { schema: broadcastDetailSchema } },
      },
      ...pickErrors(401, 403, 404, 409, 429),
    },
  });

/** `/api/v1/broadcasts`: bulk sends. */
export function broadcastsRouter() {
  const router = createRouter();
  router.openapi(createDef, async (c) => {
    const body = c.req.valid("json");
    const deps = c.get("deps");
    const account = c.get("account");
    const key = idempotencyKeyOf(c);
    if ((body.recipients === undefined) === (body.csv === undefined)) {
      throw validationFailed("give exactly one of recipients or csv", {
        fields: [{ path: "recipients", message: "give exactly one of recipients or csv" }],
      });
    }
    let recipients: BroadcastRecipientInput[];
    if (body.csv !== undefined) {
      try {
        recipients = parseRecipientsCsv(body.csv, MAX_BROADCAST_RECIPIENTS);
      } catch (error) {
        if (!(error instanceof CsvError)) throw error;
        throw validationFailed(`csv: ${error.message}`, {
          fields: [{ path: "csv", message: error.message }],
        });
      }
    } else {
      recipients = body.recipients!.map((r, i) => ({
        row: i + 1,
        to: r.to,
        variables: Object.fromEntries(
          Object.entries(r.variables ?? {}).map(([k, v]) => [k, String(v)]),
        ),
      }));
    }
    const isText = "text" in body.message;
    const prepared =
      "media" in body.message
        ? await prepareMedia(body.message.media, { allowPrivate: deps.env.WEBHOOK_ALLOW_PRIVATE })
        : null;
    const accepted = await acceptBroadcast(deps, account, {
      name: body.name,
      session: body.session,
      type: prepared?.type ?? "text",
      template: "text" in body.message ? body.message.text : (body.message.caption ?? null),
      maxLength: isText ? 4096 : 1024,
      media: prepared?.media ?? null,
      recipients,
      sendAt: body.send_at ? new Date(body.send_at) : undefined,
      rate: body.rate,
      // The body as sent (a CSV is its text), so a replay must repeat it exactly.
      idempotency: key
        ? { key, fingerprint: requestFingerprint({ mode: account.mode, body }) }
        : undefined,
    });
    if (accepted.replayed) {
      c.header("Idempotent-Replayed", "true");
      c.header("Location", `/api/v1/broadcasts/${accepted.id}`);
      return c.json(await getBroadcast(deps, account, accepted.id), 202);
    }
    for (const [name, value] of Object.entries(accepted.quotaHeaders)) c.header(name, value);
    c.header("Location", `/api/v1/broadcasts/${accepted.wire.id}`);
    return c.json({ ...accepted.wire, refused: accepted.refused }, 202);
  });
  router.openapi(listDef, async (c) => {
    const query = c.req.valid("query");
    const rows = await listBroadcasts(c.get("deps"), c.get("account"), {
      before: decodeCursor(query.cursor),
      limit: query.limit,
    });
    return c.json(page(rows, query.limit), 200);
  });
  router.openapi(getDef, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(await getBroadcast(c.get("deps"), c.get("account"), id), 200);
  });
  router.openapi(messagesDef, async (c) => {
    const { id } = c.req.valid("param");
    const query = c.req.valid("query");
    let to: string | undefined;
    if (query.to) {
      const phone = normalizePhone(query.to);
      if (!phone.ok) {
        throw validationFailed(
          `to ${phone.reason}`,
          { fields: [{ path: "to", message: phone.reason }] },
          400,
        );
      }
      to = phone.e164;
    }
    const deps = c.get("deps");
    const broadcast = await requireBroadcast(deps, c.get("account"), id);
    const rows = await listBroadcastMessages(deps, c.get("account"), id, {
      statuses: query.status,
      to,
      before: decodeCursor(query.cursor),
      limit: query.limit,
    });
    const paged = page(rows, query.limit);
    const session = await sessionWireOf(deps, broadcast.sessionId);
    return c.json({ ...paged, data: paged.data.map((row) => toMessageWire(row, session)) }, 200);
  });
  router.openapi(
    actionDef(
      "pause",
      "Stops sending: unsent messages wait (still `queued`/`scheduled`) until resumed. Pausing a paused broadcast answers it unchanged; a finished one → 409.",
    ),
    async (c) =>
      c.json(await pauseBroadcast(c.get("deps"), c.get("account"), c.req.valid("param").id), 200),
  );
  router.openapi(
    actionDef(
      "resume",
      "Sends the unsent messages again, at the session's pace. Resuming a running broadcast answers it unchanged; a finished one → 409.",
    ),
    async (c) =>
      c.json(await resumeBroadcast(c.get("deps"), c.get("account"), c.req.valid("param").id), 200),
  );
  router.openapi(
    actionDef(
      "cancel",
      "Cancels every unsent message (their quota units given back, `message.status` for each) and emits `broadcast.completed` with status `cancelled`. A finished broadcast → 409.",
    ),
    async (c) =>
      c.json(await cancelBroadcast(c.get("deps"), c.get("account"), c.req.valid("param").id), 200),
  );
  return router;
}
