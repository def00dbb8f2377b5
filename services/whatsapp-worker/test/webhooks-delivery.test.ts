import {
  createWebhookQueue,
  emitEvent,
  enqueueWebhookDelivery,
  verifyWebhook,
  webhookJobOptions,
} from "@wagate/core";
import { webhookDeliveries } from "@wagate/db";
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
} from "./webhooks-helpers.js";

const env = useTestEnv();
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let queue: Queue;
let worker: WebhookDeliveryWorker;
const registry = new Registry();

beforeAll(async () => {
  receiver = await startReceiver();
  queue = createWebhookQueue(env.redis.redis, env.redis.prefix);
  worker = startWebhookDeliveryWorker({
    db: env.db.db,
    redis: env.redis.redis,
    redisPrefix: env.redis.prefix,
    logger: pino({ level: "silent" }),
    registry,
    allowPrivate: true,
    options: { retryScheduleMs: [100, 100, 100, 100], timeoutMs: 1000, jitterRatio: 0 },
  });
});

afterAll(async () => {
  await worker?.close();
  await queue?.close();
  await receiver?.close();
});

/** A fresh account with one webhook on `path`, and one event emitted to it. */
async function emitTo(path: string) {
  const account = await seedAccount(env);
  const hook = await seedWebhook(env, { userId: account, url: receiver.url(path) });
  const ids = await emitEvent(env.db.db, queue, {
    userId: account,
    type: "session.status",
    data: sessionData(path.slice(1)),
  });
  expect(ids).toHaveLength(1);
  return { hook, deliveryId: ids[0]! };
}

describe("webhook delivery worker", () => {
  it("posts a signed Standard Webhooks request the receiver can verify", async () => {
    const { hook, deliveryId } = await emitTo("/signed");
    const [request] = await waitFor(() =>
      receiver.on("/signed").length ? receiver.on("/signed") : null,
    );
    expect(request!.headers["webhook-id"]).toBe(deliveryId);
    expect(request!.headers["content-type"]).toBe("application/json");
    expect(request!.headers["user-agent"]).toBe("wagate-webhooks/1");
    const timestamp = Number(request!.headers["webhook-timestamp"]);
    expect(Math.abs(timestamp - Date.now() / 1000)).toBeLessThan(10);
    expect(
      verifyWebhook({
        id: String(request!.headers["webhook-id"]),
        timestamp: String(request!.headers["webhook-timestamp"]),
        signature: String(request!.headers["webhook-signature"]),
        body: request!.body,
        secret: hook.secret,
      }),
    ).toBe(true);
    const payload = JSON.parse(request!.body);
    expect(payload).toMatchObject({
      type: "session.status",
      data: { name: "signed", status: "ready" },
    });
    expect(new Date(payload.timestamp).toISOString()).toBe(payload.timestamp);

    const row = await waitFor(async () => {
      const r = await deliveryRow(env, deliveryId);
      return r?.status === "succeeded" ? r : null;
    });
    expect(row).toMatchObject({
      attempts: 1,
      lastStatusCode: 200,
      lastError: null,
      nextAttemptAt: null,
    });
    expect(row.deliveredAt).toBeInstanceOf(Date);
    const attempts = await attemptRows(env, deliveryId);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ attempt: 1, statusCode: 200, error: null });
  });

  it("retries 500 twice then succeeds: three attempts with the same webhook-id", async () => {
    receiver.behaviours.set("/flaky", (_req, count) => (count <= 2 ? 500 : 200));
    const { deliveryId } = await emitTo("/flaky");
    const row = await waitFor(async () => {
      const r = await deliveryRow(env, deliveryId);
      return r?.status === "succeeded" ? r : null;
    });
    expect(row.attempts).toBe(3);
    const requests = receiver.on("/flaky");
    expect(requests).toHaveLength(3);
    expect(new Set(requests.map((r) => r.headers["webhook-id"]))).toEqual(new Set([deliveryId]));
    // The same body every time, so a receiver can deduplicate on webhook-id.
    expect(new Set(requests.map((r) => r.body)).size).toBe(1);
    const attempts = await attemptRows(env, deliveryId);
    expect(attempts.map((a) => [a.attempt, a.statusCode, a.error])).toEqual([
      [1, 500, "http_500"],
      [2, 500, "http_500"],
      [3, 200, null],
    ]);
    // Backoff: the second request came after the scheduled delay.
    expect(requests[1]!.at - requests[0]!.at).toBeGreaterThanOrEqual(90);
  });

  it("records a timeout and retries it, while other deliveries still go through", async () => {
    receiver.behaviours.set("/slow", () => "hang");
    const slow = await emitTo("/slow");
    const fast = await emitTo("/fast");
    const fastRow = await waitFor(async () => {
      const r = await deliveryRow(env, fast.deliveryId);
      return r?.status === "succeeded" ? r : null;
    });
    expect(fastRow.attempts).toBe(1);
    const slowAttempts = await waitFor(async () => {
      const rows = await attemptRows(env, slow.deliveryId);
      return rows.length >= 2 ? rows : null;
    });
    expect(slowAttempts[0]).toMatchObject({ attempt: 1, statusCode: null });
    expect(slowAttempts[0]!.error).toMatch(/^timeout/);
    expect(slowAttempts[0]!.durationMs).toBeGreaterThanOrEqual(900);
    // The fast delivery finished while the slow one's first attempt was still waiting.
    const slowFirst = slowAttempts[0]!;
    expect(fastRow.deliveredAt!.getTime()).toBeLessThan(
      slowFirst.createdAt.getTime() + slowFirst.durationMs,
    );
    const final = await waitFor(async () => {
      const r = await deliveryRow(env, slow.deliveryId);
      return r?.status === "failed" ? r : null;
    });
    expect(final.attempts).toBe(5); // first attempt + 4 scheduled retries
    expect(final.lastError).toMatch(/^timeout/);
    expect(final.nextAttemptAt).toBeNull();
  });

  it("redelivers a failed delivery on a manual retry with the same webhook-id", async () => {
    let answer = 500;
    receiver.behaviours.set("/later", () => answer);
    const { deliveryId } = await emitTo("/later");
    const mine = { id: deliveryId };
    await waitFor(async () => (await deliveryRow(env, mine.id))?.status === "failed");
    // The row says failed a moment before BullMQ lets go of the job (on a busy machine the
    // job can still be locked): wait until the job itself is finished.
    await waitFor(async () => {
      const state = await queue.getJobState(mine.id);
      return state === "completed" || state === "failed" || state === "unknown";
    });

    // What the retry route does: back to pending, a finished job removed, one new attempt.
    answer = 200;
    await (await queue.getJob(mine.id))?.remove();
    await env.db.db
      .update(webhookDeliveries)
      .set({ status: "pending" })
      .where(eq(webhookDeliveries.id, mine.id));
    await enqueueWebhookDelivery(queue, mine.id, { attempts: 1 });
    const row = await waitFor(async () => {
      const r = await deliveryRow(env, mine.id);
      return r?.status === "succeeded" ? r : null;
    });
    expect(row.attempts).toBe(6);
    const requests = receiver.on("/later");
    expect(requests).toHaveLength(6);
    expect(requests.every((r) => r.headers["webhook-id"] === mine.id)).toBe(true);
    expect(webhookJobOptions(mine.id, 1)).toMatchObject({ jobId: mine.id, attempts: 1 });
  });

  it("counts deliveries by result in wagate_webhook_deliveries_total", async () => {
    const text = await registry.metrics();
    expect(text).toMatch(/wagate_webhook_deliveries_total\{result="succeeded"\} [1-9]\d*/);
    expect(text).toMatch(/wagate_webhook_deliveries_total\{result="retrying"\} [1-9]\d*/);
    expect(text).toMatch(/wagate_webhook_deliveries_total\{result="failed"\} [1-9]\d*/);
    expect(text).toContain("wagate_webhook_delivery_duration_seconds_bucket");
  });
});
