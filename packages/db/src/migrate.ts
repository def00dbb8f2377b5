import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";

export const MIGRATIONS_FOLDER = fileURLToPath(new URL("../drizzle", import.meta.url));

/** Arbitrary constant: every wagate process that migrates takes this advisory lock. */
const MIGRATION_LOCK_ID = 7_316_204_551;

/**
 * Applies pending migrations. Safe when several replicas start at once: all of them wait on
 * one advisory lock, the first applies, the others find nothing left to do. The lock and
 * the migrations share one dedicated connection, so the lock is held for exactly as long
 * as the migrations run and is released even if the process dies (session ends).
 */
export async function runMigrations(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_ID})`;
    try {
      await migrate(drizzle(sql), { migrationsFolder: MIGRATIONS_FOLDER });
      await sql`select wagate_ensure_api_log_partitions(now(), 7)`;
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`;
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}
