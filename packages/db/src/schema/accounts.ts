import { API_KEY_SCOPES, KEY_MODES } from "@wagate/contracts";
import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { oneOf, timestamps, tstz } from "./_columns.js";

/** Per-account consent settings (`users.consent`); absent keys take the defaults. */
export interface ConsentSettings {
  /** Whole inbound messages that opt the sender out (default STOP, UNSUBSCRIBE, ARRET). */
  opt_out_keywords?: string[];
  /** Whole inbound messages that opt the sender back in (default START). */
  opt_in_keywords?: string[];
  /** Text sent back after a keyword opt-out (null or absent: none). */
  opt_out_reply?: string | null;
  /** Text sent back after a keyword opt-in (null or absent: none). */
  opt_in_reply?: string | null;
}

/** Accounts: the businesses that send through wagate ("users" in the API). */
export const users = pgTable(
  "users",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    /** Stored lower-cased. */
    email: text("email").notNull(),
    phone: text("phone"),
    isActive: boolean("is_active").notNull().default(true),
    maxMessagesPerDay: integer("max_messages_per_day").notNull().default(1000),
    maxSessions: integer("max_sessions").notNull().default(1),
    /** Per-account overrides of the pacing defaults (tokens per minute, gap per recipient). */
    pacing: jsonb("pacing").$type<Record<string, number>>(),
    /**
     * Consent settings over the defaults (`ConsentSettings`: opt-out / opt-in keywords and
     * the confirmation texts sent back); null = defaults.
     */
    consent: jsonb("consent").$type<ConsentSettings>(),
    /** Incoming calls (issue 12): reject them automatically, optionally answering with a text. */
    callPolicy: jsonb("call_policy").$type<{ reject: boolean; message: string | null }>(),
    deletedAt: tstz("deleted_at"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("users_email_live_uq").on(t.email).where(sql`deleted_at is null`),
    index("users_phone_idx").on(t.phone),
    check("users_max_messages_ck", sql`max_messages_per_day >= 0`),
    check("users_max_sessions_ck", sql`max_sessions >= 0`),
  ],
);

export const apiKeys = pgTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** Display prefix, e.g. `wag_live_AbC1`: enough to recognise a key, useless to use it. */
    prefix: text("prefix").notNull(),
    /** Keyed hash (HMAC-SHA-256) of the raw key; the raw key is never stored. */
    keyHash: text("key_hash").notNull(),
    mode: text("mode", { enum: KEY_MODES }).notNull(),
    scopes: text("scopes").array().notNull().default(sql`ARRAY[]::text[]`),
    expiresAt: tstz("expires_at"),
    lastUsedAt: tstz("last_used_at"),
    revokedAt: tstz("revoked_at"),
    createdBy: text("created_by"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("api_keys_hash_uq").on(t.keyHash),
    index("api_keys_user_idx").on(t.userId, t.id),
    check("api_keys_mode_ck", oneOf("mode", KEY_MODES)),
    check(
      "api_keys_scopes_ck",
      sql.raw(`scopes <@ ARRAY[${API_KEY_SCOPES.map((s) => `'${s}'`).join(", ")}]::text[]`),
    ),
  ],
);

export const usageStats = pgTable(
  "usage_stats",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    date: date("date", { mode: "string" }).notNull(),
    messagesSent: integer("messages_sent").notNull().default(0),
    messagesFailed: integer("messages_failed").notNull().default(0),
    mediaSent: integer("media_sent").notNull().default(0),
    apiRequests: integer("api_requests").notNull().default(0),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("usage_stats_user_date_uq").on(t.userId, t.date),
    index("usage_stats_date_idx").on(t.date),
  ],
);

export const phonePrefixes = pgTable(
  "phone_prefixes",
  {
    id: text("id").primaryKey(),
    /** E.164 prefix with the plus, e.g. `+2136`. */
    prefix: text("prefix").notNull(),
    carrier: text("carrier"),
    country: text("country"),
    allowed: boolean("allowed").notNull().default(true),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("phone_prefixes_prefix_uq").on(t.prefix),
    check("phone_prefixes_prefix_ck", sql`prefix ~ '^\\+[0-9]{1,15}$'`),
  ],
);
