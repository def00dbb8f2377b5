import { type Database, newId, phonePrefixes } from "@wagate/db";
import { and, desc, eq, lt } from "drizzle-orm";
import { conflict, notFound } from "../../lib/errors.js";
import { invalidatePrefixCache } from "./policy.js";

export type PhonePrefixRow = typeof phonePrefixes.$inferSelect;

export interface PhonePrefixInput {
  prefix: string;
  carrier?: string | null;
  country?: string | null;
  allowed?: boolean;
}

/** Newest first, keyset-paginated by id. */
export async function listPhonePrefixes(
  db: Database,
  options: { limit: number; before?: string | undefined; allowed?: boolean | undefined },
): Promise<PhonePrefixRow[]> {
  return db
    .select()
    .from(phonePrefixes)
    .where(
      and(
        options.before ? lt(phonePrefixes.id, options.before) : undefined,
        options.allowed === undefined ? undefined : eq(phonePrefixes.allowed, options.allowed),
      ),
    )
    .orderBy(desc(phonePrefixes.id))
    .limit(options.limit + 1);
}

/** Adds a policy row; a prefix already present is a 409 `conflict`. */
export async function createPhonePrefix(
  db: Database,
  input: PhonePrefixInput,
): Promise<PhonePrefixRow> {
  const [row] = await db
    .insert(phonePrefixes)
    .values({
      id: newId("phonePrefix"),
      prefix: input.prefix,
      carrier: input.carrier ?? null,
      country: input.country ?? null,
      allowed: input.allowed ?? true,
    })
    .onConflictDoNothing({ target: phonePrefixes.prefix })
    .returning();
  if (!row) throw conflict(`prefix ${input.prefix} already exists`, { prefix: input.prefix });
  invalidatePrefixCache(db);
  return row;
}

/** Removes a policy row; returns what was removed (for the audit log). */
export async function deletePhonePrefix(db: Database, id: string): Promise<PhonePrefixRow> {
  const [row] = await db.delete(phonePrefixes).where(eq(phonePrefixes.id, id)).returning();
  if (!row) throw notFound("phone prefix");
  invalidatePrefixCache(db);
  return row;
}
