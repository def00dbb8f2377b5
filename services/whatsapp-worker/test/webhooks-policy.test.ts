import { createWebhookQueue, emitEvent, enqueueWebhookDelivery } from "@wagate/core";
import { newId, webhookDeliveries, webhooks } from "@wagate/db";
import { useTestEnv } from "@wagate/testkit";
import type { Queue } from "bullmq";
import { eq } from "drizzle-orm";
import pino from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startWebhookDeliveryWorker,
  type WebhookDeliveryWorker,
} from "../src/webhooks/delivery-worker.js";
import { seedAccount } from "./helpers.js";
import {
  attemptRows,
  deliveryRow,
  seedWebhook,
  sessionData,
  startReceiver,
  waitFor,
  webhookRow,
} from "./webhooks-helpers.js";

const env = useTestEnv();
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let queue: Queue;

beforeAll(async () => {
  receiver = await startReceiver();
  queue = createWebhookQueue(env.redis.redis, env.redis.prefix);
});
afterAll(async () => {
  await queue?.close();
  await receiver?.close();
});

function startWorker(allowPrivate: boolean): WebhookDeliveryWorker {
  return startWebhookDeliveryWorker({
    db: env.db.db,
    redis: env.redis.redis,
    redisPrefix: env.redis.prefix,
    logger: pino({ level: "silent" }),
    registry: new Registry(),
    allowPrivate,
    options: { retryScheduleMs: [], timeoutMs: 1000 },
  });
}

async function emitTo(url: string) {
  const userId = await seedAccount(env);
  const hook = await seedWebhook(env, { userId, url });
  const [deliveryId] = await emitEvent(env.db.db, queue, {
    userId,
    type: "session.status",
    data: sessionData(),
  });
  return { hook, deliveryId: deliveryId!, userId };
}

const finished = (deliveryId: string) =>
  waitFor(async () => {
    const row = await deliveryRow(env, deliveryId);
    return row && row.status !== "pending" ? row : null;
  });

describe("delivery-time SSRF guard (WEBHOOK_ALLOW_PRIVATE=false)", () => {
  let worker: WebhookDeliveryWorker;
  beforeAll(() => {
    worker = startWorker(false);
  });
  afterAll(async () => {
    await worker?.close();
  });

  it.each([
    ["the local receiver", () => receiver.url("/private")],
    ["localhost", () => receiver.url("/private").replace("127.0.0.1", "localhost")],
    ["10.0.0.1", () => "http://10.0.0.1/hook"],
    ["the metadata address", () => "http://169.254.169.254/latest/meta-data/"],
    ["[::1]", () => "http://[::1]:9/hook"],
  ])("refuses %s without sending and records why", async (_name, url) => {
    // Inserted directly: the API refuses such URLs, but DNS can change after acceptance.
    const { deliveryId } = await emitTo(url());
    const row = await finished(deliveryId);
    expect(row.status).toBe("failed");
    expect(row.lastError).toMatch(/^address_not_allowed/);
    expect(row.lastStatusCode).toBeNull();
    const attempts = await attemptRows(env, deliveryId);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]!.error).toMatch(/^address_not_allowed/);
    expect(receiver.on("/private")).toHaveLength(0);
  });
});

describe("webhook state at delivery time", () => {
  let worker: WebhookDeliveryWorker;
  beforeAll(() => {
    worker = startWorker(true);
  });
  afterAll(async () => {
    await worker?.close();
  });

  it("a 410 Gone answer disables the webhook and fails the delivery at once", async () => {
    receiver.behaviours.set("/gone", () => 410);
    const { hook, deliveryId, userId } = await emitTo(receiver.url("/gone"));
    const row = await finished(deliveryId);
    expect(row).toMatchObject({ status: "failed", lastStatusCode: 410, attempts: 1 });
    expect((await webhookRow(env, hook.id))?.isActive).toBe(false);
    // A disabled webhook receives no new events.
    expect(
      await emitEvent(env.db.db, queue, { userId, type: "session.status", data: sessionData() }),
    ).toEqual([]);
  });

  it("a delivery of a disabled webhook fails without being sent", async () => {
    const userId = await seedAccount(env);
    const hook = await seedWebhook(env, { userId, url: receiver.url("/disabled") });
    const deliveryId = newId("webhookDelivery");
    await env.db.db.insert(webhookDeliveries).values({
      id: deliveryId,
      webhookId: hook.id,
      userId,
      eventType: "session.status",
      payload: { type: "session.status", timestamp: new Date().toISOString(), data: sessionData() },
    });
    await env.db.db.update(webhooks).set({ isActive: false }).where(eq(webhooks.id, hook.id));
    await enqueueWebhookDelivery(queue, deliveryId);
    const row = await finished(deliveryId);
    expect(row).toMatchObject({ status: "failed", lastError: "webhook_disabled", attempts: 0 });
    expect(receiver.on("/disabled")).toHaveLength(0);
  });

  it("a deleted webhook's queued delivery is dropped without a request", async () => {
    const userId = await seedAccount(env);
    const hook = await seedWebhook(env, { userId, url: receiver.url("/deleted") });
    const deliveryId = newId("webhookDelivery");
    await env.db.db.insert(webhookDeliveries).values({
      id: deliveryId,
      webhookId: hook.id,
      userId,
      eventType: "session.status",
      payload: { type: "session.status", timestamp: new Date().toISOString(), data: sessionData() },
    });
    await env.db.db.delete(webhooks).where(eq(webhooks.id, hook.id));
    await enqueueWebhookDelivery(queue, deliveryId);
    await waitFor(
      async () =>
        (await queue.getJob(deliveryId))?.finishedOn ??
        (await queue.getJob(deliveryId)) === undefined,
    );
    expect(await deliveryRow(env, deliveryId)).toBeUndefined();
    expect(receiver.on("/deleted")).toHaveLength(0);
  });
});
