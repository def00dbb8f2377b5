import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { directoryMediaStore } from "@wagate/core";
import { ensureApiLogPartitions, messages, type newId } from "@wagate/db";
import { useTestEnv } from "@wagate/testkit";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setPruneMediaStore } from "../src/jobs/prune-logs.js";
import {
  daysAgo,
  idAt,
  insertApiLog,
  insertMessage,
  insertUser,
  makeScheduler,
} from "./helpers.js";

const env = useTestEnv();
const NOW = new Date("2026-06-15T10:00:00.000Z");
let scheduler: ReturnType<typeof makeScheduler>;
let userId: string;

const count = async (query: ReturnType<typeof sql>) =>
  Number(((await env.db.db.execute(query))[0] as { n: number }).n);

const partitions = async () =>
  (
    await env.db.db.execute<{ relname: string }>(sql`
      select c.relname from pg_inherits i
        join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
       where p.relname = 'api_logs' and c.relname ~ '^api_logs_[0-9]{8}$' order by 1`)
  ).map((r) => r.relname);

async function insertDated(table: string, at: Date, extra: Record<string, unknown> = {}) {
  const kinds: Record<string, Parameters<typeof newId>[0]> = {
    login_history: "loginHistory",
    audit_logs: "auditLog",
  };
  const id = idAt(kinds[table]!, at);
  if (table === "login_history") {
    await env.db.db.execute(sql`insert into login_history (id, email, success, reason, created_at)
      values (${id}, 'a@example.com', false, 'bad_password', ${at.toISOString()}::timestamptz)`);
  } else {
    await env.db.db.execute(sql`insert into audit_logs (id, actor_type, action, created_at, metadata)
      values (${id}, 'system', 'test', ${at.toISOString()}::timestamptz, ${JSON.stringify(extra)}::jsonb)`);
  }
}

beforeAll(async () => {
  userId = await insertUser(env);
  // Day partitions for the 40 days before NOW; one row a day at 12:00 UTC, two on the last.
  await ensureApiLogPartitions(env.db.sql, daysAgo(NOW, 40), 40);
  for (let d = 1; d <= 40; d++) {
    await insertApiLog(env, { userId, at: new Date(Date.UTC(2026, 5, 15 - d, 12)) });
  }
  await insertApiLog(env, { userId, at: new Date(Date.UTC(2026, 5, 15, 9)) });
  // A row older than every partition lands in the default partition.
  await insertApiLog(env, { userId, at: daysAgo(NOW, 200) });
  for (const d of [1, 89, 91, 120]) await insertDated("login_history", daysAgo(NOW, d));
  for (const d of [1, 364, 366, 400]) await insertDated("audit_logs", daysAgo(NOW, d));
  // Webhook deliveries with attempts, 29 and 31 days old.
  await env.db.db.execute(sql`insert into webhooks (id, user_id, url, events, secret)
    values ('whk_1', ${userId}, 'https://example.com/h', ARRAY['message.status'], 'whsec_x')`);
  for (const d of [29, 31, 45]) {
    const id = idAt("webhookDelivery", daysAgo(NOW, d));
    await env.db.db.execute(sql`insert into webhook_deliveries (id, webhook_id, user_id, event_type, payload, status, created_at)
      values (${id}, 'whk_1', ${userId}, 'message.status', '{}'::jsonb, 'succeeded', ${daysAgo(NOW, d).toISOString()}::timestamptz)`);
    await env.db.db.execute(sql`insert into webhook_delivery_attempts (id, delivery_id, attempt, status_code, duration_ms)
      values (${idAt("webhookAttempt", NOW)}, ${id}, 1, 200, 5)`);
  }
  // The simulator's delivery records and failures, 29, 31 and 45 days old.
  for (const d of [29, 31, 45]) {
    const at = daysAgo(NOW, d).toISOString();
    await env.db.db.execute(sql`insert into simulator_deliveries
      (reference, session_id, recipient, wa_message_id, first_sent_at, last_sent_at)
      values (${`msg_sim_${d}`}, 'ses_x', '+213661234567', ${`wa_${d}`}, ${at}::timestamptz, ${at}::timestamptz)`);
    await env.db.db.execute(sql`insert into simulator_failures (reference, failed_at)
      values (${`msg_fail_${d}`}, ${at}::timestamptz)`);
  }
  scheduler = makeScheduler(env, { now: () => NOW, settings: { PRUNE_BATCH_SIZE: "2" } });
});

afterAll(async () => {
  await scheduler?.stop();
});

describe("prune-logs", () => {
  it("removes exactly what is past retention, in batches", async () => {
    const oldSent: string[] = [];
    for (let i = 0; i < 5; i++) {
      oldSent.push(
        await insertMessage(env, {
          userId,
          status: "delivered",
          createdAt: daysAgo(NOW, 100 + i),
          sentAt: daysAgo(NOW, 100 + i),
        }),
      );
    }
    const oldQueued = await insertMessage(env, {
      userId,
      status: "scheduled",
      createdAt: daysAgo(NOW, 95),
    });
    const recent = await insertMessage(env, {
      userId,
      status: "sent",
      createdAt: daysAgo(NOW, 89),
    });

    const outcome = await scheduler.runJob("prune-logs");
    expect(outcome.result).toBe("success");
    if (outcome.result !== "success") return;
    // Retention 30 days: the cutoff is 2026-05-16T10:00Z, so whole days before 05-16 go.
    expect(outcome.summary).toMatchObject({
      api_log_partitions_dropped: 10,
      api_log_default_rows_deleted: 1,
      login_history_deleted: 2,
      audit_logs_deleted: 2,
      webhook_deliveries_deleted: 2,
      simulator_deliveries_deleted: 2,
      simulator_failures_deleted: 2,
      message_contents_cleared: 5,
    });
    const parts = await partitions();
    expect(parts[0]).toBe("api_logs_20260516");
    // Created 7 days ahead of NOW (the template also holds partitions around the real today).
    expect(parts).toContain("api_logs_20260622");
    expect(parts).not.toContain("api_logs_20260623");
    expect(await count(sql`select count(*)::int as n from api_logs`)).toBe(31);
    expect(
      await count(sql`select count(*)::int as n from api_logs where created_at < '2026-05-16'`),
    ).toBe(0);
    expect(await count(sql`select count(*)::int as n from login_history`)).toBe(2);
    expect(await count(sql`select count(*)::int as n from audit_logs`)).toBe(2);
    expect(await count(sql`select count(*)::int as n from webhook_deliveries`)).toBe(1);
    expect(await count(sql`select count(*)::int as n from webhook_delivery_attempts`)).toBe(1);
    const kept = await env.db.db.execute<{ reference: string }>(
      sql`select reference from simulator_deliveries union all select reference from simulator_failures`,
    );
    expect(kept.map((r) => r.reference).sort()).toEqual(["msg_fail_29", "msg_sim_29"]);

    const rows = await env.db.db.select().from(messages);
    expect(rows).toHaveLength(7);
    for (const row of rows) {
      const cleared = oldSent.includes(row.id);
      expect(row.content === null).toBe(cleared);
    }
    expect(rows.find((r) => r.id === oldQueued)!.content).toBe("hello");
    expect(rows.find((r) => r.id === recent)!.content).toBe("hello");
  });

  it("clears a held-back message once it finishes, and a rerun finds nothing else", async () => {
    const [held] = await env.db.db.select().from(messages).where(eq(messages.status, "scheduled"));
    await env.db.db.update(messages).set({ status: "sent" }).where(eq(messages.id, held!.id));
    const outcome = await scheduler.runJob("prune-logs");
    expect(outcome).toMatchObject({
      result: "success",
      summary: {
        message_contents_cleared: 1,
        api_log_partitions_dropped: 0,
        login_history_deleted: 0,
      },
    });
    const again = await scheduler.runJob("prune-logs");
    expect(again).toMatchObject({ result: "success", summary: { message_contents_cleared: 0 } });
  });

  it("deletes the stored media of inbound messages whose content it clears", async () => {
    const dir = await mkdtemp(join(tmpdir(), "wagate-prune-media-"));
    const store = directoryMediaStore(dir);
    setPruneMediaStore(store);
    try {
      const ids: string[] = [];
      for (const status of ["stored", "too_large"] as const) {
        const id = await insertMessage(env, {
          userId,
          direction: "inbound",
          status: "received",
          type: "image",
          content: null,
          createdAt: daysAgo(NOW, 92),
        });
        await env.db.db
          .update(messages)
          .set({ media: { url: null, mimeType: "image/png", filename: null, size: 3, status } })
          .where(eq(messages.id, id));
        ids.push(id);
      }
      await store.put(ids[0]!, Buffer.from("png"), { mimeType: "image/png", filename: null });
      const outcome = await scheduler.runJob("prune-logs");
      expect(outcome).toMatchObject({
        result: "success",
        summary: { message_contents_cleared: 2, stored_media_deleted: 1 },
      });
      expect(await store.get(ids[0]!)).toBeNull();
    } finally {
      setPruneMediaStore(undefined);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
