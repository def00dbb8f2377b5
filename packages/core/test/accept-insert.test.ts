import { messages, newId, users, whatsappSessions } from "@wagate/db";
import { useTestEnv } from "@wagate/testkit";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { insertAcceptedMessages } from "../src/message-lifecycle.js";

/**
 * The group commit's INSERT travels as one JSON recordset: what a row gives must come back
 * exactly as Drizzle would have written it (dates, JSON columns, booleans), what it leaves
 * out must take the column's default, and a held idempotency key skips only its row.
 */
const env = useTestEnv();
const userId = newId("user");
const sessionId = newId("session");

beforeAll(async () => {
  await env.db.db.insert(users).values({ id: userId, name: "A", email: "insert@example.test" });
  await env.db.db.insert(whatsappSessions).values({
    id: sessionId,
    userId,
    name: "default",
    mode: "test",
    driver: "simulator",
    phoneNumber: "+213661000000",
  });
});

const base = (over: Record<string, unknown> = {}) => ({
  id: newId("message"),
  userId,
  sessionId,
  mode: "test" as const,
  direction: "outbound" as const,
  recipient: "+213661234567",
  type: "text" as const,
  content: 'it\'s "quoted" \\ and ünïcode 🎉',
  status: "queued" as const,
  ...over,
});

describe("insertAcceptedMessages", () => {
  it("stores every given value as Drizzle reads it back, with the session's number", async () => {
    const scheduledAt = new Date("2026-12-24T10:00:00.123Z");
    const media = {
      url: "https://cdn.example.test/a.png",
      mimetype: "image/png",
      filename: "a.png",
    };
    const payload = { latitude: 36.75, longitude: 3.06, name: "Alger" };
    const values = [
      base({ type: "location", payload, sensitive: true, quotaDay: "2026-12-02" }),
      base({ status: "scheduled", scheduledAt, media, idempotencyKey: "k-1", requestHash: "h" }),
    ] as Parameters<typeof insertAcceptedMessages>[1];
    const rows = await insertAcceptedMessages(env.db.db, values);
    expect(rows.map((r) => r.id).sort()).toEqual(values.map((v) => v.id).sort());
    for (const row of rows) {
      expect(row.sessionPhoneNumber).toBe("+213661000000");
      const [stored] = await env.db.db.select().from(messages).where(eq(messages.id, row.id));
      const { sessionPhoneNumber: _, ...returned } = row;
      expect(returned).toEqual(stored);
    }
    const [location] = await env.db.db
      .select()
      .from(messages)
      .where(eq(messages.id, values[0]!.id));
    expect(location).toMatchObject({ type: "location", payload, sensitive: true, attempts: 0 });
    expect(location!.content).toBe(values[0]!.content);
    const [scheduled] = await env.db.db
      .select()
      .from(messages)
      .where(eq(messages.id, values[1]!.id));
    expect(scheduled!.scheduledAt?.toISOString()).toBe(scheduledAt.toISOString());
    expect(scheduled!.media).toEqual(media);
    // Left out: the column's default, not NULL.
    expect(scheduled!.sensitive).toBe(false);
    expect(scheduled!.createdAt).toBeInstanceOf(Date);
  });

  it("stores a lone surrogate as U+FFFD instead of failing the batch", async () => {
    const broken = base({
      content: "half an emoji \ud83d and a stray \ude00",
      payload: { name: "\ud800" },
    });
    const [row] = await insertAcceptedMessages(env.db.db, [broken] as never);
    expect(row?.content).toBe("half an emoji \ufffd and a stray \ufffd");
    expect(row?.payload).toEqual({ name: "\ufffd" });
  });

  it("skips only the row whose idempotency key is held, even within the same batch", async () => {
    const first = base({ idempotencyKey: "dup", requestHash: "h1" });
    const twin = base({ idempotencyKey: "dup", requestHash: "h2" });
    const other = base();
    const rows = await insertAcceptedMessages(env.db.db, [first, twin, other] as never);
    expect(rows.map((r) => r.id).sort()).toEqual([first.id, other.id].sort());
    const again = await insertAcceptedMessages(env.db.db, [
      base({ idempotencyKey: "dup" }),
    ] as never);
    expect(again).toEqual([]);
  });
});
