import { z } from "@hono/zod-openapi";
import { broadcastWireSchema } from "@wagate/contracts";
import { MAX_BROADCAST_RECIPIENTS } from "../../domain/broadcasts/accept.js";
import { DEFAULT_SESSION_NAME, SESSION_NAME_PATTERN } from "../../domain/sessions/keys.js";
import { listSchema, paginationQuery } from "../../lib/openapi.js";
import { listMessagesQuery, mediaInline, mediaUrl } from "../messages/schema.js";

export const broadcastSchema = z.object(broadcastWireSchema.shape).openapi("Broadcast");
export const broadcastListSchema = listSchema(broadcastSchema, "BroadcastList");

const refusalSchema = z
  .object({
    row: z
      .number()
      .int()
      .openapi({ description: "1-based position in `recipients` or CSV data row" }),
    to: z.string().nullable(),
    reason: z.string(),
  })
  .openapi("BroadcastRefusal");

export const broadcastDetailSchema = broadcastSchema
  .extend({ refused: z.array(refusalSchema) })
  .openapi("BroadcastDetail");

const recipient = z.object({
  to: z.string().max(64).openapi({ example: "+213661234567" }),
  variables: z
    .record(z.string().max(64), z.union([z.string().max(1000), z.number()]))
    .optional()
    .openapi({ description: "Values of the `{{name}}` placeholders for this recipient" }),
});

const message = z
  .union([
    z.object({ text: z.string().min(1).max(4096) }).strict(),
    z
      .object({
        media: z.union([mediaUrl, mediaInline]),
        caption: z.string().min(1).max(1024).optional(),
      })
      .strict(),
  ])
  .openapi({
    description:
      "`{text}` or `{media, caption?}` as in send-text / send-media; text and caption may hold `{{variable}}` placeholders",
  });

export const createBroadcastBody = z
  .object({
    name: z.string().min(1).max(200),
    session: z
      .string()
      .regex(SESSION_NAME_PATTERN, "not a valid session name")
      .optional()
      .openapi({ example: DEFAULT_SESSION_NAME }),
    message,
    recipients: z
      .array(recipient)
      .min(1)
      .max(MAX_BROADCAST_RECIPIENTS)
      .optional()
      .openapi({ description: "One of `recipients` or `csv`" }),
    csv: z.string().min(1).optional().openapi({
      description:
        "CSV text: a header row with a `to` (or `phone`) column, other columns are variables; quoted fields, CRLF and a BOM are accepted; at most 100 000 rows",
    }),
    send_at: z.iso.datetime({ offset: true }).optional(),
    rate: z.number().int().min(1).max(6000).optional().openapi({
      description:
        "Most sends per minute for this broadcast; the session's pacing still applies (it can only slow down)",
    }),
  })
  .openapi("CreateBroadcast");

export const broadcastIdempotencyHeaders = z.object({
  "idempotency-key": z.string().optional().openapi({
    description:
      "Same key + same body within 24 h answers with the first broadcast (same id, `Idempotent-Replayed: true`), creating nothing and reserving no quota again; same key + another body → 409 `conflict`",
  }),
});

export const broadcastIdParam = z.object({
  id: z
    .string()
    .openapi({ param: { name: "id", in: "path" }, example: "bct_01J9Z8Q4X3M2N1P0R9S8T7V6W5" }),
});

export const listBroadcastsQuery = paginationQuery;
export const broadcastMessagesQuery = listMessagesQuery.pick({
  limit: true,
  cursor: true,
  status: true,
  to: true,
});
