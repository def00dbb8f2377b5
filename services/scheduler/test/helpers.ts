import { randomBytes } from "node:crypto";
import { createLogger } from "@wagate/core";
import { type IdKind, idAtTime, newId } from "@wagate/db";
import type { TestEnv } from "@wagate/testkit";
import { sql } from "drizzle-orm";
import { parseSchedulerSettings } from "../src/env.js";
import { createScheduler, type Scheduler } from "../src/scheduler.js";

/** A scheduler over the test file's own database and Redis prefix, with a fixed clock. */
export function makeScheduler(
  env: TestEnv,
  options: { now?: () => Date; settings?: Record<string, string> } = {},
): Scheduler {
  return createScheduler({
    db: env.db.db,
    sql: env.db.sql,
    redis: env.redis.redis,
    redisPrefix: env.redis.prefix,
    logger: createLogger("scheduler-test", "silent"),
    settings: parseSchedulerSettings({ SCHEDULER_LOCK_WAIT_MS: "0", ...options.settings }),
    ...(options.now ? { now: options.now } : {}),
  });
}

export async function insertUser(env: TestEnv, fields: { maxMessagesPerDay?: number } = {}) {
  const id = newId("user");
  await env.db.db.execute(sql`
    insert into users (id, name, email, max_messages_per_day)
    values (${id}, ${id}, ${`${id.toLowerCase()}@example.com`}, ${fields.maxMessagesPerDay ?? 1000})`);
  return id;
}

export async function insertSession(env: TestEnv, userId: string, name = "default") {
  const id = newId("session");
  await env.db.db.execute(sql`
    insert into whatsapp_sessions (id, user_id, name, mode, driver, status, desired_state)
    values (${id}, ${userId}, ${name}, 'test', 'simulator', 'stopped', 'stopped')`);
  return id;
}

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** An id whose time part is `at` (newId only moves forward, and seeds go back in time). */
export function idAt(kind: IdKind, at: Date): string {
  const random = Array.from(randomBytes(16), (b) => CROCKFORD[b % 32]).join("");
  return `${idAtTime(kind, at).slice(0, -16)}${random}`;
}

export interface MessageSeed {
  userId: string;
  sessionId?: string | null;
  status: string;
  type?: string;
  direction?: "outbound" | "inbound";
  mode?: "live" | "test";
  content?: string | null;
  createdAt: Date;
  updatedAt?: Date;
  sentAt?: Date | null;
  failedAt?: Date | null;
  sendingAt?: Date | null;
  scheduledAt?: Date | null;
  waMessageId?: string | null;
  sendToken?: number | null;
  quotaDay?: string | null;
  recipient?: string;
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export async function insertMessage(env: TestEnv, m: MessageSeed): Promise<string> {
  const id = idAt("message", m.createdAt);
  await env.db.db.execute(sql`
    insert into messages (id, user_id, session_id, mode, direction, recipient, type, content,
                          status, wa_message_id, send_token, quota_day, scheduled_at, sending_at,
                          sent_at, failed_at, created_at, updated_at)
    values (${id}, ${m.userId}, ${m.sessionId ?? null}, ${m.mode ?? "test"},
            ${m.direction ?? "outbound"}, ${m.recipient ?? "+213661234567"}, ${m.type ?? "text"},
            ${m.content === undefined ? "hello" : m.content}, ${m.status}, ${m.waMessageId ?? null},
            ${m.sendToken ?? null}, ${m.quotaDay ?? null}, ${iso(m.scheduledAt)}::timestamptz,
            ${iso(m.sendingAt)}::timestamptz, ${iso(m.sentAt)}::timestamptz,
            ${iso(m.failedAt)}::timestamptz, ${m.createdAt.toISOString()}::timestamptz,
            ${(m.updatedAt ?? m.createdAt).toISOString()}::timestamptz)`);
  return id;
}

export async function insertApiLog(
  env: TestEnv,
  row: { userId: string | null; keyId?: string | null; ip?: string | null; at: Date },
) {
  await env.db.db.execute(sql`
    insert into api_logs (id, user_id, api_key_id, method, route, status_code, ip, duration_ms, created_at)
    values (${newId("apiLog")}, ${row.userId}, ${row.keyId ?? null}, 'GET', '/api/v1/messages',
            200, ${row.ip ?? "203.0.113.1"}, 3, ${row.at.toISOString()}::timestamptz)`);
}

export const hoursAgo = (now: Date, hours: number) => new Date(now.getTime() - hours * 3_600_000);
export const daysAgo = (now: Date, days: number) => new Date(now.getTime() - days * 86_400_000);
