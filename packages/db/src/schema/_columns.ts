import { sql } from "drizzle-orm";
import { timestamp } from "drizzle-orm/pg-core";

/** Every table carries these two; `updated_at` moves on every update through Drizzle. */
export const timestamps = {
  createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" })
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date()),
};

export const tstz = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/** `col IN ('a','b')` for check constraints built from the contracts' closed vocabularies. */
export const oneOf = (column: string, values: readonly string[]) =>
  sql.raw(`${column} in (${values.map((v) => `'${v}'`).join(", ")})`);
