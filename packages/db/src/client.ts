import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./schema/index.js";

export type Schema = typeof schema;
export type Database = PostgresJsDatabase<Schema>;
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];
/** Either the database or a transaction: verbs that may run inside one take this. */
export type Executor = Database | Transaction;

export interface DbClient {
  db: Database;
  sql: postgres.Sql;
  close: () => Promise<void>;
}

export interface CreateDbOptions {
  /** Connection pool size. Default 10. */
  max?: number;
  /** Application name shown in pg_stat_activity. */
  applicationName?: string;
}

/** Opens a pooled connection to Postgres and the typed Drizzle handle over it. */
export function createDb(url: string, options: CreateDbOptions = {}): DbClient {
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? "wagate" },
    // Dates arrive as Date, bigint as number where the schema says so.
  });
  const db = drizzle(sql, { schema, casing: "snake_case" });
  return { db, sql, close: () => sql.end({ timeout: 5 }) };
}

/** True when Postgres answers a trivial query within `timeoutMs`. */
export async function pingDb(sql: postgres.Sql, timeoutMs = 2000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      sql`select 1`,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("timeout")), timeoutMs);
      }),
    ]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
