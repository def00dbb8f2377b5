import { MESSAGE_END_CODES, QUEUES } from "@wagate/contracts";
import { messages, newId, users, webhookDeliveries, webhooks } from "@wagate/db";
import { useTestEnv } from "@wagate/testkit";
import { Queue } from "bullmq";
import { and, eq, isNull } from "drizzle-orm";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { announceMessageStatus, endUnsent, type MessageRow } from "../src/message-lifecycle.js";
import { quotaKey } from "../src/quota.js";
import { emitEvent } from "../src/webhooks.js";

const env = useTestEnv();
const userId = newId("user");
const DAY = "2026-01-01";
const logger = pino({ level: "silent" });
let webhookQueue: Queue;

beforeAll(async () => {
  await env.db.db.insert(users).values({ id: userId, name: "A", email: "race@example.test" });
  await env.db.db.insert(webhooks).values({
    id: newId("webhook"),
    userId,
    url: "https://hooks.example.test/in",
    events: ["message.status"],
    secret: "whsec_test_only",
  });
  webhookQueue = new Queue(QUEUES.webhooks, {
    connection: env.redis.redis,
    prefix: env.redis.prefix,
  });
});

afterAll(async () => {
  await webhookQueue.close();
});

/**
 * A message every ender may claim at once: still `queued` (cancel), claimed earlier under
 * token 1 (a worker failure), and its session deleted (reconcile's `session_deleted`).
 */
async function contestedMessage(): Promise<MessageRow> {
  const [row] = await env.db.db
    .insert(messages)
    .values({
      id: newId("message"),
      userId,
      mode: "test",
      direction: "outbound",
      recipient: "+213661234567",
      type: "text",
      content: "hi",
      status: "queued",
      sendToken: 1,
      sessionId: null,
      quotaDay: DAY,
    })
    .returning();
  return row!;
}

describe("endUnsent", () => {
  it("refunds and announces once when cancel, reconcile and a worker failure race", async () => {
    const deps = { db: env.db.db, redis: env.redis.redis, redisPrefix: env.redis.prefix, logger };
    const key = quotaKey(env.redis.prefix, { userId, mode: "test" }, DAY);
    const rounds = 15;
    await env.redis.redis.set(key, String(rounds * 3));
    let announced = 0;
    const announce = async (row: MessageRow) => {
      announced += 1;
      await announceMessageStatus(
        { logger, now: new Date(), emit: (input) => emitEvent(env.db.db, webhookQueue, input) },
        row,
        null,
      );
    };
    for (let round = 0; round < rounds; round++) {
      const row = await contestedMessage();
      const now = new Date();
      const outcomes = await Promise.all([
        // The API's cancel verb.
        endUnsent(deps, row, { to: "cancelled", from: ["queued", "scheduled"], now, announce }),
        // The scheduler's reconcile of a message whose session is gone.
        endUnsent(deps, row, {
          to: "failed",
          from: [row.status],
          where: isNull(messages.sessionId),
          error: { code: MESSAGE_END_CODES.sessionDeleted, message: "session deleted" },
          now,
          announce,
        }),
        // The worker failing its send under its fencing token.
        endUnsent(deps, row, {
          to: "failed",
          from: ["queued", "scheduled", "sending"],
          where: eq(messages.sendToken, 1),
          error: { code: "not_on_whatsapp", message: "not on WhatsApp" },
          forgetSecret: true,
          now,
          announce,
        }),
      ]);
      expect(outcomes.filter((o) => o !== null)).toHaveLength(1);
      const [after] = await env.db.db.select().from(messages).where(eq(messages.id, row.id));
      expect(["cancelled", "failed"]).toContain(after!.status);
      expect(after!.quotaRefundedAt).not.toBeNull();
      const deliveries = await env.db.db
        .select()
        .from(webhookDeliveries)
        .where(
          and(
            eq(webhookDeliveries.userId, userId),
            eq(webhookDeliveries.eventType, "message.status"),
          ),
        );
      expect(deliveries.filter((d) => JSON.stringify(d.payload).includes(row.id))).toHaveLength(1);
    }
    expect(announced).toBe(rounds);
    // One unit given back per message: 3 per round were counted, one per round refunded.
    expect(Number(await env.redis.redis.get(key))).toBe(rounds * 2);
  });
});
