import { auditLogs, ensureApiLogPartitions, usageStats } from "@wagate/db";
import { useTestEnv } from "@wagate/testkit";
import { asc, like, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { idAt, insertApiLog, insertMessage, insertUser, makeScheduler } from "./helpers.js";

const env = useTestEnv();
let now = new Date("2026-05-20T15:00:00.000Z");
let scheduler: ReturnType<typeof makeScheduler>;
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);

async function failedLogin(fields: { adminId: string | null; ip: string; at: Date }) {
  await env.db.db.execute(sql`insert into login_history (id, admin_id, email, success, reason, ip, created_at)
    values (${idAt("loginHistory", fields.at)}, ${fields.adminId}, 'x@example.com', false, 'bad_password',
            ${fields.ip}, ${fields.at.toISOString()}::timestamptz)`);
}

let spiky: string;
let steady: string;

beforeAll(async () => {
  await ensureApiLogPartitions(env.db.sql, new Date("2026-05-19T00:00:00Z"), 2);
  await env.db.db.execute(sql`insert into admins (id, email, password_hash, role)
    values ('adm_target', 't@example.com', 'x', 'admin'), ('adm_quiet', 'q@example.com', 'x', 'admin')`);
  // 12 failures on one admin from 4 IPs within 15 minutes (threshold 10); 3 on another.
  for (let i = 0; i < 12; i++)
    await failedLogin({ adminId: "adm_target", ip: `198.51.100.${i % 4}`, at: minutesAgo(i) });
  for (let i = 0; i < 3; i++)
    await failedLogin({ adminId: "adm_quiet", ip: "198.51.100.200", at: minutesAgo(i) });
  // 25 failures from one IP over unknown emails (threshold 20); old failures do not count.
  for (let i = 0; i < 25; i++)
    await failedLogin({ adminId: null, ip: "192.0.2.66", at: minutesAgo(i % 14) });
  for (let i = 0; i < 30; i++)
    await failedLogin({ adminId: null, ip: "192.0.2.77", at: minutesAgo(20 + i) });

  const account = await insertUser(env);
  // One key from 12 addresses (threshold 10), another from 2.
  for (let i = 0; i < 12; i++)
    await insertApiLog(env, {
      userId: account,
      keyId: "key_roaming",
      ip: `203.0.113.${i}`,
      at: minutesAgo(i),
    });
  for (let i = 0; i < 30; i++)
    await insertApiLog(env, {
      userId: account,
      keyId: "key_home",
      ip: `203.0.113.${i % 2}`,
      at: minutesAgo(i % 10),
    });

  // Quota spikes: 90 live sends today against a quota of 100 and a usual 5 a day; a steady
  // account sends 90 of 100 as it always does; test-mode sends never count.
  spiky = await insertUser(env, { maxMessagesPerDay: 100 });
  steady = await insertUser(env, { maxMessagesPerDay: 100 });
  const sandbox = await insertUser(env, { maxMessagesPerDay: 100 });
  for (const [userId, mode] of [
    [spiky, "live"],
    [steady, "live"],
    [sandbox, "test"],
  ] as const) {
    for (let i = 0; i < 90; i++)
      await insertMessage(env, { userId, mode, status: "sent", createdAt: minutesAgo(i) });
  }
  for (let d = 1; d <= 7; d++) {
    const date = new Date(now.getTime() - d * 86_400_000).toISOString().slice(0, 10);
    await env.db.db.insert(usageStats).values([
      { id: idAt("usageStat", now), userId: spiky, date, messagesSent: 5 },
      { id: idAt("usageStat", now), userId: steady, date, messagesSent: 85, messagesFailed: 5 },
    ]);
  }
  scheduler = makeScheduler(env, { now: () => now });
});

afterAll(async () => {
  await scheduler?.stop();
});

const findings = () =>
  env.db.db
    .select()
    .from(auditLogs)
    .where(like(auditLogs.action, "suspicious.%"))
    .orderBy(asc(auditLogs.action), asc(auditLogs.targetId));

describe("detect-suspicious", () => {
  it("records each pattern once in audit_logs, with its evidence, and counts it", async () => {
    const first = await scheduler.runJob("detect-suspicious");
    expect(first).toMatchObject({ result: "success", summary: { recorded: 4 } });
    const second = await scheduler.runJob("detect-suspicious");
    expect(second).toMatchObject({ result: "success", summary: { findings: 4, recorded: 0 } });

    const rows = await findings();
    expect(rows.map((r) => [r.action, r.targetType, r.targetId, r.actorType])).toEqual([
      ["suspicious.api_key_many_ips", "api_key", "key_roaming", "system"],
      ["suspicious.failed_logins_admin", "admin", "adm_target", "system"],
      ["suspicious.failed_logins_ip", "ip", "192.0.2.66", "system"],
      ["suspicious.quota_spike", "user", spiky, "system"],
    ]);
    expect(rows[0]!.metadata).toMatchObject({ distinct_ips: 12, requests: 12 });
    expect(rows[1]!.metadata).toMatchObject({ failures: 12 });
    expect((rows[1]!.metadata as { ips: string[] }).ips).toHaveLength(4);
    expect(rows[2]!.metadata).toMatchObject({ failures: 25 });
    expect(rows[3]!.metadata).toMatchObject({
      messages_today: 90,
      max_messages_per_day: 100,
      trailing_daily_average: 5,
    });

    const metric = await scheduler.ctx.metrics.suspiciousActivity.get();
    const byKind = Object.fromEntries(metric.values.map((v) => [v.labels.kind, v.value]));
    expect(byKind).toEqual({
      api_key_many_ips: 1,
      failed_logins_admin: 1,
      failed_logins_ip: 1,
      quota_spike: 1,
    });
  });

  it("reports a burst again only once its window has passed", async () => {
    now = new Date(now.getTime() + 16 * 60_000);
    for (let i = 0; i < 10; i++)
      await failedLogin({ adminId: "adm_target", ip: "198.51.100.9", at: minutesAgo(i) });
    const outcome = await scheduler.runJob("detect-suspicious");
    // The new admin burst is a new finding; the quota spike stays once per UTC day.
    expect(outcome).toMatchObject({
      result: "success",
      summary: { recorded: 1, failed_logins_admin: 1 },
    });
    expect(await findings()).toHaveLength(5);
  });
});
