import { passwordResetRequests, refreshTokens, whatsappSessions } from "@wagate/db";
import { useTestEnv } from "@wagate/testkit";
import { asc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { daysAgo, hoursAgo, insertSession, insertUser, makeScheduler } from "./helpers.js";

const env = useTestEnv();
const NOW = new Date("2026-04-01T08:00:00.000Z");
let scheduler: ReturnType<typeof makeScheduler>;

async function insertToken(name: string, expiresAt: Date, revokedAt: Date | null = null) {
  await env.db.db.insert(refreshTokens).values({
    id: name,
    adminId: "adm_1",
    familyId: "fam",
    tokenHash: name,
    expiresAt,
    revokedAt,
  });
}

async function insertReset(
  name: string,
  fields: {
    status: "pending" | "verified" | "used" | "expired";
    expiresAt: Date;
    createdAt: Date;
    tokenExpiresAt?: Date;
  },
) {
  await env.db.db.insert(passwordResetRequests).values({
    id: name,
    email: "a@example.com",
    status: fields.status,
    expiresAt: fields.expiresAt,
    resetTokenExpiresAt: fields.tokenExpiresAt ?? null,
    createdAt: fields.createdAt,
  });
}

beforeAll(async () => {
  await env.db.db.execute(sql`insert into admins (id, email, password_hash, role)
    values ('adm_1', 'a@example.com', 'x', 'owner')`);
  scheduler = makeScheduler(env, { now: () => NOW });
});

afterAll(async () => {
  await scheduler?.stop();
});

describe("cleanup-expired", () => {
  it("deletes refresh tokens expired or revoked past the grace period only", async () => {
    await insertToken("rtk_live", daysAgo(NOW, -1));
    await insertToken("rtk_expired_recent", daysAgo(NOW, 3));
    await insertToken("rtk_expired_old", daysAgo(NOW, 8));
    await insertToken("rtk_revoked_recent", daysAgo(NOW, -1), daysAgo(NOW, 2));
    await insertToken("rtk_revoked_old", daysAgo(NOW, -1), daysAgo(NOW, 10));
    const outcome = await scheduler.runJob("cleanup-expired");
    expect(outcome).toMatchObject({ result: "success", summary: { refresh_tokens_deleted: 2 } });
    const left = await env.db.db
      .select({ id: refreshTokens.id })
      .from(refreshTokens)
      .orderBy(asc(refreshTokens.id));
    expect(left.map((r) => r.id)).toEqual(["rtk_expired_recent", "rtk_live", "rtk_revoked_recent"]);
  });

  it("marks reset requests past expiry expired, then deletes finished old ones", async () => {
    await insertReset("prr_pending_live", {
      status: "pending",
      expiresAt: hoursAgo(NOW, -1),
      createdAt: hoursAgo(NOW, 0),
    });
    await insertReset("prr_pending_past", {
      status: "pending",
      expiresAt: hoursAgo(NOW, 1),
      createdAt: hoursAgo(NOW, 2),
    });
    await insertReset("prr_verified_past", {
      status: "verified",
      expiresAt: hoursAgo(NOW, 1),
      tokenExpiresAt: hoursAgo(NOW, 0.5),
      createdAt: hoursAgo(NOW, 2),
    });
    await insertReset("prr_verified_live", {
      status: "verified",
      expiresAt: hoursAgo(NOW, 1),
      tokenExpiresAt: hoursAgo(NOW, -0.5),
      createdAt: hoursAgo(NOW, 2),
    });
    await insertReset("prr_used_old", {
      status: "used",
      expiresAt: daysAgo(NOW, 40),
      createdAt: daysAgo(NOW, 40),
    });
    await insertReset("prr_pending_old", {
      status: "pending",
      expiresAt: daysAgo(NOW, 40),
      createdAt: daysAgo(NOW, 40),
    });
    const outcome = await scheduler.runJob("cleanup-expired");
    // The old pending one is first marked expired, then deleted with the used one.
    expect(outcome).toMatchObject({
      result: "success",
      summary: { password_resets_expired: 3, password_resets_deleted: 2 },
    });
    const rows = await env.db.db
      .select({ id: passwordResetRequests.id, status: passwordResetRequests.status })
      .from(passwordResetRequests)
      .orderBy(asc(passwordResetRequests.id));
    expect(rows).toEqual([
      { id: "prr_pending_live", status: "pending" },
      { id: "prr_pending_past", status: "expired" },
      { id: "prr_verified_live", status: "verified" },
      { id: "prr_verified_past", status: "expired" },
    ]);
  });

  it("clears lease mirrors whose Redis lease is gone, keeping the fencing token", async () => {
    const userId = await insertUser(env);
    const stale = await insertSession(env, userId, "stale");
    const held = await insertSession(env, userId, "held");
    const future = await insertSession(env, userId, "future");
    const mirror = (expiresAt: Date) => ({
      ownerWorkerId: "host:1:abc",
      leaseToken: 7,
      leaseExpiresAt: expiresAt,
    });
    await env.db.db
      .update(whatsappSessions)
      .set(mirror(hoursAgo(NOW, 1)))
      .where(eq(whatsappSessions.id, stale));
    await env.db.db
      .update(whatsappSessions)
      .set(mirror(hoursAgo(NOW, 1)))
      .where(eq(whatsappSessions.id, held));
    await env.db.db
      .update(whatsappSessions)
      .set(mirror(hoursAgo(NOW, -1)))
      .where(eq(whatsappSessions.id, future));
    await env.redis.redis.set(
      `${env.redis.prefix}:lease:session:${held}`,
      "host:1:abc|7",
      "PX",
      60_000,
    );
    const outcome = await scheduler.runJob("cleanup-expired");
    expect(outcome).toMatchObject({
      result: "success",
      summary: { session_lease_mirrors_cleared: 1 },
    });
    const rows = await env.db.db.select().from(whatsappSessions);
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(stale)).toMatchObject({
      ownerWorkerId: null,
      leaseExpiresAt: null,
      leaseToken: 7,
    });
    expect(byId.get(held)).toMatchObject({ ownerWorkerId: "host:1:abc" });
    expect(byId.get(future)).toMatchObject({ ownerWorkerId: "host:1:abc" });
  });
});
