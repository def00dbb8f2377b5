import { index, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { timestamps, tstz } from "./_columns.js";
import { users } from "./accounts.js";
import { admins } from "./admins.js";
import { whatsappSessions } from "./messaging.js";

/**
 * Single-use links an admin hands to a business to link one session's phone without a key:
 * the raw token (`wpl_…`) is only in the URL given once; the row keeps its SHA-256.
 */
export const pairingLinks = pgTable(
  "pairing_links",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    sessionId: text("session_id")
      .notNull()
      .references(() => whatsappSessions.id, { onDelete: "cascade" }),
    /** Hex SHA-256 of the raw token. */
    tokenHash: text("token_hash").notNull(),
    createdBy: text("created_by").references(() => admins.id, { onDelete: "set null" }),
    expiresAt: tstz("expires_at").notNull(),
    /** Set when the session was seen `ready` through the link; later opens are refused. */
    usedAt: tstz("used_at"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("pairing_links_token_hash_uq").on(t.tokenHash),
    index("pairing_links_session_idx").on(t.sessionId),
  ],
);
