import { performance } from "node:perf_hooks";
import {
  invalidateWebhookSubscriptions,
  publishLiveEvent,
  SafeFetchError,
  safeFetch,
  signWebhook,
} from "@wagate/core";
import {
  type Database,
  newId,
  webhookDeliveries,
  webhookDeliveryAttempts,
  webhooks,
} from "@wagate/db";
import { eq, sql } from "drizzle-orm";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { WebhookMetrics } from "./metrics.js";

export const WEBHOOK_USER_AGENT = "wagate-webhooks/1";

export interface AttemptContext {
  db: Database;
  logger: Logger;
  metrics: WebhookMetrics;
  now: () => Date;
  allowPrivate: boolean;
  timeoutMs: number;
  /** Receivers' answers are not used; read at most this much of them. */
  maxResponseBytes: number;
  /** Where each attempt's outcome is announced (`webhook.delivery` on the live feed). */
  liveFeed?: { redis: Redis; prefix: string };
}

/** What the queue consumer does after an attempt. */
export type AttemptOutcome = { kind: "done" } | { kind: "retry"; delayMs: number };

export interface AttemptPlan {
  /** Delay before the next attempt, or null when this attempt is the last one allowed. */
  retryDelayMs: number | null;
}

/** Error text kept on the row and shown to the account: the code, never the URL or secret. */
function describeError(error: unknown): string {
  if (error instanceof SafeFetchError) return `${error.code}: ${error.message}`;
  return "internal_error";
}

/**
 * One delivery attempt: loads the delivery and its webhook, POSTs the stored payload signed
 * per Standard Webhooks (same `webhook-id` every time, fresh `webhook-timestamp`), records
 * the attempt and moves the delivery to `succeeded`, `failed` or keeps it `pending` with its
 * `next_attempt_at`. A `410 Gone` disables the webhook and fails the delivery.
 */
export async function attemptDelivery(
  ctx: AttemptContext,
  deliveryId: string,
  plan: AttemptPlan,
): Promise<AttemptOutcome> {
  const [found] = await ctx.db
    .select({ delivery: webhookDeliveries, webhook: webhooks })
    .from(webhookDeliveries)
    .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
    .where(eq(webhookDeliveries.id, deliveryId));
  // Deleted with its webhook (cascade), or already finished by an earlier run of this job.
  if (found?.delivery.status !== "pending") return { kind: "done" };
  const { delivery, webhook } = found;

  if (!webhook.isActive) {
    const now = ctx.now();
    await ctx.db
      .update(webhookDeliveries)
      .set({ status: "failed", lastError: "webhook_disabled", nextAttemptAt: null, updatedAt: now })
      .where(eq(webhookDeliveries.id, delivery.id));
    ctx.metrics.deliveries.inc({ result: "failed" });
    return { kind: "done" };
  }

  const body = JSON.stringify(delivery.payload);
  const startedAt = ctx.now();
  const timestamp = Math.floor(startedAt.getTime() / 1000);
  const headers = {
    "content-type": "application/json",
    "user-agent": WEBHOOK_USER_AGENT,
    "webhook-id": delivery.id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": signWebhook({ id: delivery.id, timestamp, body, secret: webhook.secret }),
  };
  let statusCode: number | null = null;
  let error: string | null = null;
  const started = performance.now();
  try {
    const res = await safeFetch(webhook.url, {
      method: "POST",
      headers,
      body,
      allowPrivate: ctx.allowPrivate,
      timeoutMs: ctx.timeoutMs,
      maxBytes: ctx.maxResponseBytes,
    });
    statusCode = res.status;
    if (statusCode < 200 || statusCode >= 300) error = `http_${statusCode}`;
  } catch (caught) {
    error = describeError(caught);
    if (!(caught instanceof SafeFetchError)) {
      ctx.logger.error({ err: caught, deliveryId: delivery.id }, "webhook attempt crashed");
    }
  }
  const durationMs = Math.round(performance.now() - started);
  const succeeded = error === null;
  const gone = statusCode === 410;
  const finalFailure = !succeeded && (gone || plan.retryDelayMs === null);
  const now = ctx.now();
  const status = succeeded ? "succeeded" : finalFailure ? "failed" : "pending";
  const nextAttemptAt =
    status === "pending" ? new Date(now.getTime() + (plan.retryDelayMs ?? 0)) : null;

  await ctx.db.transaction(async (tx) => {
    const [updated] = await tx
      .update(webhookDeliveries)
      .set({
        attempts: sql`${webhookDeliveries.attempts} + 1`,
        status,
        lastStatusCode: statusCode,
        lastError: error,
        lastAttemptAt: startedAt,
        nextAttemptAt,
        ...(succeeded ? { deliveredAt: now } : {}),
        updatedAt: now,
      })
      .where(eq(webhookDeliveries.id, delivery.id))
      .returning({ attempts: webhookDeliveries.attempts });
    if (!updated) return; // deleted while we were posting
    await tx.insert(webhookDeliveryAttempts).values({
      id: newId("webhookAttempt", now.getTime()),
      deliveryId: delivery.id,
      attempt: updated.attempts,
      statusCode,
      error,
      durationMs,
      createdAt: startedAt,
      updatedAt: now,
    });
    if (gone) {
      await tx
        .update(webhooks)
        .set({ isActive: false, updatedAt: now })
        .where(eq(webhooks.id, webhook.id));
    }
  });

  if (gone && ctx.liveFeed) {
    // Workers cache subscriptions: the disabled webhook gets no new deliveries.
    await invalidateWebhookSubscriptions(
      ctx.liveFeed.redis,
      ctx.liveFeed.prefix,
      webhook.userId,
      ctx.logger,
    );
  }
  if (ctx.liveFeed) {
    await publishLiveEvent(ctx.liveFeed.redis, ctx.liveFeed.prefix, {
      type: "webhook.delivery",
      timestamp: now.toISOString(),
      user_id: delivery.userId,
      data: {
        delivery_id: delivery.id,
        webhook_id: webhook.id,
        event_type: delivery.eventType,
        status,
        attempts: delivery.attempts + 1,
        status_code: statusCode,
        error,
      },
    });
  }
  ctx.metrics.duration.observe({ outcome: succeeded ? "success" : "failure" }, durationMs / 1000);
  ctx.metrics.deliveries.inc({ result: status === "pending" ? "retrying" : status });
  if (gone) {
    ctx.logger.warn(
      { webhookId: webhook.id, deliveryId: delivery.id },
      "webhook answered 410 Gone: disabled",
    );
  }
  return status === "pending"
    ? { kind: "retry", delayMs: plan.retryDelayMs ?? 0 }
    : { kind: "done" };
}
