import {
  admins,
  auditLogs,
  loginHistory,
  messages,
  newId,
  usageStats,
  users,
  whatsappSessions,
} from "@wagate/db";
import { TEST_PASSWORD_COST } from "@wagate/testkit";
import argon2 from "argon2";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestApp } from "../../../test/harness.js";
import { bearer, collectPages, getJson } from "./analytics-test-helpers.js";

const t = useTestApp();
let headers: Record<string, string>;
let viewerId: string;
const HOUR = 3600 * 1000;

async function insertAdmin(extra: Partial<typeof admins.$inferInsert>) {
  const id = newId("admin");
  await t.deps.db.insert(admins).values({
    id,
    email: `${id.toLowerCase()}@example.test`,
    role: "admin",
    passwordHash: await argon2.hash("unused-password", TEST_PASSWORD_COST),
    ...extra,
  });
  return id;
}

async function insertUser(name: string, extra: Partial<typeof users.$inferInsert> = {}) {
  const id = newId("user");
  await t.deps.db
    .insert(users)
    .values({ id, name, email: `${id.toLowerCase()}@example.test`, ...extra });
  return id;
}

describe("GET /api/v1/analytics/summary", () => {
  let big: string;
  let small: string;

  beforeAll(async () => {
    const viewer = await bearer(t, "viewer");
    headers = viewer.headers;
    viewerId = viewer.admin.id;
    const now = t.clock.now;
    await insertAdmin({ lockedUntil: new Date(now.getTime() + HOUR) });
    await insertAdmin({ lockedUntil: new Date(now.getTime() - HOUR) }); // lock ran out
    await insertAdmin({ isActive: false });
    await insertAdmin({ deletedAt: now }); // not counted at all
    big = await insertUser("Big");
    small = await insertUser("Small");
    await insertUser("Off", { isActive: false });
    await insertUser("Gone", { deletedAt: now });
    const midnight = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    const message = (status: "queued" | "sent" | "failed" | "received", createdAt: Date) => ({
      id: newId("message"),
      userId: big,
      mode: "test" as const,
      direction: status === "received" ? ("inbound" as const) : ("outbound" as const),
      recipient: "+213661234567",
      type: "text" as const,
      content: "hi",
      status,
      createdAt,
    });
    await t.deps.db.insert(messages).values([
      message("sent", new Date(midnight.getTime() + 1000)),
      message("sent", midnight),
      message("failed", midnight),
      message("queued", midnight),
      message("received", midnight),
      message("sent", new Date(midnight.getTime() - 1000)), // yesterday
    ]);
    await t.deps.db.insert(whatsappSessions).values([
      {
        id: newId("session"),
        userId: big,
        name: "default",
        mode: "test",
        driver: "simulator",
        status: "ready",
      },
      {
        id: newId("session"),
        userId: small,
        name: "default",
        mode: "test",
        driver: "simulator",
        status: "qr",
      },
      {
        id: newId("session"),
        userId: small,
        name: "other",
        mode: "test",
        driver: "simulator",
        status: "ready",
      },
    ]);
    const day = midnight.toISOString().slice(0, 10);
    const yesterday = new Date(midnight.getTime() - 24 * HOUR).toISOString().slice(0, 10);
    await t.deps.db.insert(usageStats).values([
      {
        id: newId("usageStat"),
        userId: small,
        date: day,
        messagesSent: 5,
        messagesFailed: 1,
        apiRequests: 9,
      },
      {
        id: newId("usageStat"),
        userId: big,
        date: day,
        messagesSent: 40,
        messagesFailed: 2,
        mediaSent: 3,
        apiRequests: 50,
      },
      { id: newId("usageStat"), userId: small, date: yesterday, messagesSent: 999 },
    ]);
  });

  it("counts admins, accounts, today's messages, sessions and top accounts", async () => {
    const res = await getJson<Record<string, unknown>>(t, "/api/v1/analytics/summary", headers);
    expect(res.status).toBe(200);
    const body = res.body as {
      admins: unknown;
      accounts: unknown;
      messages_today: { total: number; by_status: Record<string, number> };
      sessions: { total: number; by_status: Record<string, number> };
      top_accounts: Array<Record<string, unknown>>;
      day: string;
      generated_at: string;
    };
    // Active: the viewer, the locked one and the one whose lock ran out (is_active, not deleted).
    expect(body.admins).toEqual({ active: 3, locked: 1 });
    expect(body.accounts).toEqual({ active: 2, total: 3 });
    expect(body.messages_today.total).toBe(5);
    expect(body.messages_today.by_status).toMatchObject({
      sent: 2,
      failed: 1,
      queued: 1,
      received: 1,
      delivered: 0,
    });
    expect(body.sessions).toEqual({
      total: 3,
      by_status: { stopped: 0, starting: 0, qr: 1, ready: 2, disconnected: 0, failed: 0 },
    });
    expect(body.top_accounts).toEqual([
      {
        user_id: big,
        name: "Big",
        messages_sent: 40,
        messages_failed: 2,
        media_sent: 3,
        api_requests: 50,
      },
      {
        user_id: small,
        name: "Small",
        messages_sent: 5,
        messages_failed: 1,
        media_sent: 0,
        api_requests: 9,
      },
    ]);
    expect(body.day).toBe(t.clock.now.toISOString().slice(0, 10));
    expect(body.generated_at).toBe(t.clock.now.toISOString());
  });
});

describe("GET /api/v1/analytics/login-history and audit-logs", () => {
  let alice: string;
  const since = () => new Date(t.clock.now.getTime() - 2 * HOUR).toISOString();

  beforeAll(async () => {
    alice = await insertAdmin({});
    const now = t.clock.now.getTime();
    const attempt = (adminId: string | null, success: boolean, agoMs: number) => ({
      id: newId("loginHistory", now - agoMs),
      adminId,
      email: adminId ? `${adminId.toLowerCase()}@example.test` : "nobody@example.test",
      success,
      reason: success ? "ok" : adminId ? "bad_password" : "unknown_email",
      ip: "203.0.113.9",
      createdAt: new Date(now - agoMs),
    });
    await t.deps.db
      .insert(loginHistory)
      .values([
        attempt(alice, false, 5 * HOUR),
        attempt(alice, false, 1.5 * HOUR),
        attempt(alice, true, 1 * HOUR),
        attempt(null, false, 0.5 * HOUR),
      ]);
    const audit = (actorId: string, action: string, agoMs: number) => ({
      id: newId("auditLog", now - agoMs),
      actorType: "admin" as const,
      actorId,
      action,
      targetType: "user",
      targetId: "usr_x",
      after: { is_active: false },
      createdAt: new Date(now - agoMs),
    });
    await t.deps.db
      .insert(auditLogs)
      .values([
        audit(alice, "user.create", 3 * HOUR),
        audit(alice, "user.deactivate", 1 * HOUR),
        audit(viewerId, "user.create", 0.25 * HOUR),
      ]);
  });

  it("lists login attempts newest first, filtered by admin, outcome and time", async () => {
    const q = (query: string) => getJson(t, `/api/v1/analytics/login-history?${query}`, headers);
    const mine = await q(`admin_id=${alice}`);
    expect(mine.status).toBe(200);
    expect(mine.body.data.map((r) => r.success)).toEqual([true, false, false]);
    expect(mine.body.data[0]).toMatchObject({ admin_id: alice, reason: "ok", ip: "203.0.113.9" });
    expect((await q("success=false")).body.data).toHaveLength(3);
    expect((await q(`success=false&since=${since()}`)).body.data.map((r) => r.reason)).toEqual([
      "unknown_email",
      "bad_password",
    ]);
    expect((await q("success=maybe")).status).toBe(400);
    const { seen } = await collectPages(t, "/api/v1/analytics/login-history?limit=1", headers);
    expect(new Set(seen).size).toBe(4);
  });

  it("lists audit rows newest first, filtered by actor, action and time", async () => {
    const q = (query: string) => getJson(t, `/api/v1/analytics/audit-logs?${query}`, headers);
    const all = await q("");
    expect(all.body.data.map((r) => r.action)).toEqual([
      "user.create",
      "user.deactivate",
      "user.create",
    ]);
    expect(all.body.data[1]).toMatchObject({
      actor_type: "admin",
      actor_id: alice,
      target_type: "user",
      target_id: "usr_x",
      after: { is_active: false },
      before: null,
    });
    expect((await q(`actor_id=${alice}`)).body.data).toHaveLength(2);
    expect((await q("action=user.create")).body.data.map((r) => r.actor_id)).toEqual([
      viewerId,
      alice,
    ]);
    expect((await q(`actor_id=${alice}&since=${since()}`)).body.data.map((r) => r.action)).toEqual([
      "user.deactivate",
    ]);
    const { seen, pages } = await collectPages(t, "/api/v1/analytics/audit-logs?limit=2", headers);
    expect(pages).toBe(2);
    expect(new Set(seen).size).toBe(3);
  });
});
