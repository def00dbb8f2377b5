import { z } from "@hono/zod-openapi";
import type { UserRow } from "../../domain/users/manage.js";
import { listSchema, paginationQuery } from "../../lib/openapi.js";
import { emailField, phoneField } from "../admins/schema.js";

/**
 * Per-account pacing overrides (`users.pacing`), exactly the keys the worker reads
 * (`resolvePacing` in services/whatsapp-worker/src/send/pacing.ts); each omitted key keeps the
 * worker's default. Rates are positive; the millisecond waits may be 0 (none).
 */
export const pacingSchema = z
  .object({
    per_minute: z.number().int().min(1).max(1000).optional().openapi({
      description: "Sustained sends per minute per session (default 20)",
    }),
    burst: z.number().int().min(1).max(1000).optional().openapi({
      description: "Sends allowed back to back before the rate applies (default 5)",
    }),
    min_gap_ms: z.number().int().min(0).max(3_600_000).optional().openapi({
      description: "Least time between two messages to the same recipient (default 3000)",
    }),
    jitter_ms: z.number().int().min(0).max(600_000).optional().openapi({
      description: "Random extra wait, 0 to this, added whenever a send waits (default 1500)",
    }),
    rate_limit_pause_ms: z.number().int().min(0).max(86_400_000).optional().openapi({
      description: "Pause of the session when WhatsApp signals rate limiting (default 60000)",
    }),
    typing_ms_per_char: z.number().min(0).max(1000).optional().openapi({
      description:
        "Typing before send: show typing this long per character of a text before sending it (default 0: off)",
    }),
    typing_max_ms: z.number().int().min(0).max(60_000).optional().openapi({
      description: "Longest typing shown before one send (default 8000)",
    }),
  })
  .strict()
  .openapi("Pacing");

export type PacingOverrides = z.infer<typeof pacingSchema>;

const pacingField = pacingSchema.nullable().openapi({
  description:
    "Per-account overrides of the worker's pacing defaults; null (or `{}`) means the defaults. Applies to the account's running sessions within seconds.",
});

export const userSchema = z
  .object({
    id: z.string().openapi({ example: "usr_01JB7Z0000000000000000000" }),
    name: z.string(),
    email: z.string(),
    phone: z.string().nullable(),
    is_active: z.boolean(),
    max_messages_per_day: z.number().int(),
    max_sessions: z.number().int(),
    pacing: pacingField,
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("User");

const modeUsageSchema = z
  .object({
    messages: z.number().int().openapi({ description: "Messages accepted today in this mode" }),
    quota_remaining: z.number().int().openapi({
      description: "`max_messages_per_day - messages`, never below 0",
    }),
  })
  .openapi("ModeUsage");

export const userWithUsageSchema = userSchema
  .extend({
    messages_today: z.number().int().openapi({
      description:
        "Live-mode messages accepted today (UTC day), counted against `max_messages_per_day`. Test-mode sends have their own counter and are not included.",
    }),
    quota_remaining: z
      .number()
      .int()
      .openapi({ description: "`max_messages_per_day - messages_today`, never below 0" }),
    usage_today: z.object({ live: modeUsageSchema, test: modeUsageSchema }).openapi({
      description:
        "Today's usage (UTC day) per key mode; each mode has its own counter against `max_messages_per_day`",
    }),
  })
  .openapi("UserWithUsage");

export const userListSchema = listSchema(userSchema, "UserList");

export const userIdParams = z.object({
  id: z
    .string()
    .openapi({ param: { name: "id", in: "path" }, example: "usr_01JB7Z0000000000000000000" }),
});

export const listUsersQuery = paginationQuery.extend({
  search: z.string().trim().min(1).max(200).optional().openapi({
    description: "Case-insensitive substring of name, email or phone",
  }),
  is_active: z.enum(["true", "false"]).optional(),
  phone: phoneField.optional().openapi({ description: "Exact phone, international form" }),
});

const name = z.string().trim().min(1).max(200);
const maxMessagesPerDay = z.number().int().min(0).max(10_000_000);
const maxSessions = z.number().int().min(0).max(1000);

export const createUserBody = z
  .object({
    name,
    email: emailField,
    phone: phoneField.nullable().optional(),
    max_messages_per_day: maxMessagesPerDay
      .optional()
      .openapi({ description: "Daily send quota (UTC day). Default 1000" }),
    max_sessions: maxSessions
      .optional()
      .openapi({ description: "WhatsApp sessions the account may hold. Default 1" }),
    pacing: pacingField.optional(),
  })
  .openapi("CreateUserRequest");

export const updateUserBody = z
  .object({
    name: name.optional(),
    email: emailField.optional(),
    phone: phoneField.nullable().optional(),
    max_messages_per_day: maxMessagesPerDay.optional(),
    max_sessions: maxSessions.optional(),
    pacing: pacingField.optional(),
    is_active: z.boolean().optional(),
  })
  .openapi("UpdateUserRequest");

export const toUser = (row: UserRow) => ({
  id: row.id,
  name: row.name,
  email: row.email,
  phone: row.phone,
  is_active: row.isActive,
  max_messages_per_day: row.maxMessagesPerDay,
  max_sessions: row.maxSessions,
  pacing: row.pacing ?? null,
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
});
