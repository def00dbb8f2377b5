import "vitest";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { MIGRATIONS_FOLDER, runMigrations } from "@wagate/db";
import postgres from "postgres";

declare module "vitest" {
  export interface ProvidedContext {
    wagateInfra: TestInfra;
  }
}

export interface TestInfra {
  /** Server-level Postgres URL (any database); test databases are created beside it. */
  databaseUrl: string;
  redisUrl: string;
  /** Database holding the migrated schema, copied for every test file. */
  templateDatabase: string;
}

/** URL of the same server with another database name. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** The template's name changes whenever a migration changes, so a stale one is never reused. */
export function templateName(): string {
  const hash = createHash("sha256");
  for (const file of readdirSync(MIGRATIONS_FOLDER).sort()) {
    if (file.endsWith(".sql")) hash.update(readFileSync(join(MIGRATIONS_FOLDER, file)));
  }
  return `wagate_tpl_${hash.digest("hex").slice(0, 12)}`;
}

/** Creates (once, under an advisory lock) the migrated template database. */
export async function prepareTemplate(databaseUrl: string): Promise<string> {
  const name = templateName();
  const admin = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await admin`select pg_advisory_lock(4242001)`;
    const [exists] = await admin`select 1 from pg_database where datname = ${name}`;
    if (!exists) {
      const building = `${name}_building`;
      await admin.unsafe(`drop database if exists "${building}" with (force)`);
      await admin.unsafe(`create database "${building}"`);
      await runMigrations(withDatabase(databaseUrl, building));
      await admin.unsafe(`alter database "${building}" rename to "${name}"`);
    }
    await admin`select pg_advisory_unlock(4242001)`;
  } finally {
    await admin.end({ timeout: 5 });
  }
  return name;
}
