import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createTestDatabase, withDatabase } from "@wagate/testkit";
import { eq, sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, describe, expect, inject, it } from "vitest";
import {
  createDb,
  MIGRATIONS_FOLDER,
  messages,
  newId,
  runMigrations,
  users,
} from "../src/index.js";

const infra = inject("wagateInfra");
const created: string[] = [];

async function emptyDatabase(): Promise<string> {
  const name = `wagate_t_empty_${Math.random().toString(36).slice(2, 10)}`;
  const admin = postgres(infra.databaseUrl, { max: 1 });
  await admin.unsafe(`create database "${name}"`);
  await admin.end();
  created.push(name);
  return withDatabase(infra.databaseUrl, name);
}

afterAll(async () => {
  const admin = postgres(infra.databaseUrl, { max: 1 });
  for (const name of created) await admin.unsafe(`drop database if exists "${name}" with (force)`);
  await admin.end();
});

describe("migrations", () => {
  it("apply on an empty database, and two runners started at once apply everything once", async () => {
    const url = await emptyDatabase();
    await Promise.all([runMigrations(url), runMigrations(url)]);
    const client = postgres(url, { max: 1 });
    const applied = await client`select count(*)::int as n from drizzle.__drizzle_migrations`;
    const tables = await client`
      select table_name from information_schema.tables where table_schema = 'public'`;
    await client.end();
    const journal = JSON.parse(
      readFileSync(join(MIGRATIONS_FOLDER, "meta", "_journal.json"), "utf8"),
    ) as { entries: unknown[] };
    expect(applied[0]?.n).toBe(journal.entries.length);
    const names = tables.map((t) => t.table_name);
    for (const table of ["admins", "users", "api_keys", "messages", "api_logs", "usage_stats"]) {
      expect(names).toContain(table);
    }
    // A third run later finds nothing to do.
    await runMigrations(url);
  });

  it("round-trips rows through the schema, including constraints", async () => {
    const t = await createTestDatabase();
    try {
      const userId = newId("user");
      await t.db.insert(users).values({ id: userId, name: "Acme", email: "ops@acme.test" });
      const msgId = newId("message");
      await t.db.insert(messages).values({
        id: msgId,
        userId,
        mode: "test",
        direction: "outbound",
        recipient: "+213661234567",
        type: "text",
        content: "hello",
        status: "queued",
        media: null,
      });
      const [row] = await t.db.select().from(messages).where(eq(messages.id, msgId));
      expect(row).toMatchObject({ userId, status: "queued", content: "hello", attempts: 0 });
      expect(row?.createdAt).toBeInstanceOf(Date);
      await expect(
        t.db.execute(sql`update messages set status = 'bogus' where id = ${msgId}`),
      ).rejects.toMatchObject({ cause: { constraint_name: "messages_status_ck" } });
    } finally {
      await t.drop();
    }
  });

  it("partitions api_logs by UTC day and drops whole days", async () => {
    const t = await createTestDatabase();
    const client = createDb(t.url);
    try {
      const { ensureApiLogPartitions, dropApiLogPartitionsBefore } = await import(
        "../src/index.js"
      );
      const old = new Date("2020-01-01T10:00:00Z");
      await ensureApiLogPartitions(client.sql, old, 1);
      await client.sql`insert into api_logs (id, method, route, status_code, duration_ms, created_at)
        values ('log_a', 'GET', '/x', 200, 1, ${old.toISOString()}), ('log_b', 'GET', '/x', 200, 1, now())`;
      const [part] =
        await client.sql`select tableoid::regclass::text as p from api_logs where id = 'log_a'`;
      expect(part?.p).toBe("api_logs_20200101");
      const dropped = await dropApiLogPartitionsBefore(
        client.sql,
        new Date("2020-01-03T00:00:00Z"),
      );
      expect(dropped).toBe(2);
      const rest = await client.sql`select id from api_logs`;
      expect(rest.map((r) => r.id)).toEqual(["log_b"]);
    } finally {
      await client.close();
      await t.drop();
    }
  });
});
