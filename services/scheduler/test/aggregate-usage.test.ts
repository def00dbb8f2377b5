import { ensureApiLogPartitions, usageStats } from "@wagate/db";
import { useTestEnv } from "@wagate/testkit";
import { asc } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertApiLog, insertMessage, insertUser, makeScheduler } from "./helpers.js";

const env = useTestEnv();
const NOW = new Date("2026-03-10T12:00:00.000Z");
const DAYS = ["2026-03-08", "2026-03-09", "2026-03-10"];
const STATUSES = ["queued", "sending", "sent", "delivered", "read", "failed", "cancelled"];
const TYPES = ["text", "image", "document"];

type Totals = { sent: number; failed: number; media: number; requests: number };
const expected = new Map<string, Totals>();
const bump = (userId: string, day: string, key: keyof Totals) => {
  const k = `${userId}|${day}`;
  const t = expected.get(k) ?? { sent: 0, failed: 0, media: 0, requests: 0 };
  t[key] += 1;
  expected.set(k, t);
};

/** A deterministic pseudo-random sequence so a failure reproduces. */
let seed = 42;
const rand = (n: number) => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed % n;
};

let scheduler: ReturnType<typeof makeScheduler>;

beforeAll(async () => {
  await ensureApiLogPartitions(env.db.sql, new Date("2026-03-07T00:00:00Z"), 5);
  const users = [await insertUser(env), await insertUser(env), await insertUser(env)];
  for (let i = 0; i < 240; i++) {
    const userId = users[rand(3)]!;
    const day = DAYS[rand(3)]!;
    // Seconds into the day, including the last one before midnight.
    const second = i % 10 === 0 ? 86_399 : rand(12 * 3600);
    const at = new Date(new Date(`${day}T00:00:00Z`).getTime() + second * 1000 + 999);
    const status = STATUSES[rand(STATUSES.length)]!;
    const type = TYPES[rand(3)]!;
    const direction = i % 13 === 0 ? "inbound" : "outbound";
    const reachedSent =
      ["sent", "delivered", "read"].includes(status) || (status === "failed" && i % 2 === 0);
    // Some messages are created the day before they are sent (scheduled sends).
    const createdAt = i % 7 === 0 ? new Date(at.getTime() - 86_400_000) : at;
    const sentAt = reachedSent ? at : null;
    const failedAt =
      status === "failed" ? new Date(at.getTime() + (i % 3 === 0 ? 3600_000 * 13 : 0)) : null;
    await insertMessage(env, {
      userId,
      status: direction === "inbound" ? "received" : status,
      type,
      direction,
      createdAt,
      sentAt: direction === "inbound" ? null : sentAt,
      failedAt: direction === "inbound" ? null : failedAt,
    });
    if (direction === "inbound") continue;
    if (sentAt) {
      bump(userId, sentAt.toISOString().slice(0, 10), "sent");
      if (type !== "text") bump(userId, sentAt.toISOString().slice(0, 10), "media");
    }
    if (failedAt) bump(userId, failedAt.toISOString().slice(0, 10), "failed");
  }
  for (let i = 0; i < 300; i++) {
    const userId = users[rand(3)]!;
    const day = DAYS[rand(3)]!;
    const at = new Date(new Date(`${day}T00:00:00Z`).getTime() + rand(86_400) * 1000);
    await insertApiLog(env, { userId, at });
    bump(userId, day, "requests");
  }
  // Requests without an account, or of an account deleted since, count for nobody.
  await insertApiLog(env, { userId: null, at: NOW });
  await insertApiLog(env, { userId: "usr_GONE", at: NOW });
  scheduler = makeScheduler(env, { now: () => NOW });
});

afterAll(async () => {
  await scheduler?.stop();
});

const readStats = () =>
  env.db.db.select().from(usageStats).orderBy(asc(usageStats.userId), asc(usageStats.date));

describe("aggregate-usage", () => {
  it("matches a hand count per account and UTC day, for today and the days asked", async () => {
    const outcome = await scheduler.runJob("aggregate-usage", { days: 2 });
    expect(outcome.result).toBe("success");
    // Days after the last one asked are not in the sample; a failure after midnight (next
    // day) of 2026-03-10 would land on 03-11, which this run does not compute.
    const inRange = [...expected.entries()].filter(([k]) => DAYS.includes(k.split("|")[1]!));
    const rows = await readStats();
    const got = Object.fromEntries(
      rows.map((r) => [
        `${r.userId}|${r.date}`,
        {
          sent: r.messagesSent,
          failed: r.messagesFailed,
          media: r.mediaSent,
          requests: r.apiRequests,
        },
      ]),
    );
    expect(got).toEqual(Object.fromEntries(inRange));
    for (const row of rows) expect(row.id).toMatch(/^ust_[0-9A-Z]{26}$/);
  });

  it("is idempotent: a second run changes nothing, not even updated_at", async () => {
    const before = await readStats();
    const outcome = await scheduler.runJob("aggregate-usage", { days: 2 });
    expect(outcome).toMatchObject({ result: "success", summary: { rows_changed: 0 } });
    expect(await readStats()).toEqual(before);
  });

  it("without days recomputes today only, picking up new traffic", async () => {
    const [row] = (await readStats()).filter((r) => r.date === "2026-03-10");
    await insertApiLog(env, { userId: row!.userId, at: NOW });
    const outcome = await scheduler.runJob("aggregate-usage");
    expect(outcome).toMatchObject({ result: "success", summary: { days: 1, rows_changed: 1 } });
    const after = (await readStats()).find((r) => r.id === row!.id);
    expect(after!.apiRequests).toBe(row!.apiRequests + 1);
  });
});
