import { customType, integer, pgTable, text } from "drizzle-orm/pg-core";
import { tstz } from "./_columns.js";

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => "bytea" });

/**
 * Stored media bytes (issue 12, inbound media) when `MEDIA_STORAGE=postgres`: one row per key
 * (the message id). Written and read only through `@wagate/core` `media-store.ts`.
 */
export const storedMedia = pgTable("stored_media", {
  key: text("key").primaryKey(),
  mimeType: text("mime_type").notNull(),
  filename: text("filename"),
  size: integer("size").notNull(),
  data: bytea("data").notNull(),
  createdAt: tstz("created_at").notNull().defaultNow(),
});
