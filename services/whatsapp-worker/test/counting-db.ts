import type { Database } from "@wagate/db";
import * as schema from "@wagate/db";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";

/**
 * A database handle that counts every statement it sends to Postgres (postgres.js's
 * `debug` hook sees each one, including the BEGIN/COMMIT of a transaction), for tests
 * and benchmarks that assert how many round trips a piece of work costs. Counting is
 * switched on with `start()` and read with `stop()`, so set-up traffic is left out.
 */
export interface CountingDb {
  db: Database;
  /** Starts a fresh count. */
  start(): void;
  /** Stops counting; returns the statements seen since `start()`. */
  stop(): string[];
  close(): Promise<void>;
}

export function countingDb(url: string, max = 5): CountingDb {
  let seen: string[] | null = null;
  const sql = postgres(url, {
    max,
    onnotice: () => {},
    connection: { application_name: "wagate-test-counting" },
    debug: (_connection, query) => {
      seen?.push(query.replace(/\s+/g, " ").trim());
    },
  });
  // The package namespace holds the tables beside its functions; drizzle keeps the tables.
  const db = drizzle(sql, { schema, casing: "snake_case" }) as unknown as Database;
  return {
    db,
    start: () => {
      seen = [];
    },
    stop: () => {
      const out = seen ?? [];
      seen = null;
      return out;
    },
    close: () => sql.end({ timeout: 5 }),
  };
}
