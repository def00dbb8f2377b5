import { QUEUES } from "@wagate/contracts";
import { createWebhookQueue } from "@wagate/core";
import { newId, webhookDeliveries, webhookDeliveryAttempts, webhooks } from "@wagate/db";
import type { Queue } from "bullmq";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedAccount, send, useTestApp } from "../../../test/harness.js";

const t = useTestApp();
const base = "/api/v1/webhooks";
let queue: Queue;

beforeAll(() => {
  queue = createWebhookQueue(t.env.redis.redis, t.env.redis.prefix);
});
afterAll(async () => {
  await queue?.close();
});

async function hookWithDelivery(status: "pending" | "failed" | "succeeded") {
  const account = await seedAccount(t);
  const res = await send(t, "POST", base, account.headers, {
    url: "https://example.com/hook",
    events: ["session.status"],
  });
  const { id } = (await res.json()) as { id: string };
  const deliveryId = newId("webhookDelivery");
  await t.deps.db.insert(webhookDeliveries).values({
    id: deliveryId,
    webhookId: id,
    userId: account.userId,
    eventType: "session.status",
    payload: { type: "session.status", timestamp: "2026-01-01T00:00:00.000Z", data: {} },
    status,
    attempts: status === "pending" ? 1 : 2,
    lastStatusCode: 500,
    lastError: "http_500",
    nextAttemptAt: new Date("2030-01-01T00:00:00Z"),
  });
  const at = new Date("2026-01-01T00:00:01Z");
  await t.deps.db.insert(webhookDeliveryAttempts).values([
    {
      id: newId("webhookAttempt"),
      deliveryId,
      attempt: 1,
      statusCode: 500,
      error: "http_500",
      durationMs: 12,
      createdAt: at,
    },
    {
      id: newId("webhookAttempt"),
      deliveryId,
      attempt: 2,
      statusCode: null,
      error: "timeout: the request timed out",
      durationMs: 10000,
      createdAt: at,
    },
  ]);
  return { account, id, deliveryId };
}

describe("webhook deliveries", () => {
  it("lists deliveries with their attempts", async () => {
    const { account, id, deliveryId } = await hookWithDelivery("failed");
    const res = await send(t, "GET", `${base}/${id}/deliveries`, account.headers);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: Array<Record<string, unknown>>; next_cursor: null };
    expect(body.next_cursor).toBeNull();
    expect(body.data).toHaveLength(1);
    expect(body.data[0]).toMatchObject({
      id: deliveryId,
      webhook_id: id,
      event_type: "session.status",
      status: "failed",
      attempts: 2,
      last_status_code: 500,
      last_error: "http_500",
      next_attempt_at: null,
      delivered_at: null,
      attempt_history: [
        {
          attempt: 1,
          status_code: 500,
          error: "http_500",
          duration_ms: 12,
          created_at: "2026-01-01T00:00:01.000Z",
        },
        {
          attempt: 2,
          status_code: null,
          error: "timeout: the request timed out",
          duration_ms: 10000,
        },
      ],
    });
  });

  it("filters deliveries by status", async () => {
    const { account, id, deliveryId } = await hookWithDelivery("failed");
    const failed = await send(t, "GET", `${base}/${id}/deliveries?status=failed`, account.headers);
    expect(
      ((await failed.json()) as { data: Array<{ id: string }> }).data.map((d) => d.id),
    ).toEqual([deliveryId]);
    const ok = await send(t, "GET", `${base}/${id}/deliveries?status=succeeded`, account.headers);
    expect(((await ok.json()) as { data: unknown[] }).data).toEqual([]);
    const bad = await send(t, "GET", `${base}/${id}/deliveries?status=bogus`, account.headers);
    expect(bad.status).toBe(400);
  });

  it("retries a failed delivery: 202, back to pending, one new attempt queued under its id", async () => {
    const { account, id, deliveryId } = await hookWithDelivery("failed");
    const res = await send(
      t,
      "POST",
      `${base}/${id}/deliveries/${deliveryId}/retry`,
      account.headers,
    );
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ id: deliveryId, status: "pending" });
    const [row] = await t.deps.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.id, deliveryId));
    expect(row?.status).toBe("pending");
    const job = await queue.getJob(deliveryId);
    expect(job?.queueName).toBe(QUEUES.webhooks);
    expect(job?.data).toEqual({ deliveryId });
    expect(job?.opts.attempts).toBe(1);
    expect(await job?.getState()).toBe("waiting");
  });

  it("retries a pending delivery waiting for its backoff: its job runs now", async () => {
    const { account, id, deliveryId } = await hookWithDelivery("pending");
    await queue.add(
      "deliver",
      { deliveryId },
      { jobId: deliveryId, delay: 3_600_000, attempts: 11 },
    );
    const res = await send(
      t,
      "POST",
      `${base}/${id}/deliveries/${deliveryId}/retry`,
      account.headers,
    );
    expect(res.status).toBe(202);
    const job = await queue.getJob(deliveryId);
    expect(await job?.getState()).toBe("waiting");
    expect(job?.opts.attempts).toBe(11);
  });

  it("refuses to retry for a disabled webhook (409) and an unknown delivery (404)", async () => {
    const { account, id, deliveryId } = await hookWithDelivery("failed");
    const missing = await send(
      t,
      "POST",
      `${base}/${id}/deliveries/whd_unknown/retry`,
      account.headers,
    );
    expect(missing.status).toBe(404);
    await t.deps.db.update(webhooks).set({ isActive: false }).where(eq(webhooks.id, id));
    const res = await send(
      t,
      "POST",
      `${base}/${id}/deliveries/${deliveryId}/retry`,
      account.headers,
    );
    expect(res.status).toBe(409);
  });
});
