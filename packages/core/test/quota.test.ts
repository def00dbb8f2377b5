import { messages, newId, users } from "@wagate/db";
import { useTestEnv } from "@wagate/testkit";
import { describe, expect, it } from "vitest";
import {
  consumeQuota,
  quotaKey,
  quotaUnitsFromDb,
  quotaUsed,
  refundQuota,
  utcDay,
} from "../src/quota.js";

const env = useTestEnv();
/** No message rows for these subjects: a missing counter starts at 0. */
const unitsUsed = async () => 0;
const noon = new Date("2026-03-10T12:00:00.000Z");
let seq = 0;
const subject = (mode: "live" | "test" = "live") => ({ userId: `usr_q${seq++}`, mode });

describe("daily quota", () => {
  it("accepts exactly the limit under concurrency; refusals consume nothing", async () => {
    const s = subject();
    const { redis, prefix } = env.redis;
    const results = await Promise.all(
      Array.from({ length: 30 }, () =>
        consumeQuota(redis, prefix, { ...s, limit: 10, now: noon, unitsUsed }),
      ),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(10);
    expect(await quotaUsed(redis, prefix, { ...s, now: noon })).toBe(10);
    const refused = results.find((r) => !r.allowed)!;
    expect(refused).toMatchObject({ limit: 10, remaining: 0, day: "2026-03-10" });
    expect(refused.resetAt.toISOString()).toBe("2026-03-11T00:00:00.000Z");
    const remaining = results.filter((r) => r.allowed).map((r) => r.remaining);
    expect(remaining.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("refund gives one unit back and never goes below zero", async () => {
    const s = subject();
    const { redis, prefix } = env.redis;
    const first = await consumeQuota(redis, prefix, { ...s, limit: 1, now: noon, unitsUsed });
    expect(first.allowed).toBe(true);
    expect(
      (await consumeQuota(redis, prefix, { ...s, limit: 1, now: noon, unitsUsed })).allowed,
    ).toBe(false);
    await refundQuota(redis, prefix, { ...s, day: first.day });
    expect(await quotaUsed(redis, prefix, { ...s, now: noon })).toBe(0);
    await refundQuota(redis, prefix, { ...s, day: first.day });
    await refundQuota(redis, prefix, { ...s, day: "2026-03-01" });
    expect(await quotaUsed(redis, prefix, { ...s, now: noon })).toBe(0);
    expect(await redis.exists(quotaKey(prefix, s, "2026-03-01"))).toBe(0);
    expect(
      (await consumeQuota(redis, prefix, { ...s, limit: 1, now: noon, unitsUsed })).allowed,
    ).toBe(true);
  });

  it("starts fresh on the next UTC day and expires the counter after a grace period", async () => {
    const s = subject();
    const { redis, prefix } = env.redis;
    const lateNight = new Date("2026-03-10T23:59:59.500Z");
    expect(
      (await consumeQuota(redis, prefix, { ...s, limit: 1, now: lateNight, unitsUsed })).allowed,
    ).toBe(true);
    expect(
      (await consumeQuota(redis, prefix, { ...s, limit: 1, now: lateNight, unitsUsed })).allowed,
    ).toBe(false);
    const nextDay = new Date("2026-03-11T00:00:00.000Z");
    const fresh = await consumeQuota(redis, prefix, { ...s, limit: 1, now: nextDay, unitsUsed });
    expect(fresh).toMatchObject({ allowed: true, day: "2026-03-11", remaining: 0 });
    // The counter lives through its day plus a grace period for late refunds, then expires.
    const ttl = await redis.ttl(quotaKey(prefix, s, "2026-03-11"));
    expect(ttl).toBeGreaterThan(24 * 3600);
    expect(ttl).toBeLessThanOrEqual(3 * 24 * 3600);
  });

  it("counts live and test modes separately, and a zero limit refuses", async () => {
    const { userId } = subject();
    const { redis, prefix } = env.redis;
    const live = { userId, mode: "live" as const };
    const test = { userId, mode: "test" as const };
    expect(
      (await consumeQuota(redis, prefix, { ...live, limit: 1, now: noon, unitsUsed })).allowed,
    ).toBe(true);
    expect(
      (await consumeQuota(redis, prefix, { ...test, limit: 1, now: noon, unitsUsed })).allowed,
    ).toBe(true);
    expect(
      (await consumeQuota(redis, prefix, { ...live, limit: 1, now: noon, unitsUsed })).allowed,
    ).toBe(false);
    const zero = subject();
    expect(
      (await consumeQuota(redis, prefix, { ...zero, limit: 0, now: noon, unitsUsed })).allowed,
    ).toBe(false);
    expect(await quotaUsed(redis, prefix, { ...zero, now: noon })).toBe(0);
  });
});

describe("daily quota after Redis loses the counter", () => {
  const day = utcDay(noon);

  /** An account with `units` accepted messages on `day` (plus rows that hold no unit). */
  async function accountWithUnits(units: number) {
    const userId = newId("user");
    await env.db.db.insert(users).values({ id: userId, name: userId, email: `${userId}@x.test` });
    const row = (extra: Partial<typeof messages.$inferInsert>) => ({
      id: newId("message", noon.getTime()),
      userId,
      mode: "live" as const,
      direction: "outbound" as const,
      recipient: "+213661234567",
      type: "text" as const,
      status: "queued" as const,
      quotaDay: day,
      ...extra,
    });
    await env.db.db.insert(messages).values([
      ...Array.from({ length: units }, () => row({})),
      row({ quotaRefundedAt: noon, status: "cancelled" }), // given back
      row({ mode: "test" }), // the other mode's counter
      row({ quotaDay: "2026-03-09" }), // another day
      row({ quotaDay: null, direction: "inbound", status: "received" }),
    ]);
    return { userId, mode: "live" as const };
  }

  it("rebuilds a deleted counter at N from Postgres before admitting the next send", async () => {
    const { redis, prefix } = env.redis;
    const s = await accountWithUnits(6);
    const fromDb = quotaUnitsFromDb(env.db.db);
    expect(await fromDb({ ...s, day })).toBe(6);
    await redis.set(quotaKey(prefix, s, day), "6");
    await redis.del(quotaKey(prefix, s, day));
    const next = await consumeQuota(redis, prefix, {
      ...s,
      limit: 10,
      now: noon,
      unitsUsed: fromDb,
    });
    expect(next).toMatchObject({ allowed: true, remaining: 3 });
    expect(await quotaUsed(redis, prefix, { ...s, now: noon })).toBe(7);
    // Rebuilt with the counter's usual lifetime.
    expect(await redis.ttl(quotaKey(prefix, s, day))).toBeGreaterThan(24 * 3600);
  });

  it("never over-admits when concurrent sends rebuild it at once", async () => {
    const { redis, prefix } = env.redis;
    const s = await accountWithUnits(7);
    let rebuilds = 0;
    const fromDb = quotaUnitsFromDb(env.db.db);
    const unitsUsed: typeof fromDb = async (input) => {
      rebuilds += 1;
      return fromDb(input);
    };
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        consumeQuota(redis, prefix, { ...s, limit: 10, now: noon, unitsUsed }),
      ),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(3);
    expect(await quotaUsed(redis, prefix, { ...s, now: noon })).toBe(10);
    expect(rebuilds).toBeGreaterThan(0);
    // With the counter in place, no database query at all.
    rebuilds = 0;
    await consumeQuota(redis, prefix, { ...s, limit: 10, now: noon, unitsUsed });
    expect(rebuilds).toBe(0);
  });
});
