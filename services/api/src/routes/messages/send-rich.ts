import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { checkPollOptions, normalizeCardPhones } from "../../domain/messages/rich.js";
import type { AppEnv } from "../../lib/context.js";
import { API_KEY_SECURITY, pickErrors } from "../../lib/openapi.js";
import { requireAccount } from "../../middleware/account-auth.js";
import { requestedSession, sessionQuery } from "../sessions/schema.js";
import { idempotencyHeaders, messageSchema, replyTo, sendAt, session, to } from "./schema.js";
import { answerSend } from "./send.js";
import { SEND_DESCRIPTION } from "./send-text.js";

const common = { to, session, send_at: sendAt, reply_to: replyTo };

export const sendLocationBody = z
  .object({
    ...common,
    latitude: z.number().min(-90).max(90).openapi({ example: 36.7538 }),
    longitude: z.number().min(-180).max(180).openapi({ example: 3.0588 }),
    name: z.string().min(1).max(256).optional().openapi({ example: "Head office" }),
    address: z.string().min(1).max(512).optional(),
  })
  .openapi("SendLocation");

const contactCard = z
  .object({
    name: z.string().min(1).max(256),
    phones: z
      .array(z.string().min(1).max(40))
      .min(1)
      .max(10)
      .openapi({ description: "International form" }),
    email: z.string().email().max(256).optional(),
    organization: z.string().min(1).max(256).optional(),
  })
  .openapi("ContactCard");

export const sendContactBody = z
  .object({
    ...common,
    contacts: z.array(contactCard).min(1).max(10),
  })
  .openapi("SendContact");

export const sendPollBody = z
  .object({
    ...common,
    question: z.string().min(1).max(255),
    options: z.array(z.string().min(1).max(100)).min(2).max(12),
    multiple_answers: z.boolean().optional().openapi({
      description: "Voters may pick several options (default one)",
    }),
  })
  .openapi("SendPoll");

const sendRoute = <S extends z.ZodType>(path: string, summary: string, extra: string, schema: S) =>
  createRoute({
    method: "post",
    path,
    tags: ["Messages"],
    summary,
    description: `${SEND_DESCRIPTION} ${extra}`,
    security: API_KEY_SECURITY,
    middleware: [requireAccount("messages:send")] as const,
    request: {
      query: sessionQuery,
      headers: idempotencyHeaders,
      body: { content: { "application/json": { schema } }, required: true },
    },
    responses: {
      202: {
        description: "Accepted (or replayed)",
        content: { "application/json": { schema: messageSchema } },
      },
      ...pickErrors(400, 401, 403, 404, 409, 422, 429, 503),
    },
  });

const locationRoute = sendRoute(
  "/send-location",
  "Send a location",
  "A pin at `latitude`/`longitude` with an optional `name` and `address`.",
  sendLocationBody,
);
const contactRoute = sendRoute(
  "/send-contact",
  "Send contact cards",
  "Each contact becomes a vCard (name, phones in international form, optional email and organization); at most 10.",
  sendContactBody,
);
const pollRoute = sendRoute(
  "/send-poll",
  "Send a poll",
  "2 to 12 distinct options; votes arrive as `poll.vote` webhooks and on the message (`poll.votes`, one current choice per voter).",
  sendPollBody,
);

export function registerSendRich(router: OpenAPIHono<AppEnv>) {
  router.openapi(locationRoute, async (c) => {
    const body = c.req.valid("json");
    const wire = await answerSend(c, {
      to: body.to,
      session: requestedSession(c.req.valid("query"), body),
      sendAt: body.send_at ? new Date(body.send_at) : undefined,
      replyTo: body.reply_to,
      type: "location",
      content: null,
      media: null,
      payload: {
        location: {
          latitude: body.latitude,
          longitude: body.longitude,
          name: body.name ?? null,
          address: body.address ?? null,
        },
      },
    });
    return c.json(wire, 202);
  });
  router.openapi(contactRoute, async (c) => {
    const body = c.req.valid("json");
    const contacts = body.contacts.map((card, i) => ({
      name: card.name,
      phones: normalizeCardPhones(card.phones, `contacts.${i}.phones`),
      email: card.email ?? null,
      organization: card.organization ?? null,
    }));
    const wire = await answerSend(c, {
      to: body.to,
      session: requestedSession(c.req.valid("query"), body),
      sendAt: body.send_at ? new Date(body.send_at) : undefined,
      replyTo: body.reply_to,
      type: "contact",
      content: null,
      media: null,
      payload: { contacts },
    });
    return c.json(wire, 202);
  });
  router.openapi(pollRoute, async (c) => {
    const body = c.req.valid("json");
    const options = checkPollOptions(body.options);
    const wire = await answerSend(c, {
      to: body.to,
      session: requestedSession(c.req.valid("query"), body),
      sendAt: body.send_at ? new Date(body.send_at) : undefined,
      replyTo: body.reply_to,
      type: "poll",
      content: body.question,
      media: null,
      payload: {
        poll: {
          question: body.question,
          options,
          multipleAnswers: body.multiple_answers ?? false,
        },
      },
    });
    return c.json(wire, 202);
  });
}
