import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PgliteServer, startPgliteServer } from "./pglite-server.js";

describe("PGlite served to several postgres-js pools", () => {
  let db: PGlite;
  let server: PgliteServer;
  const pools: postgres.Sql[] = [];
  const pool = (max: number) => {
    const sql = postgres(server.url, { max, onnotice: () => {} });
    pools.push(sql);
    return sql;
  };

  beforeAll(async () => {
    db = await PGlite.create();
    server = await startPgliteServer({ db, port: 0 });
    await pool(1)`create table items (id int primary key, note text not null)`;
  }, 300_000); // PGlite's WASM start is slow on a loaded machine

  afterAll(async () => {
    await Promise.all(pools.map((sql) => sql.end({ timeout: 1 })));
    await server?.close();
    await db?.close();
  });

  it("gives every concurrent query its own answer, transactions included", async () => {
    // Three pools as the three services open them; the stock pglite-socket multiplexer
    // mixes clients' extended-protocol messages here (wrong rows, `portal "" does not exist`).
    const services = [pool(5), pool(5), pool(5)];
    const wrong: string[] = [];
    await Promise.all(
      services.flatMap((sql, s) =>
        Array.from({ length: 120 }, async (_, i) => {
          const n = s * 1000 + i;
          const [row] = await sql`select ${n}::int as n, ${`note-${n}`}::text as note`;
          if (row?.n !== n || row?.note !== `note-${n}`) wrong.push(`${n}: ${JSON.stringify(row)}`);
          if (i % 10 === 0) {
            await sql.begin(async (tx) => {
              await tx`insert into items values (${n}, 'a')`;
              await tx`update items set note = 'b' where id = ${n}`;
            });
          }
        }),
      ),
    );
    expect(wrong).toEqual([]);
    const [count] = await services[0]!`select count(*)::int as c from items where note = 'b'`;
    expect(count?.c).toBe(36);
  }, 60_000);

  it("keeps an open transaction's writes from other connections until it commits", async () => {
    const writer = pool(1);
    const reader = pool(1);
    let release!: () => void;
    const holding = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tx = writer.begin(async (t) => {
      await t`insert into items values (-1, 'pending')`;
      await holding;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The reader waits for the writer's transaction to end, then sees the committed row.
    const read = reader`select note from items where id = -1`;
    release();
    await tx;
    expect((await read).map((r) => r.note)).toEqual(["pending"]);
  });

  it("rolls back and frees the database when a client drops mid-transaction", async () => {
    const quitter = pool(1);
    const other = pool(1);
    await quitter`begin`;
    await quitter`insert into items values (-2, 'never')`;
    await quitter.end({ timeout: 0 });
    const rows = await other`select id from items where id = -2`;
    expect(rows).toHaveLength(0);
    expect(server.stats().waiting).toBe(0);
  });
});
