import { z } from "@hono/zod-openapi";
import {
  DRIVERS,
  KEY_MODES,
  LIVE_EVENT_TYPES,
  MESSAGE_STATUSES,
  messageWireSchema,
  SESSION_STATUSES,
  WEBHOOK_DELIVERY_EVENT_TYPES,
  WEBHOOK_DELIVERY_STATUSES,
} from "@wagate/contracts";
import type { SessionRow } from "../../domain/sessions/find.js";
import { listSchema, paginationQuery } from "../../lib/openapi.js";
import { iso } from "../../lib/time.js";
import { listMessagesQuery } from "../messages/schema.js";

const userIdFilter = z
  .string()
  .min(1)
  .max(64)
  .optional()
  .openapi({ description: "Only this account's", example: "usr_01JB7Z0000000000000000000" });

export const adminSessionSchema = z
  .object({
    id: z.string().openapi({ example: "ses_01JB7Z0000000000000000000" }),
    user_id: z.string(),
    user_name: z.string(),
    name: z.string(),
    mode: z.enum(KEY_MODES),
    driver: z.enum(DRIVERS),
    status: z.enum(SESSION_STATUSES),
    phone_number: z.string().nullable(),
    owner_worker_id: z.string().nullable(),
    last_error: z.string().nullable(),
    last_active_at: z.string().nullable(),
    connected_at: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi("AdminSession");

export const adminSessionListSchema = listSchema(adminSessionSchema, "AdminSessionList");

export const adminSessionsQuery = paginationQuery.extend({
  user_id: userIdFilter,
  status: z.enum(SESSION_STATUSES).optional(),
});

export const toAdminSession = (row: SessionRow, userName: string) => ({
  id: row.id,
  user_id: row.userId,
  user_name: userName,
  name: row.name,
  mode: row.mode,
  driver: row.driver,
  status: row.status,
  phone_number: row.phoneNumber,
  owner_worker_id: row.ownerWorkerId,
  last_error: row.lastError,
  last_active_at: iso(row.lastActiveAt),
  connected_at: iso(row.connectedAt),
  created_at: row.createdAt.toISOString(),
});

export const adminMessageSchema = z
  .object({ ...messageWireSchema.shape, user_id: z.string() })
  .openapi("AdminMessage");

export const adminMessageListSchema = listSchema(adminMessageSchema, "AdminMessageList");

export const adminMessagesQuery = listMessagesQuery.extend({
  user_id: userIdFilter,
  to: z.string().max(40).optional().openapi({
    description:
      "The other party: a number in international form matches exactly (`+213 661-23-45-67`); digits alone (at least 3) match numbers containing them (`6612345`)",
  }),
});

export const adminMessageDetailSchema = adminMessageSchema
  .extend({
    timeline: z
      .array(z.object({ status: z.enum(MESSAGE_STATUSES), at: z.string() }))
      .openapi({ description: "Statuses reached, oldest first, from the row's status times" }),
    webhook_deliveries: z
      .array(
        z.object({
          id: z.string(),
          webhook_id: z.string(),
          event_type: z.enum(WEBHOOK_DELIVERY_EVENT_TYPES),
          status: z.enum(WEBHOOK_DELIVERY_STATUSES),
          attempts: z.number().int(),
          last_status_code: z.number().int().nullable(),
          created_at: z.string(),
        }),
      )
      .openapi({ description: "Webhook deliveries that announced this message, oldest first" }),
  })
  .openapi("AdminMessageDetail");

export const messageIdParams = z.object({
  id: z
    .string()
    .openapi({ param: { name: "id", in: "path" }, example: "msg_01J9Z8Q4X3M2N1P0R9S8T7V6W5" }),
});

const queueDepthSchema = z
  .object({
    waiting: z
      .number()
      .int()
      .openapi({ description: "Ready to run (waiting, paused, prioritized)" }),
    active: z.number().int(),
    delayed: z.number().int().openapi({ description: "Scheduled sends and retries in backoff" }),
    failed: z.number().int(),
    oldest_waiting_age_seconds: z
      .number()
      .int()
      .openapi({ description: "Age of the oldest waiting job; 0 when none waits" }),
  })
  .openapi("QueueDepth");

export const queuesOverviewSchema = z
  .object({
    send: queueDepthSchema.openapi({ description: "Every send queue added up" }),
    send_queues: z
      .array(
        queueDepthSchema.extend({
          name: z.string().openapi({ example: "send-ses_01JB7Z0000000000000000000" }),
          session_id: z.string(),
          user_id: z.string(),
          session: z.string().openapi({ description: "The session's name" }),
        }),
      )
      .openapi({ description: "Send queues (one per session) holding any job, deepest first" }),
    webhooks: queueDepthSchema,
  })
  .openapi("QueuesOverview");

const typeList = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (!v) return undefined;
    const values = v
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    for (const value of values) {
      if (!(LIVE_EVENT_TYPES as readonly string[]).includes(value)) {
        ctx.addIssue({ code: "custom", message: `unknown event type ${value}` });
        return z.NEVER;
      }
    }
    return values;
  })
  .openapi({
    type: "string",
    description: `One type or several, comma-separated: ${LIVE_EVENT_TYPES.join(", ")}`,
    example: "message.status,session.status",
  });

export const adminEventsQuery = z.object({ user_id: userIdFilter, type: typeList });
