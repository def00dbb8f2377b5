import { index, integer, jsonb, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { tstz } from "./_columns.js";

/*
 * The simulator driver's stand-in for WhatsApp's servers (test-mode sessions only). It lives
 * outside any worker process so that a second worker sees what the first one sent (exact
 * `findSent`, exactly-once checks from outside) and a session linked once stays linked across
 * worker restarts, as a real phone would. No foreign keys: "WhatsApp" knows nothing of ours.
 */

/** Every message the simulator delivered, by our message id (the send's reference). */
export const simulatorDeliveries = pgTable(
  "simulator_deliveries",
  {
    reference: text("reference").primaryKey(),
    sessionId: text("session_id").notNull(),
    recipient: text("recipient").notNull(),
    text: text("text"),
    waMessageId: text("wa_message_id").notNull(),
    /** How many times a driver was asked to deliver this reference (1 = exactly once). */
    sendCount: integer("send_count").notNull().default(1),
    firstSentAt: tstz("first_sent_at").notNull(),
    lastSentAt: tstz("last_sent_at").notNull(),
  },
  (t) => [index("simulator_deliveries_session_idx").on(t.sessionId, t.firstSentAt)],
);

/** Simulator sessions whose "phone" is linked: they reopen without a QR. */
export const simulatorLinkedDevices = pgTable("simulator_linked_devices", {
  sessionId: text("session_id").primaryKey(),
  phoneNumber: text("phone_number").notNull(),
  linkedAt: tstz("linked_at").notNull(),
});

/** References that already failed once (magic recipient `...0002`). */
export const simulatorFailures = pgTable("simulator_failures", {
  reference: text("reference").primaryKey(),
  failedAt: tstz("failed_at").notNull(),
});

/**
 * The simulator's groups (issue 12), per session: the group as the driver reports it
 * (`GroupInfo` of `@wagate/contracts`, camelCase), so a group outlives a worker restart and
 * follows its session to another worker.
 */
export const simulatorGroups = pgTable(
  "simulator_groups",
  {
    sessionId: text("session_id").notNull(),
    groupId: text("group_id").notNull(),
    info: jsonb("info").notNull(),
    updatedAt: tstz("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.groupId] })],
);
