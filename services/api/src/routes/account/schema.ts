import { z } from "@hono/zod-openapi";
import { KEY_MODES } from "@wagate/contracts";
import type { AccountOverview } from "../../domain/account/overview.js";

export const accountSchema = z
  .object({
    id: z.string().openapi({ example: "usr_01JB7Z0000000000000000000" }),
    name: z.string(),
    email: z.string(),
    mode: z.enum(KEY_MODES).openapi({ description: "The mode of the key making this request" }),
    max_messages_per_day: z.number().int(),
    max_sessions: z.number().int(),
    messages_today: z.number().int().openapi({
      description:
        "Sends accepted today (UTC day) in this key's mode; live and test keys have separate counters",
    }),
    quota_remaining: z
      .number()
      .int()
      .openapi({ description: "`max_messages_per_day - messages_today`, never below 0" }),
    reset_at: z.string().openapi({ description: "Next UTC midnight, when the counter restarts" }),
  })
  .openapi("Account");

export const toAccount = (o: AccountOverview): z.infer<typeof accountSchema> => ({
  id: o.user.id,
  name: o.user.name,
  email: o.user.email,
  mode: o.mode,
  max_messages_per_day: o.user.maxMessagesPerDay,
  max_sessions: o.user.maxSessions,
  messages_today: o.messagesToday,
  quota_remaining: o.quotaRemaining,
  reset_at: o.resetAt.toISOString(),
});
