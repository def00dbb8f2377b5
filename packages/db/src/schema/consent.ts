import { OPT_OUT_SOURCES } from "@wagate/contracts";
import { check, index, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { oneOf, timestamps } from "./_columns.js";
import { users } from "./accounts.js";
import { whatsappSessions } from "./messaging.js";

/**
 * Per-account opt-out list: nothing is sent to `phone` (E.164) from this account, in either
 * key mode, while its row exists. Opting back in deletes the row.
 */
export const optOuts = pgTable(
  "opt_outs",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    phone: text("phone").notNull(),
    reason: text("reason"),
    source: text("source", { enum: OPT_OUT_SOURCES }).notNull(),
    /** The session a keyword arrived on (`keyword` source). */
    sessionId: text("session_id").references(() => whatsappSessions.id, { onDelete: "set null" }),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("opt_outs_user_phone_uq").on(t.userId, t.phone),
    index("opt_outs_user_idx").on(t.userId, t.id),
    check("opt_outs_source_ck", oneOf("source", OPT_OUT_SOURCES)),
  ],
);
