import { QUEUES } from "@wagate/contracts";
import { newId, users, webhookDeliveries, webhooks } from "@wagate/db";
import { useTestEnv } from "@wagate/testkit";
import type { Queue } from "bullmq";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createWebhookQueue,
  emitEvent,
  generateWebhookSecret,
  requeueStalledWebhookDeliveries,
  WEBHOOK_MAX_ATTEMPTS,
  WEBHOOK_RETRY_SCHEDULE_MS,
} from "./webhooks.js";

const env = useTestEnv();
let queue: Queue;

beforeAll(() => {
  queue = createWebhookQueue(env.redis.redis, env.redis.prefix);
});
afterAll(async () => {
  await queue?.close();
});

async function seedUser() {
  const id = newId("user");
  await env.db.db
    .insert(users)
    .values({ id, name: "Acme", email: `${id.toLowerCase()}@example.com` });
  return id;
}

async function seedHook(userId: string, events: string[], isActive = true) {
  const id = newId("webhook");
  await env.db.db.insert(webhooks).values({
    id,
    userId,
    url: "https://example.com/hook",
    events,
    secret: generateWebhookSecret(),
    isActive,
  });
  return id;
}

const session = {
  name: "default",
  status: "ready" as const,
  driver: "simulator" as const,
  mode: "test" as const,
  phone_number: null,
  connected_at: null,
  last_active_at: null,
};

describe("emitEvent", () => {
  it("writes one pending delivery per active subscribed webhook and enqueues it by id", async () => {
    const userId = await seedUser();
    const subscribed = await seedHook(userId, ["session.status", "message.status"]);
    await seedHook(userId, ["message.received"]);
    await seedHook(userId, ["session.status"], false);
    const otherUser = await seedUser();
    await seedHook(otherUser, ["session.status"]);
    const now = new Date("2026-03-01T12:00:00.000Z");

    const ids = await emitEvent(env.db.db, queue, {
      userId,
      type: "session.status",
      data: session,
      now,
    });
    expect(ids).toHaveLength(1);
    const [row] = await env.db.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.id, ids[0]!));
    expect(row).toMatchObject({
      webhookId: subscribed,
      userId,
      eventType: "session.status",
      status: "pending",
      attempts: 0,
      payload: { type: "session.status", timestamp: now.toISOString(), data: session },
    });
    const job = await queue.getJob(ids[0]!);
    expect(job?.id).toBe(ids[0]);
    expect(job?.queueName).toBe(QUEUES.webhooks);
    expect(job?.data).toEqual({ deliveryId: ids[0] });
    expect(job?.opts.attempts).toBe(WEBHOOK_MAX_ATTEMPTS);
  });

  it("does nothing when nobody listens", async () => {
    const userId = await seedUser();
    await seedHook(userId, ["message.received"]);
    expect(
      await emitEvent(env.db.db, queue, { userId, type: "session.status", data: session }),
    ).toEqual([]);
  });

  it("refuses a payload that breaks the contract", async () => {
    const userId = await seedUser();
    await seedHook(userId, ["session.status"]);
    await expect(
      emitEvent(env.db.db, queue, {
        userId,
        type: "session.status",
        data: { ...session, status: "bogus" } as unknown as typeof session,
      }),
    ).rejects.toThrow();
  });

  it("retries for at least 24 hours even with -10 % jitter", () => {
    const total = WEBHOOK_RETRY_SCHEDULE_MS.reduce((a, b) => a + b, 0);
    expect(total * 0.9).toBeGreaterThanOrEqual(24 * 3600 * 1000);
  });
});

describe("requeueStalledWebhookDeliveries", () => {
  it("re-enqueues pending deliveries whose job was lost, and leaves live jobs alone", async () => {
    const userId = await seedUser();
    await seedHook(userId, ["session.status"]);
    const past = new Date(Date.now() - 3600_000);
    const [lost] = await emitEvent(env.db.db, queue, {
      userId,
      type: "session.status",
      data: session,
      now: past,
    });
    const [alive] = await emitEvent(env.db.db, queue, {
      userId,
      type: "session.status",
      data: session,
      now: past,
    });
    await (await queue.getJob(lost!))?.remove();
    await env.db.db
      .update(webhookDeliveries)
      .set({ attempts: 3 })
      .where(eq(webhookDeliveries.id, lost!));

    expect(await requeueStalledWebhookDeliveries(env.db.db, queue)).toBe(1);
    const job = await queue.getJob(lost!);
    expect(job?.data).toEqual({ deliveryId: lost });
    expect(job?.opts.attempts).toBe(WEBHOOK_MAX_ATTEMPTS - 3);
    expect((await queue.getJob(alive!))?.opts.attempts).toBe(WEBHOOK_MAX_ATTEMPTS);
    // A second run finds nothing to repair.
    expect(await requeueStalledWebhookDeliveries(env.db.db, queue)).toBe(0);
  });
});
