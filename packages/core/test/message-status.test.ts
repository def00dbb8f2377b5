import { messages, newId, users } from "@wagate/db";
import { useTestEnv } from "@wagate/testkit";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { transitionMessage } from "../src/message-status.js";

const env = useTestEnv();
const userId = newId("user");

async function queuedMessage() {
  const id = newId("message");
  await env.db.db.insert(messages).values({
    id,
    userId,
    mode: "test",
    direction: "outbound",
    recipient: "+213661234567",
    type: "text",
    content: "hi",
    status: "queued",
  });
  return id;
}

beforeAll(async () => {
  await env.db.db.insert(users).values({ id: userId, name: "A", email: "a@example.test" });
});

describe("transitionMessage", () => {
  it("moves forward once and ignores acks that arrive late or twice", async () => {
    const id = await queuedMessage();
    const t1 = new Date("2026-01-01T00:00:01Z");
    const t2 = new Date("2026-01-01T00:00:02Z");
    expect(await transitionMessage(env.db.db, id, "sending", { now: t1 })).not.toBeNull();
    expect(await transitionMessage(env.db.db, id, "read", { now: t2 })).toMatchObject({
      status: "read",
      sentAt: t2,
      deliveredAt: t2,
      readAt: t2,
    });
    // Late acks for lower statuses change nothing.
    expect(await transitionMessage(env.db.db, id, "delivered")).toBeNull();
    expect(await transitionMessage(env.db.db, id, "sent")).toBeNull();
    expect(await transitionMessage(env.db.db, id, "read")).toBeNull();
    const [row] = await env.db.db.select().from(messages).where(eq(messages.id, id));
    expect(row?.status).toBe("read");
  });

  it("keeps a terminal failure terminal", async () => {
    const id = await queuedMessage();
    expect(
      await transitionMessage(env.db.db, id, "failed", {
        set: { errorCode: "not_on_whatsapp", errorMessage: "not on WhatsApp" },
      }),
    ).toMatchObject({ status: "failed", errorCode: "not_on_whatsapp" });
    expect(await transitionMessage(env.db.db, id, "sent")).toBeNull();
    expect(await transitionMessage(env.db.db, id, "cancelled")).toBeNull();
  });
});
